package org.earshot.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;
import org.earshot.audio.StreamingResampler;
import org.earshot.detect.Classifier;
import org.earshot.detect.Detection;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.StreamDetector;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.dsp.LevelMeter;
import org.earshot.dsp.Levels;
import org.earshot.dsp.LogMel;

/**
 * One continuous stretch of a sensor's audio, in one format, from its first frame to a gap, a format change, the
 * end-of-stream flag or an idle timeout. It runs the same front end as {@code earshot detect} incrementally:
 * resampling to 16 kHz, 25 ms log-mel frames every 10 ms with their RMS levels, into a {@link StreamDetector}, so
 * that a file streamed in pieces yields exactly the detections of the whole file. Levels (LAeq per second) are
 * measured at the sensor's own rate. Only the samples the next analysis frame needs are kept. Not thread-safe.
 */
final class Segment {
    /** What one call produced: started alerts, final detections and completed level seconds, in order. */
    record Output(List<Detection> started, List<Detection> ended, List<LevelMeter.Block> levels) {
        static Output empty() {
            return new Output(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        boolean isEmpty() {
            return started.isEmpty() && ended.isEmpty() && levels.isEmpty();
        }
    }

    private final SampleFormat format;
    private final int sampleRate;
    private final int channels;
    private final long startMicros;
    private final StreamingResampler resampler;
    private final LevelMeter meter;
    private final List<LevelMeter.Block> completedLevels = new ArrayList<>();
    private final LogMel logMel = new LogMel();
    private final StreamDetector detector;
    private final float[] mel = new float[FrontEndSpec.MEL_BANDS];
    /** 16 kHz samples from {@code bufferStart} on, not yet consumed by analysis frames. */
    private float[] buffer = new float[4 * FrontEndSpec.WINDOW_LENGTH];
    private int buffered;
    private long bufferStart;
    private long nextFrame;
    private long reportedWindows;
    private long reportedGated;

    Segment(SensorFrame first, Classifier classifier, DetectorConfig config) {
        this.format = first.format();
        this.sampleRate = first.sampleRate();
        this.channels = first.channels();
        this.startMicros = first.captureMicros();
        this.resampler = sampleRate == FrontEndSpec.SAMPLE_RATE ? null
                : new StreamingResampler(sampleRate, FrontEndSpec.SAMPLE_RATE);
        this.meter = new LevelMeter(sampleRate, completedLevels::add);
        this.detector = new StreamDetector(classifier, config, 1);
    }

    /** Whether a frame continues this segment's format (else the stream must start a new segment). */
    boolean sameFormat(SensorFrame frame) {
        return frame.format() == format && frame.sampleRate() == sampleRate && frame.channels() == channels;
    }

    long startMicros() {
        return startMicros;
    }

    int sampleRate() {
        return sampleRate;
    }

    Output accept(float[] mono) {
        meter.accept(mono, 0, mono.length);
        float[] at16k = resampler == null ? mono : resampler.process(mono, 0, mono.length);
        Output out = analyse(at16k);
        drainLevels(out);
        return out;
    }

    /** Ends the segment: the resampler's tail, the detector's last window and every pending event. */
    Output flush() {
        Output out = resampler == null ? Output.empty() : analyse(resampler.flush());
        out.ended().addAll(detector.flush());
        out.started().addAll(detector.takeStarted());
        drainLevels(out);
        return out;
    }

    /** Windows formed and windows gated since the last call, for live counters. */
    long[] takeWindowCounts() {
        long windows = detector.totalWindows();
        long gated = detector.gatedWindows();
        long[] delta = {windows - reportedWindows, gated - reportedGated};
        reportedWindows = windows;
        reportedGated = gated;
        return delta;
    }

    private Output analyse(float[] samples16k) {
        append(samples16k);
        Output out = Output.empty();
        while (nextFrame * FrontEndSpec.HOP_LENGTH + FrontEndSpec.WINDOW_LENGTH <= bufferStart + buffered) {
            int offset = (int) (nextFrame * FrontEndSpec.HOP_LENGTH - bufferStart);
            logMel.computeFrame(buffer, offset, mel, 0);
            double level = Levels.rmsDbfs(buffer, offset, offset + FrontEndSpec.WINDOW_LENGTH);
            out.ended().addAll(detector.accept(mel, level));
            out.started().addAll(detector.takeStarted());
            nextFrame++;
        }
        discardConsumed();
        return out;
    }

    private void append(float[] samples) {
        if (buffered + samples.length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, buffered + samples.length));
        }
        System.arraycopy(samples, 0, buffer, buffered, samples.length);
        buffered += samples.length;
    }

    private void discardConsumed() {
        long keepFrom = nextFrame * FrontEndSpec.HOP_LENGTH;
        int drop = (int) Math.min(buffered, keepFrom - bufferStart);
        if (drop > 0) {
            System.arraycopy(buffer, drop, buffer, 0, buffered - drop);
            buffered -= drop;
            bufferStart += drop;
        }
    }

    private void drainLevels(Output out) {
        out.levels().addAll(completedLevels);
        completedLevels.clear();
    }
}
