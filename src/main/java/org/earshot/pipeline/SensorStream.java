package org.earshot.pipeline;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.earshot.audio.SensorFrame;
import org.earshot.detect.Classifier;
import org.earshot.detect.Detection;
import org.earshot.detect.DetectorConfig;
import org.earshot.dsp.LevelMeter;

/**
 * One sensor's audio as the pipeline sees it: frames put back in sequence order within a small reorder window,
 * duplicates and late frames dropped, and a {@link Segment} per continuous stretch. A missing frame (the reorder
 * window overflows, or the queue dropped frames) counts as a gap: the current segment is flushed, so its events are
 * final, and analysis restarts cleanly at the next frame, on that frame's capture clock. A change of sample rate,
 * format or channel count, the end-of-stream flag and {@link #flush()} also end the segment. Driven by one thread at
 * a time (the pipeline serialises each sensor's work).
 */
final class SensorStream {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SensorStream.class);
    /** Where a stream's outputs go. */
    interface Outputs {
        void detection(SensorDetection detection);

        void level(LevelReading reading);
    }

    /** Sequence numbers already analysed, remembered this far back to tell duplicates from late frames. */
    private static final int HISTORY = 256;

    private final SensorProfile sensor;
    private final Classifier classifier;
    private final DetectorConfig config;
    private final int reorderFrames;
    private final SensorMetrics metrics;
    private final Outputs outputs;
    private final TreeMap<Long, Pending> ahead = new TreeMap<>();
    private final BitSet recent = new BitSet(HISTORY);
    private Segment segment;
    private long expected = -1;
    private long lastReceivedMicros;

    private record Pending(SensorFrame frame, long receivedMicros) {}

    SensorStream(SensorProfile sensor, Classifier classifier, DetectorConfig config, int reorderFrames,
                 SensorMetrics metrics, Outputs outputs) {
        this.sensor = sensor;
        this.classifier = classifier;
        this.config = config;
        this.reorderFrames = reorderFrames;
        this.metrics = metrics;
        this.outputs = outputs;
    }

    /**
     * Takes the sensor's next frame in arrival order. {@code afterDrop} says the queue dropped frames just before
     * this one, so waiting for them is pointless: the stream restarts here.
     */
    void accept(SensorFrame frame, long receivedMicros, boolean afterDrop) {
        lastReceivedMicros = receivedMicros;
        long seq = frame.sequence();
        if (afterDrop && expected >= 0) {
            skipTo(seq);
        }
        if (expected < 0) {
            expected = seq;
        }
        if (seq < expected) {
            if (expected - seq <= HISTORY && recent.get((int) (seq % HISTORY))) {
                metrics.duplicates.increment();
            } else {
                metrics.lateFrames.increment();
            }
            return;
        }
        if (seq > expected) {
            if (ahead.putIfAbsent(seq, new Pending(frame, receivedMicros)) != null) {
                metrics.duplicates.increment();
                return;
            }
            if (ahead.size() > reorderFrames) {
                skipTo(ahead.firstKey());
            }
        } else {
            analyse(frame, receivedMicros);
        }
        drainInOrder();
    }

    /** Ends the current stretch (idle sensor, disconnect, shutdown): frames still waiting count as after a gap. */
    void flush() {
        while (!ahead.isEmpty()) {
            skipTo(ahead.firstKey());
            drainInOrder();
        }
        endSegment();
        expected = -1;
    }

    private void skipTo(long seq) {
        if (seq <= expected) {
            return;
        }
        metrics.gaps.increment();
        metrics.missingFrames.add(seq - expected);
        endSegment();
        for (long s = expected; s < seq && s < expected + HISTORY; s++) {
            recent.clear((int) (s % HISTORY));
        }
        expected = seq;
    }

    private void drainInOrder() {
        Map.Entry<Long, Pending> next;
        while ((next = ahead.firstEntry()) != null && next.getKey() == expected) {
            ahead.pollFirstEntry();
            analyse(next.getValue().frame(), next.getValue().receivedMicros());
        }
    }

    private void analyse(SensorFrame frame, long receivedMicros) {
        lastReceivedMicros = receivedMicros;
        recent.set((int) (frame.sequence() % HISTORY));
        expected = frame.sequence() + 1;
        if (segment != null && !segment.sameFormat(frame)) {
            metrics.formatChanges.increment();
            endSegment();
        }
        if (frame.samplesPerChannel() > 0) {
            if (segment == null) {
                segment = new Segment(frame, classifier, config);
                metrics.streams.increment();
                // Where analysis (re)starts, e.g. on the node a sensor moved to in cluster mode (bench/
                // cluster-failover.sh compares each stretch with offline detection from that point).
                LOG.debug("sensor {}: analysis starts at frame {}, capture time {} us", sensor.id(),
                        frame.sequence(), frame.captureMicros());
            }
            metrics.audioMicros.add(Math.round(frame.durationSeconds() * 1e6));
            metrics.clippedSamples.add(frame.clippedSamples());
            emit(segment, segment.accept(frame.monoSamples()));
        }
        if (frame.endOfStream()) {
            endSegment();
            expected = -1;
            ahead.clear();
        }
        metrics.framesProcessed.increment();
    }

    private void endSegment() {
        if (segment == null) {
            return;
        }
        Segment ending = segment;
        segment = null;
        emit(ending, ending.flush());
    }

    private void emit(Segment from, Segment.Output out) {
        long[] windows = from.takeWindowCounts();
        metrics.windows.add(windows[0]);
        metrics.gatedWindows.add(windows[1]);
        for (LevelMeter.Block b : out.levels()) {
            long start = Math.addExact(from.startMicros(), Math.round(b.startSample() * 1e6 / from.sampleRate()));
            outputs.level(new LevelReading(sensor, start, b.laeqDbfs(), b.peakDbfs()));
        }
        emit(from, out.started(), SensorDetection.Stage.STARTED);
        emit(from, out.ended(), SensorDetection.Stage.FINAL);
    }

    private void emit(Segment from, List<Detection> detections, SensorDetection.Stage stage) {
        for (Detection d : detections) {
            if (sensor.classes().contains(d.label())) {
                outputs.detection(new SensorDetection(sensor, stage, d, from.startMicros(), lastReceivedMicros));
            }
        }
    }
}
