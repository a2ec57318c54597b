package org.earshot.detect;

import org.earshot.dsp.FrontEndSpec;
import org.earshot.dsp.Levels;
import org.earshot.dsp.LogMel;

import java.util.List;

/**
 * Detection over a whole recording already in memory at 16 kHz: log-mel frames and per-frame levels (RMS of each
 * 25 ms analysis frame), fed to the same {@link StreamDetector} that live streams use, then flushed. This is the one
 * code path behind {@code earshot detect}, the evaluation commands and the benchmarks.
 */
public final class FileDetector {
    /** Windows scored together; large enough to amortise the classifier call, small enough to bound memory. */
    public static final int BATCH_WINDOWS = 32;

    /** The detections of one recording and what the level gate saved. */
    public record Result(List<Detection> detections, long windows, long gatedWindows, double audioSeconds) {}

    private FileDetector() {}

    public static Result detect(float[] samples16k, Classifier classifier, DetectorConfig config) {
        float[][] mel = new LogMel().compute(samples16k);
        return detect(mel, frameLevels(samples16k, mel.length), samples16k.length / (double) FrontEndSpec.SAMPLE_RATE,
                classifier, config);
    }

    /**
     * Detection over a recording's front end computed beforehand ({@link LogMel#compute} and {@link #frameLevels}),
     * for evaluation that runs the detector many times over one recording; the arrays are not modified.
     */
    public static Result detect(float[][] mel, double[] levels, double audioSeconds, Classifier classifier,
            DetectorConfig config) {
        StreamDetector detector = new StreamDetector(classifier, config, BATCH_WINDOWS);
        List<Detection> detections = new java.util.ArrayList<>(detector.accept(mel, levels));
        detections.addAll(detector.flush());
        detections.sort(java.util.Comparator.comparingDouble(Detection::onset));
        return new Result(List.copyOf(detections), detector.totalWindows(), detector.gatedWindows(), audioSeconds);
    }

    /** RMS level in dBFS of each analysis frame (digital silence gives -Infinity). */
    public static double[] frameLevels(float[] samples, int frames) {
        double[] levels = new double[frames];
        for (int f = 0; f < frames; f++) {
            int start = f * FrontEndSpec.HOP_LENGTH;
            levels[f] = Levels.rmsDbfs(samples, start, start + FrontEndSpec.WINDOW_LENGTH);
        }
        return levels;
    }
}
