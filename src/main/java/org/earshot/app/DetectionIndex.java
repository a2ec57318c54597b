package org.earshot.app;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.earshot.journal.JournalLine;
import org.earshot.pipeline.OutputJson;

/**
 * What the query API searches: the final detections of the journal, by sequence number and by id, and the number of
 * detections per UTC day, sensor and class for the public transparency figures. Built by replaying the journal at
 * start and kept current as a journal listener (which sees entries in sequence order). Entries whose data retention
 * deleted are not searchable (their details are gone), but stay counted in the daily figures when they were counted
 * before, within this process. Also remembers the last configuration digest and whether the last run ended cleanly.
 */
final class DetectionIndex implements Consumer<JournalLine> {
    /** One detection entry, as recorded. */
    record Indexed(long seq, long recordedMicros, String id, String sensor, String label, long onsetMicros,
                   long offsetMicros, double confidence, Double peakDbfs, Double peakDb, double threshold,
                   String model, long receivedMicros) {}

    record DayKey(LocalDate day, String sensor, String label) {}

    private final ConcurrentSkipListMap<Long, Indexed> bySeq = new ConcurrentSkipListMap<>();
    private final Map<String, Long> byId = new ConcurrentHashMap<>();
    private final Map<DayKey, Long> daily = new ConcurrentHashMap<>();
    private volatile String lastConfigDigest;
    private volatile String lastLifecycle;

    @Override
    public void accept(JournalLine line) {
        switch (line.type()) {
            case JournalSink.TYPE_DETECTION -> {
                if (!line.redacted()) {
                    index(line);
                }
            }
            case ServiceJournal.TYPE_CONFIG -> {
                if (!line.redacted()) {
                    lastConfigDigest = line.dataJson().get("config_sha256").getAsString();
                }
            }
            case ServiceJournal.TYPE_START, ServiceJournal.TYPE_STOP -> lastLifecycle = line.type();
            default -> { }
        }
    }

    /** One past the sequence number of the last detection indexed; 0 when there is none. */
    long detectionEnd() {
        Map.Entry<Long, Indexed> last = bySeq.lastEntry();
        return last == null ? 0 : last.getKey() + 1;
    }

    /** A detection entry (not redacted) as recorded: the one reading of its data, for the API and for InfluxDB. */
    static Indexed parse(JournalLine line) {
        JsonObject d = line.dataJson();
        return new Indexed(line.seq(), line.timeMicros(), d.get("id").getAsString(),
                d.get("sensor").getAsString(), d.get("class").getAsString(), d.get("onset_us").getAsLong(),
                d.get("offset_us").getAsLong(), d.get("confidence").getAsDouble(), number(d, "peak_dbfs"),
                number(d, "peak_db"), d.has("threshold") ? d.get("threshold").getAsDouble() : Double.NaN,
                d.get("model").getAsString(), OutputJson.micros(Instant.parse(d.get("received").getAsString())));
    }

    private void index(JournalLine line) {
        Indexed x = parse(line);
        bySeq.put(x.seq(), x);
        byId.put(x.id(), x.seq());
        LocalDate day = Instant.ofEpochSecond(Math.floorDiv(x.onsetMicros(), 1_000_000L)).atZone(ZoneOffset.UTC)
                .toLocalDate();
        daily.merge(new DayKey(day, x.sensor(), x.label()), 1L, Long::sum);
    }

    private static Double number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsDouble();
    }

    /**
     * Detections after {@code afterSeq}, ascending, that pass the filter (onset in [from, to), null bounds open;
     * empty sets match all); at most {@code limit + 1}, so the caller can tell whether there is a next page.
     */
    List<Indexed> query(Long fromMicros, Long toMicros, Set<String> sensors, Set<String> classes,
                        Double minConfidence, long afterSeq, int limit) {
        List<Indexed> out = new ArrayList<>();
        for (Indexed x : bySeq.tailMap(afterSeq, false).values()) {
            if ((fromMicros == null || x.onsetMicros() >= fromMicros)
                    && (toMicros == null || x.onsetMicros() < toMicros)
                    && (sensors.isEmpty() || sensors.contains(x.sensor()))
                    && (classes.isEmpty() || classes.contains(x.label()))
                    && (minConfidence == null || x.confidence() >= minConfidence)) {
                out.add(x);
                if (out.size() > limit) {
                    break;
                }
            }
        }
        return out;
    }

    Optional<Indexed> byId(String id) {
        Long seq = byId.get(id);
        return seq == null ? Optional.empty() : Optional.ofNullable(bySeq.get(seq));
    }

    /** Counts per day (UTC, of the onset), sensor and class, for days in [from, to], sorted. */
    Map<DayKey, Long> daily(LocalDate from, LocalDate to) {
        Map<DayKey, Long> out = new TreeMap<>((a, b) -> {
            int c = a.day().compareTo(b.day());
            c = c != 0 ? c : a.sensor().compareTo(b.sensor());
            return c != 0 ? c : a.label().compareTo(b.label());
        });
        daily.forEach((k, v) -> {
            if (!k.day().isBefore(from) && !k.day().isAfter(to)) {
                out.put(k, v);
            }
        });
        return out;
    }

    int size() {
        return bySeq.size();
    }

    String lastConfigDigest() {
        return lastConfigDigest;
    }

    /** "start" when the last run was not stopped cleanly (killed, crashed), "stop" after a clean stop, or null. */
    String lastLifecycle() {
        return lastLifecycle;
    }
}
