package org.earshot.detect;

import org.earshot.audio.AudioFormatException;
import org.earshot.audio.AudioSource;
import org.earshot.audio.StreamingResampler;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.dsp.Levels;
import org.earshot.dsp.LogMel;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * Detection over a whole recording: log-mel frames and per-frame levels (RMS of each 25 ms analysis frame), fed to
 * the same {@link StreamDetector} that live streams use, then flushed. A recording in memory at 16 kHz is analysed
 * whole (the evaluation commands and benchmarks); {@code earshot detect} reads its file through an
 * {@link AudioSource} in pieces, resampled by {@link StreamingResampler} (bit-identical to the whole-signal
 * resampler), in constant memory and with the same detections.
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

    /** Samples read from a source at a time. */
    static final int READ_SAMPLES = 1 << 16;

    /**
     * Detection over a recording read from {@code source} piece by piece: memory stays bounded whatever its length,
     * and the detections are those of {@link #detect(float[], Classifier, DetectorConfig)} on the whole recording
     * resampled at once. {@code progress} is told the seconds of audio read so far after each piece.
     *
     * @throws AudioFormatException when the recording is too short to resample to 16 kHz, or is corrupt
     */
    public static Result detect(AudioSource source, String nameForErrors, Classifier classifier,
            DetectorConfig config, DoubleConsumer progress) throws IOException {
        int rate = source.sampleRate();
        StreamingResampler resampler = rate == FrontEndSpec.SAMPLE_RATE ? null
                : new StreamingResampler(rate, FrontEndSpec.SAMPLE_RATE);
        StreamDetector detector = new StreamDetector(classifier, config, BATCH_WINDOWS);
        IncrementalFrontEnd frontEnd = new IncrementalFrontEnd(detector);
        float[] piece = new float[READ_SAMPLES];
        long read = 0;
        int got;
        while ((got = source.read(piece, 0, piece.length)) > 0) {
            read += got;
            frontEnd.accept(resampler == null ? Arrays.copyOf(piece, got) : resampler.process(piece, 0, got));
            progress.accept(read / (double) rate);
        }
        if (resampler != null) {
            frontEnd.accept(resampler.flush());
            if (resampler.outputSamples() == 0) {
                throw new AudioFormatException(nameForErrors, "too short to resample to " + FrontEndSpec.SAMPLE_RATE
                        + " Hz (" + read + " samples at " + rate + " Hz)");
            }
        }
        List<Detection> detections = new java.util.ArrayList<>(frontEnd.ended);
        detections.addAll(detector.flush());
        detections.sort(java.util.Comparator.comparingDouble(Detection::onset));
        double audioSeconds = frontEnd.samples16k / (double) FrontEndSpec.SAMPLE_RATE;
        return new Result(List.copyOf(detections), detector.totalWindows(), detector.gatedWindows(), audioSeconds);
    }

    /** The log-mel front end fed in pieces: keeps only the samples the next analysis frame needs. */
    private static final class IncrementalFrontEnd {
        private final StreamDetector detector;
        private final LogMel logMel = new LogMel();
        private final List<Detection> ended = new java.util.ArrayList<>();
        private float[] buffer = new float[4 * FrontEndSpec.WINDOW_LENGTH];
        private int buffered;
        private long bufferStart;
        private long nextFrame;
        private long samples16k;

        IncrementalFrontEnd(StreamDetector detector) {
            this.detector = detector;
        }

        void accept(float[] samples) {
            samples16k += samples.length;
            if (buffered + samples.length > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, buffered + samples.length));
            }
            System.arraycopy(samples, 0, buffer, buffered, samples.length);
            buffered += samples.length;
            while (nextFrame * FrontEndSpec.HOP_LENGTH + FrontEndSpec.WINDOW_LENGTH <= bufferStart + buffered) {
                int offset = (int) (nextFrame * FrontEndSpec.HOP_LENGTH - bufferStart);
                float[] mel = new float[FrontEndSpec.MEL_BANDS];
                logMel.computeFrame(buffer, offset, mel, 0);
                ended.addAll(detector.accept(mel, Levels.rmsDbfs(buffer, offset, offset + FrontEndSpec.WINDOW_LENGTH)));
                detector.takeStarted(); // alerts are for live streams; a file reports final events only
                nextFrame++;
            }
            int drop = (int) Math.min(buffered, nextFrame * FrontEndSpec.HOP_LENGTH - bufferStart);
            if (drop > 0) {
                System.arraycopy(buffer, drop, buffer, 0, buffered - drop);
                buffered -= drop;
                bufferStart += drop;
            }
        }
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
