package org.earshot.pipeline;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.earshot.detect.Labels;

/**
 * Counters and gauges of one known sensor, written by ingest and pipeline threads and read by the metrics endpoint.
 * Counters only grow; gauges ({@code queued*}, {@code lastSeenMillis}) hold the current value.
 */
public final class SensorMetrics {
    final String sensorId;
    final LongAdder framesAccepted = new LongAdder();
    final LongAdder framesProcessed = new LongAdder();
    final LongAdder audioMicros = new LongAdder();
    final LongAdder gaps = new LongAdder();
    final LongAdder clippedSamples = new LongAdder();
    final LongAdder missingFrames = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder lateFrames = new LongAdder();
    final LongAdder formatChanges = new LongAdder();
    final LongAdder streams = new LongAdder();
    final LongAdder droppedFrames = new LongAdder();
    final LongAdder droppedAudioMicros = new LongAdder();
    final LongAdder windows = new LongAdder();
    final LongAdder gatedWindows = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder[] detections = adders();
    final LongAdder[] alerts = adders();
    final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    final AtomicLong queuedFrames = new AtomicLong();
    final AtomicLong queuedAudioMicros = new AtomicLong();
    final AtomicLong lastSeenMillis = new AtomicLong();

    SensorMetrics(String sensorId) {
        this.sensorId = sensorId;
    }

    /** Counts a refused frame of this sensor under a reason (a fixed, lower-case name). */
    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public long rejectedCount(String reason) {
        LongAdder a = rejected.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long framesAccepted() {
        return framesAccepted.sum();
    }

    public long framesProcessed() {
        return framesProcessed.sum();
    }

    /** Samples at digital full scale (the microphone or its gain clipped). */
    public long clippedSamples() {
        return clippedSamples.sum();
    }

    public long gaps() {
        return gaps.sum();
    }

    public long missingFrames() {
        return missingFrames.sum();
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public long lateFrames() {
        return lateFrames.sum();
    }

    public long formatChanges() {
        return formatChanges.sum();
    }

    public long streams() {
        return streams.sum();
    }

    public long droppedFrames() {
        return droppedFrames.sum();
    }

    public long windows() {
        return windows.sum();
    }

    public long detections(String label) {
        return detections[Labels.indexOf(label)].sum();
    }

    public long errors() {
        return errors.sum();
    }

    public long queuedAudioMicros() {
        return queuedAudioMicros.get();
    }

    public long lastSeenMillis() {
        return lastSeenMillis.get();
    }

    public long queuedFrames() {
        return queuedFrames.get();
    }

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[Labels.CLASSES.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }
}
