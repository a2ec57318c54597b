package org.earshot.api;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.earshot.detect.Labels;

/**
 * How the query API writes its values: snake_case keys, times as ISO-8601 instants in UTC with microseconds when
 * there are any, hashes as lower-case hex, signatures as base64, non-finite numbers as null (JSON has none), and the
 * journal's entry text as a string, byte for byte, because a client hashes exactly those bytes to check a proof.
 * The detection columns of CSV are the JSON keys, in the same order. Pure functions.
 */
public final class ApiJson {
    /** The detection fields, in JSON and CSV order. */
    public static final List<String> DETECTION_COLUMNS = List.of("seq", "id", "sensor", "class", "onset", "offset",
            "confidence", "threshold", "peak_dbfs", "peak_db", "model", "received", "recorded");
    private static final HexFormat HEX = HexFormat.of();

    private ApiJson() {}

    public static String time(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L)
                .toString();
    }

    public static String hex(byte[] bytes) {
        return bytes == null ? null : HEX.formatHex(bytes);
    }

    private static JsonElement number(Double d) {
        return d == null || !Double.isFinite(d) ? JsonNull.INSTANCE : new JsonPrimitive(d);
    }

    public static JsonObject detection(DetectionRecord d) {
        JsonObject o = new JsonObject();
        o.addProperty("seq", d.seq());
        o.addProperty("id", d.id());
        o.addProperty("sensor", d.sensor());
        o.addProperty("class", d.label());
        o.addProperty("onset", time(d.onsetMicros()));
        o.addProperty("offset", time(d.offsetMicros()));
        o.add("confidence", number(d.confidence()));
        o.add("threshold", number(d.threshold()));
        o.add("peak_dbfs", number(d.peakDbfs()));
        o.add("peak_db", number(d.peakDb()));
        o.addProperty("model", d.model());
        o.addProperty("received", time(d.receivedMicros()));
        o.addProperty("recorded", time(d.recordedMicros()));
        return o;
    }

    /** One CSV record of a detection, {@link #DETECTION_COLUMNS} in order; text fields guarded. */
    public static String detectionCsv(DetectionRecord d) {
        return Csv.row(List.of(Long.toString(d.seq()), Csv.text(d.id()), Csv.text(d.sensor()), Csv.text(d.label()),
                time(d.onsetMicros()), time(d.offsetMicros()), csvNumber(d.confidence()), csvNumber(d.threshold()),
                csvNumber(d.peakDbfs()), csvNumber(d.peakDb()), Csv.text(d.model()), time(d.receivedMicros()),
                time(d.recordedMicros())));
    }

    private static String csvNumber(Double d) {
        return d == null || !Double.isFinite(d) ? "" : Double.toString(d);
    }

    public static JsonObject checkpoint(CheckpointView c) {
        JsonObject o = new JsonObject();
        o.addProperty("tree_size", c.treeSize());
        o.addProperty("root_hash", hex(c.rootHash()));
        o.addProperty("time", time(c.timeMicros()));
        o.addProperty("key_id", c.keyId());
        o.addProperty("signature", c.signature() == null ? null : Base64.getEncoder().encodeToString(c.signature()));
        o.addProperty("signed_text", c.signedText());
        return o;
    }

    public static JsonObject proof(DetectionProof p) {
        JsonObject proof = new JsonObject();
        proof.addProperty("entry_json", p.entryJson());
        proof.addProperty("leaf_index", p.leafIndex());
        proof.addProperty("leaf_hash", hex(p.leafHash()));
        proof.addProperty("tree_size", p.treeSize());
        proof.addProperty("root_hash", hex(p.rootHash()));
        proof.add("audit_path", hashes(p.auditPath()));
        proof.add("checkpoint", p.checkpoint() == null ? JsonNull.INSTANCE : checkpoint(p.checkpoint()));
        JsonObject o = new JsonObject();
        o.add("detection", detection(p.detection()));
        o.add("proof", proof);
        return o;
    }

    public static JsonArray hashes(List<byte[]> hashes) {
        JsonArray a = new JsonArray();
        hashes.forEach(h -> a.add(hex(h)));
        return a;
    }

    public static JsonObject entry(JournalEntryView e) {
        JsonObject o = new JsonObject();
        o.addProperty("seq", e.seq());
        o.addProperty("time", time(e.timeMicros()));
        o.addProperty("type", e.type());
        o.addProperty("redacted", e.redacted());
        // Redacted entries keep their header: it is what the leaf hashes, so an export stays verifiable.
        o.add("entry_json", e.entryJson() == null ? JsonNull.INSTANCE : new JsonPrimitive(e.entryJson()));
        o.addProperty("leaf_hash", hex(e.leafHash()));
        return o;
    }

    public static JsonObject sensor(SensorView s) {
        JsonObject o = new JsonObject();
        o.addProperty("id", s.id());
        o.addProperty("location", s.location());
        o.addProperty("purpose", s.purpose());
        JsonArray classes = new JsonArray();
        s.classes().forEach(classes::add);
        o.add("classes", classes);
        o.addProperty("enabled", s.enabled());
        o.add("calibration_offset_db", number(s.calibrationOffsetDb()));
        o.add("latitude", number(s.latitude()));
        o.add("longitude", number(s.longitude()));
        return o;
    }

    /**
     * The public transparency figures: totals per class (every class, zeros included), per sensor, per day and per
     * day, sensor and class. Counts only; nothing that identifies one event (no ids, no times finer than a day).
     * A day, sensor and class with fewer than {@code minCount} detections (but some) is suppressed: left out of its
     * row and of every total, so that no difference of published figures gives it back; {@code suppressed_cells}
     * says how many were.
     */
    public static JsonObject transparency(LocalDate from, LocalDate to, List<DailyCount> counts, int minCount) {
        Map<String, Long> cells = new TreeMap<>();
        for (DailyCount c : counts) {
            if (c.count() <= 0 || c.day().isBefore(from) || c.day().isAfter(to)) {
                continue;
            }
            cells.merge(c.day() + "\u0000" + c.sensor() + "\u0000" + c.label(), c.count(), Long::sum);
        }
        Map<String, Long> byClass = new TreeMap<>();
        Labels.CLASSES.forEach(c -> byClass.put(c, 0L));
        Map<String, Long> bySensor = new TreeMap<>();
        Map<String, Long> byDay = new TreeMap<>();
        long total = 0;
        long suppressed = 0;
        JsonArray rows = new JsonArray();
        for (Map.Entry<String, Long> cell : cells.entrySet()) {
            if (cell.getValue() < minCount) {
                suppressed++;
                continue;
            }
            String[] key = cell.getKey().split("\u0000", -1);
            total += cell.getValue();
            byDay.merge(key[0], cell.getValue(), Long::sum);
            bySensor.merge(key[1], cell.getValue(), Long::sum);
            byClass.merge(key[2], cell.getValue(), Long::sum);
            JsonObject row = new JsonObject();
            row.addProperty("day", key[0]);
            row.addProperty("sensor", key[1]);
            row.addProperty("class", key[2]);
            row.addProperty("count", cell.getValue());
            rows.add(row);
        }
        JsonObject o = new JsonObject();
        o.addProperty("from", from.toString());
        o.addProperty("to", to.toString());
        o.addProperty("min_count", minCount);
        o.addProperty("suppressed_cells", suppressed);
        o.addProperty("total", total);
        o.add("by_class", counts(byClass));
        o.add("by_sensor", counts(bySensor));
        o.add("by_day", counts(byDay));
        o.add("by_day_sensor_class", rows);
        return o;
    }

    private static JsonObject counts(Map<String, Long> counts) {
        JsonObject o = new JsonObject();
        counts.forEach(o::addProperty);
        return o;
    }

    /** A configuration value tree (maps, collections, numbers, booleans, strings; anything else as its text). */
    public static JsonElement value(Object v) {
        if (v == null) {
            return JsonNull.INSTANCE;
        }
        if (v instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, x) -> o.add(String.valueOf(k), value(x)));
            return o;
        }
        if (v instanceof Collection<?> c) {
            JsonArray a = new JsonArray();
            c.forEach(x -> a.add(value(x)));
            return a;
        }
        if (v instanceof Double d) {
            return number(d);
        }
        if (v instanceof Float f) {
            return number(f.doubleValue());
        }
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        return new JsonPrimitive(v.toString());
    }
}
