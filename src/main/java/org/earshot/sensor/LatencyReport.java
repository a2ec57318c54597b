package org.earshot.sensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonObject;
import org.earshot.train.eval.Event;

/**
 * Matches the detections a simulation receives to the known events of the recording it plays and measures
 * latency: arrival time minus the capture time of the event's end ({@code stream start + truth offset}), and also
 * minus the capture time of its start. A message
 * matches a known event of its class when its stream onset lies within the event extended by {@link #COLLAR_SECONDS}
 * on both sides; each known event of each stream counts once per stage (alert, final). Thread-safe.
 */
public final class LatencyReport {
    static final double COLLAR_SECONDS = 0.5;

    private final List<Event> truth;
    private final Stage alerts = new Stage();
    private final Stage finals = new Stage();
    private long unmatched;

    private static final class Stage {
        final List<Long> latenciesMicros = new ArrayList<>();
        final List<Long> sinceOnsetMicros = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
    }

    public LatencyReport(List<Event> truth) {
        this.truth = List.copyOf(truth);
    }

    /**
     * Records one received detection.
     *
     * @param finalStage      true for a final record, false for an alert
     * @param streamStartUs   capture time of the stream's start ({@code onset_us - stream_onset})
     */
    public synchronized void record(boolean finalStage, String sensor, String label, double streamOnset,
                                    long streamStartUs, long receivedWallMicros) {
        for (int i = 0; i < truth.size(); i++) {
            Event e = truth.get(i);
            if (e.label().equals(label) && streamOnset >= e.onset() - COLLAR_SECONDS
                    && streamOnset <= e.offset() + COLLAR_SECONDS) {
                Stage stage = finalStage ? finals : alerts;
                // Stream starts are rounded to the millisecond: the same stream must give the same key.
                if (stage.seen.add(sensor + "/" + Math.round(streamStartUs / 1000.0) + "/" + i)) {
                    stage.latenciesMicros.add(receivedWallMicros - (streamStartUs + Math.round(e.offset() * 1e6)));
                    stage.sinceOnsetMicros.add(receivedWallMicros - (streamStartUs + Math.round(e.onset() * 1e6)));
                }
                return;
            }
        }
        unmatched++;
    }

    public synchronized JsonObject toJson(long expectedPerStage) {
        JsonObject o = new JsonObject();
        o.add("alerts", stage(alerts, expectedPerStage));
        o.add("finals", stage(finals, expectedPerStage));
        o.addProperty("unmatched_messages", unmatched);
        return o;
    }

    public synchronized double percentileSeconds(boolean finalStage, double p) {
        return percentile((finalStage ? finals : alerts).latenciesMicros, p) / 1e6;
    }

    public synchronized int matched(boolean finalStage) {
        return (finalStage ? finals : alerts).latenciesMicros.size();
    }

    private static JsonObject stage(Stage s, long expected) {
        JsonObject o = new JsonObject();
        o.addProperty("matched", s.latenciesMicros.size());
        o.addProperty("known_events_streamed", expected);
        if (!s.latenciesMicros.isEmpty()) {
            o.addProperty("latency_p50_s", round(percentile(s.latenciesMicros, 50) / 1e6));
            o.addProperty("latency_p95_s", round(percentile(s.latenciesMicros, 95) / 1e6));
            o.addProperty("latency_p99_s", round(percentile(s.latenciesMicros, 99) / 1e6));
            o.addProperty("latency_max_s", round(Collections.max(s.latenciesMicros) / 1e6));
            // From the event's start: independent of how long the event lasts (shouts last seconds, bangs not).
            o.addProperty("since_onset_p50_s", round(percentile(s.sinceOnsetMicros, 50) / 1e6));
            o.addProperty("since_onset_p99_s", round(percentile(s.sinceOnsetMicros, 99) / 1e6));
        }
        return o;
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
