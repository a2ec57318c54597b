package org.earshot.pipeline;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.earshot.detect.Labels;

/**
 * All of the service's counters, rendered in the Prometheus text format by {@link #prometheus()}. Per-sensor
 * series exist only for sensors in the registry (an unknown id never becomes a label, so a client cannot grow the
 * metrics); refusals that cannot be pinned on a known sensor are counted per transport and reason.
 */
public final class Metrics {
    private final Map<String, SensorMetrics> sensors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final LatencyHistogram inference = new LatencyHistogram();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchedWindows = new LongAdder();
    private final LongAdder sinkErrors = new LongAdder();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();

    /** The metrics of a known sensor, created on first use. */
    public SensorMetrics sensor(String sensorId) {
        return sensors.computeIfAbsent(sensorId, SensorMetrics::new);
    }

    /** Every sensor seen so far, by id (a live view). */
    public Map<String, SensorMetrics> sensors() {
        return java.util.Collections.unmodifiableMap(sensors);
    }

    /**
     * Counts a refusal not attributable to a known sensor's stream (bad credentials, unknown sensor, a frame on
     * another sensor's topic...): {@code transport} is mqtt, broker or websocket; {@code reason} a fixed name.
     */
    public void refused(String transport, String reason) {
        refused.computeIfAbsent(transport + "\u0000" + reason, k -> new LongAdder()).increment();
    }

    public long refusedCount(String transport, String reason) {
        LongAdder a = refused.get(transport + "\u0000" + reason);
        return a == null ? 0 : a.sum();
    }

    /** A gauge read when metrics are rendered (connections, queue sizes); the name must be a valid metric name. */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    LatencyHistogram inference() {
        return inference;
    }

    void batch(int windows) {
        batches.increment();
        batchedWindows.add(windows);
    }

    void sinkError() {
        sinkErrors.increment();
    }

    public long sinkErrors() {
        return sinkErrors.sum();
    }

    public long batches() {
        return batches.sum();
    }

    public long batchedWindows() {
        return batchedWindows.sum();
    }

    /** Every metric in the Prometheus text exposition format (version 0.0.4). */
    public String prometheus() {
        StringBuilder out = new StringBuilder(4096);
        Map<String, SensorMetrics> bySensor = new TreeMap<>(sensors);
        counter(out, "earshot_frames_accepted_total", "Audio frames accepted into the pipeline", bySensor,
                m -> m.framesAccepted.sum());
        counter(out, "earshot_frames_processed_total", "Audio frames analysed", bySensor, m -> m.framesProcessed.sum());
        gaugeSeries(out, "earshot_audio_seconds_total", "Seconds of audio analysed", "counter", bySensor,
                m -> m.audioMicros.sum() / 1e6);
        counter(out, "earshot_gaps_total", "Sequence gaps (the analysis restarts after each)", bySensor,
                m -> m.gaps.sum());
        counter(out, "earshot_clipped_samples_total", "Samples at digital full scale (microphone or gain clipped)",
                bySensor, m -> m.clippedSamples.sum());
        counter(out, "earshot_missing_frames_total", "Frames never received, by sequence number", bySensor,
                m -> m.missingFrames.sum());
        counter(out, "earshot_duplicate_frames_total", "Frames received twice (dropped)", bySensor,
                m -> m.duplicates.sum());
        counter(out, "earshot_late_frames_total", "Frames arriving after their place was given up (dropped)",
                bySensor, m -> m.lateFrames.sum());
        counter(out, "earshot_format_changes_total", "Changes of sample rate, format or channels mid-stream",
                bySensor, m -> m.formatChanges.sum());
        counter(out, "earshot_streams_total", "Continuous streams started", bySensor, m -> m.streams.sum());
        counter(out, "earshot_dropped_frames_total", "Queued frames dropped, oldest first, because the pipeline fell "
                + "behind", bySensor, m -> m.droppedFrames.sum());
        gaugeSeries(out, "earshot_dropped_audio_seconds_total", "Seconds of audio dropped because the pipeline fell "
                + "behind", "counter", bySensor, m -> m.droppedAudioMicros.sum() / 1e6);
        counter(out, "earshot_windows_total", "0.96 s windows formed", bySensor, m -> m.windows.sum());
        counter(out, "earshot_gated_windows_total", "Windows the level gate skipped", bySensor,
                m -> m.gatedWindows.sum());
        counter(out, "earshot_stream_errors_total", "Internal errors while analysing a stream (stream restarted)",
                bySensor, m -> m.errors.sum());
        gaugeSeries(out, "earshot_queue_frames", "Frames waiting in the sensor's queue", "gauge", bySensor,
                m -> m.queuedFrames.get());
        gaugeSeries(out, "earshot_queue_audio_seconds", "Seconds of audio waiting in the sensor's queue", "gauge",
                bySensor, m -> m.queuedAudioMicros.get() / 1e6);
        gaugeSeries(out, "earshot_last_seen_seconds", "Unix time of the sensor's last accepted frame", "gauge",
                bySensor, m -> m.lastSeenMillis.get() / 1e3);
        header(out, "earshot_detections_total", "Final detections published, by class", "counter");
        header(out, "earshot_alerts_total", "Event-start alerts published, by class", "counter");
        for (SensorMetrics m : bySensor.values()) {
            for (int c = 0; c < Labels.CLASSES.size(); c++) {
                String labels = "{sensor=\"" + m.sensorId + "\",class=\"" + Labels.CLASSES.get(c) + "\"}";
                out.append("earshot_detections_total").append(labels).append(' ').append(m.detections[c].sum())
                        .append('\n');
                out.append("earshot_alerts_total").append(labels).append(' ').append(m.alerts[c].sum()).append('\n');
            }
        }
        header(out, "earshot_rejected_frames_total", "Frames of known sensors refused, by reason", "counter");
        for (SensorMetrics m : bySensor.values()) {
            for (Map.Entry<String, LongAdder> e : new TreeMap<>(m.rejected).entrySet()) {
                out.append("earshot_rejected_frames_total{sensor=\"").append(m.sensorId).append("\",reason=\"")
                        .append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
            }
        }
        header(out, "earshot_refused_total", "Refusals not attributable to a known sensor's stream, by transport and "
                + "reason", "counter");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(refused).entrySet()) {
            String[] parts = e.getKey().split("\u0000", 2);
            out.append("earshot_refused_total{transport=\"").append(parts[0]).append("\",reason=\"").append(parts[1])
                    .append("\"} ").append(e.getValue().sum()).append('\n');
        }
        header(out, "earshot_inference_seconds", "Time of one classifier batch", "histogram");
        for (int i = 0; i < LatencyHistogram.BUCKETS.length; i++) {
            out.append("earshot_inference_seconds_bucket{le=\"").append(LatencyHistogram.BUCKETS[i]).append("\"} ")
                    .append(inference.cumulative(i)).append('\n');
        }
        out.append("earshot_inference_seconds_bucket{le=\"+Inf\"} ").append(inference.count()).append('\n');
        out.append("earshot_inference_seconds_sum ").append(format(inference.sumSeconds())).append('\n');
        out.append("earshot_inference_seconds_count ").append(inference.count()).append('\n');
        single(out, "earshot_inference_batches_total", "Classifier batches run", "counter", batches.sum());
        single(out, "earshot_inference_windows_total", "Windows classified", "counter", batchedWindows.sum());
        single(out, "earshot_sink_errors_total", "Outputs a sink failed to take (logged)", "counter", sinkErrors.sum());
        for (Map.Entry<String, LongSupplier> g : new TreeMap<>(gauges).entrySet()) {
            single(out, g.getKey(), "", "gauge", g.getValue().getAsLong());
        }
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, Map<String, SensorMetrics> sensors,
                                java.util.function.ToLongFunction<SensorMetrics> value) {
        header(out, name, help, "counter");
        for (SensorMetrics m : sensors.values()) {
            out.append(name).append("{sensor=\"").append(m.sensorId).append("\"} ").append(value.applyAsLong(m))
                    .append('\n');
        }
    }

    private static void gaugeSeries(StringBuilder out, String name, String help, String type,
                                    Map<String, SensorMetrics> sensors,
                                    java.util.function.ToDoubleFunction<SensorMetrics> value) {
        header(out, name, help, type);
        for (SensorMetrics m : sensors.values()) {
            out.append(name).append("{sensor=\"").append(m.sensorId).append("\"} ")
                    .append(format(value.applyAsDouble(m))).append('\n');
        }
    }

    private static void single(StringBuilder out, String name, String help, String type, long value) {
        header(out, name, help, type);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        if (!help.isEmpty()) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        }
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
