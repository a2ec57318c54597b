package org.earshot.dsp;

import static org.earshot.dsp.FrontEndSpec.FFT_SIZE;
import static org.earshot.dsp.FrontEndSpec.HOP_LENGTH;
import static org.earshot.dsp.FrontEndSpec.LOG_OFFSET;
import static org.earshot.dsp.FrontEndSpec.MEL_BANDS;
import static org.earshot.dsp.FrontEndSpec.MEL_MAX_HZ;
import static org.earshot.dsp.FrontEndSpec.MEL_MIN_HZ;
import static org.earshot.dsp.FrontEndSpec.PATCH_FRAMES;
import static org.earshot.dsp.FrontEndSpec.SAMPLE_RATE;
import static org.earshot.dsp.FrontEndSpec.WINDOW_LENGTH;

import java.util.Objects;
import org.jtransforms.fft.FloatFFT_1D;

/**
 * The YAMNet log-mel front end of {@link FrontEndSpec}, reproducing TensorFlow's
 * {@code log(linear_to_mel_weight_matrix . |stft(x, 400, 160, 512)| + 0.001)}: a periodic Hann window of 400 samples
 * zero-padded to a 512-point FFT, the magnitude of its 257 bins, 64 HTK mel triangles between 125 and 7500 Hz built as
 * {@code tf.signal.linear_to_mel_weight_matrix} builds them (DC bin weighted zero), and a natural log with offset.
 * Frames are not centred: a signal of n samples gives {@code 1 + (n - 400) / 160} frames, none below 400 samples.
 * Window and sparse filter weights are computed once per class; an instance owns an FFT scratch buffer, so it is
 * not thread-safe: use one per thread or per stream. {@link #computeFrame} allocates nothing.
 */
public final class LogMel {
    /** Number of FFT bins of a real 512-point transform, DC to Nyquist. */
    public static final int SPECTRUM_BINS = FFT_SIZE / 2 + 1;

    private static final float[] WINDOW = periodicHann(WINDOW_LENGTH);
    private static final double[] BAND_EDGES_MEL = bandEdgesMel();
    /** First spectrogram bin with non-zero weight, per mel band. */
    private static final int[] FILTER_START = new int[MEL_BANDS];
    /** Non-zero weights of each mel band, starting at {@link #FILTER_START}. */
    private static final float[][] FILTER_WEIGHTS = new float[MEL_BANDS][];

    static {
        float[][] dense = melWeightMatrix();
        for (int band = 0; band < MEL_BANDS; band++) {
            int first = -1;
            int last = -1;
            for (int bin = 0; bin < SPECTRUM_BINS; bin++) {
                if (dense[band][bin] > 0f) {
                    if (first < 0) {
                        first = bin;
                    }
                    last = bin;
                }
            }
            if (first < 0) {
                // Cannot happen with the spec's constants (bins are 31.25 Hz apart, bands are wider), but a silent
                // all-zero band would quietly feed the network garbage.
                throw new IllegalStateException("mel band " + band + " covers no FFT bin");
            }
            FILTER_START[band] = first;
            FILTER_WEIGHTS[band] = java.util.Arrays.copyOfRange(dense[band], first, last + 1);
        }
    }

    private final FloatFFT_1D fft = new FloatFFT_1D(FFT_SIZE);
    private final float[] fftBuffer = new float[FFT_SIZE];
    private final float[] magnitude = new float[SPECTRUM_BINS];

    /** Number of frames {@link #compute} returns for {@code samples} input samples. */
    public static int frameCount(int samples) {
        if (samples < 0) {
            throw new IllegalArgumentException("sample count must not be negative, got " + samples);
        }
        return samples < WINDOW_LENGTH ? 0 : 1 + (samples - WINDOW_LENGTH) / HOP_LENGTH;
    }

    /** Log-mel frames of a 16 kHz mono signal, {@code [frameCount(n)][64]}. */
    public float[][] compute(float[] samples16k) {
        Objects.requireNonNull(samples16k, "samples16k");
        int frames = frameCount(samples16k.length);
        float[][] out = new float[frames][MEL_BANDS];
        for (int f = 0; f < frames; f++) {
            computeFrame(samples16k, f * HOP_LENGTH, out[f], 0);
        }
        return out;
    }

    /**
     * Computes the frame whose 400 samples start at {@code samples[offset]} into {@code out[outOffset ..
     * outOffset + 64)}, without allocating.
     */
    public void computeFrame(float[] samples, int offset, float[] out, int outOffset) {
        if (offset < 0 || offset > samples.length - WINDOW_LENGTH) {
            throw new IllegalArgumentException("frame at offset " + offset + " needs " + WINDOW_LENGTH
                    + " samples but the array has " + samples.length);
        }
        if (outOffset < 0 || outOffset > out.length - MEL_BANDS) {
            throw new IllegalArgumentException("output needs " + MEL_BANDS + " values from offset " + outOffset
                    + " but has length " + out.length);
        }
        float[] a = fftBuffer;
        for (int i = 0; i < WINDOW_LENGTH; i++) {
            a[i] = samples[offset + i] * WINDOW[i];
        }
        // tf.signal.stft zero-pads each 400-sample frame at the end to the FFT length.
        java.util.Arrays.fill(a, WINDOW_LENGTH, FFT_SIZE, 0f);
        fft.realForward(a);
        // JTransforms packs the real transform as a[0] = Re(0), a[1] = Re(n/2), then (Re, Im) pairs.
        magnitude[0] = Math.abs(a[0]);
        magnitude[SPECTRUM_BINS - 1] = Math.abs(a[1]);
        for (int k = 1; k < SPECTRUM_BINS - 1; k++) {
            float re = a[2 * k];
            float im = a[2 * k + 1];
            magnitude[k] = (float) Math.sqrt(re * re + im * im);
        }
        for (int band = 0; band < MEL_BANDS; band++) {
            float[] w = FILTER_WEIGHTS[band];
            int start = FILTER_START[band];
            float sum = 0f;
            for (int j = 0; j < w.length; j++) {
                sum += w[j] * magnitude[start + j];
            }
            out[outOffset + band] = (float) Math.log(sum + LOG_OFFSET);
        }
    }

    /**
     * One classifier patch of {@link FrontEndSpec#PATCH_FRAMES} frames starting at {@code startFrame}, in the
     * mel-major layout of {@code org.earshot.detect.Classifier}: index {@code mel * 96 + frame}.
     */
    public static float[] toPatch(float[][] frames, int startFrame) {
        Objects.requireNonNull(frames, "frames");
        if (startFrame < 0 || startFrame > frames.length - PATCH_FRAMES) {
            throw new IllegalArgumentException("a patch of " + PATCH_FRAMES + " frames from frame " + startFrame
                    + " does not fit in " + frames.length + " frames");
        }
        float[] patch = new float[MEL_BANDS * PATCH_FRAMES];
        for (int f = 0; f < PATCH_FRAMES; f++) {
            float[] frame = frames[startFrame + f];
            if (frame == null || frame.length != MEL_BANDS) {
                throw new IllegalArgumentException("frame " + (startFrame + f) + " has "
                        + (frame == null ? "no" : frame.length) + " values, expected " + MEL_BANDS);
            }
            for (int mel = 0; mel < MEL_BANDS; mel++) {
                patch[mel * PATCH_FRAMES + f] = frame[mel];
            }
        }
        return patch;
    }

    /** Centre frequency in Hz of a mel band (the apex of its triangle). */
    public static double bandCentreHz(int band) {
        if (band < 0 || band >= MEL_BANDS) {
            throw new IllegalArgumentException("mel band must be in 0.." + (MEL_BANDS - 1) + ", got " + band);
        }
        return melToHertz(BAND_EDGES_MEL[band + 1]);
    }

    /** HTK mel scale as TensorFlow writes it: 1127 ln(1 + f/700), identical to 2595 log10(1 + f/700). */
    static double hertzToMel(double hz) {
        return 1127.0 * Math.log1p(hz / 700.0);
    }

    static double melToHertz(double mel) {
        return 700.0 * Math.expm1(mel / 1127.0);
    }

    /** {@code MEL_BANDS + 2} band edges equally spaced in mel, as tf.signal.linear_to_mel_weight_matrix uses. */
    private static double[] bandEdgesMel() {
        double lo = hertzToMel(MEL_MIN_HZ);
        double hi = hertzToMel(MEL_MAX_HZ);
        double[] edges = new double[MEL_BANDS + 2];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = lo + (hi - lo) * i / (MEL_BANDS + 1);
        }
        return edges;
    }

    /** Dense {@code [band][bin]} weights, the transpose of TensorFlow's matrix. */
    private static float[][] melWeightMatrix() {
        float[][] w = new float[MEL_BANDS][SPECTRUM_BINS];
        double nyquist = SAMPLE_RATE / 2.0;
        for (int band = 0; band < MEL_BANDS; band++) {
            double lower = BAND_EDGES_MEL[band];
            double centre = BAND_EDGES_MEL[band + 1];
            double upper = BAND_EDGES_MEL[band + 2];
            // Bin 0 (DC) stays zero: TensorFlow drops it before building the triangles and pads it back with 0.
            for (int bin = 1; bin < SPECTRUM_BINS; bin++) {
                double mel = hertzToMel(nyquist * bin / (SPECTRUM_BINS - 1));
                double rising = (mel - lower) / (centre - lower);
                double falling = (upper - mel) / (upper - centre);
                w[band][bin] = (float) Math.max(0.0, Math.min(rising, falling));
            }
        }
        return w;
    }

    private static float[] periodicHann(int length) {
        // Periodic (tf.signal.hann_window default): denominator is the length, not length - 1.
        float[] w = new float[length];
        for (int i = 0; i < length; i++) {
            w[i] = (float) (0.5 - 0.5 * Math.cos(2.0 * Math.PI * i / length));
        }
        return w;
    }
}
