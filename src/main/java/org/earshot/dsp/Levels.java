package org.earshot.dsp;

import java.util.Objects;

/**
 * Sound levels of sample ranges in dB relative to full scale, with RMS normalised as {@code 20 log10(sqrt(sum x^2 /
 * N))}: a full-scale sine reads -3.01 dBFS and a full-scale square wave 0 dBFS (no +3 dB sine convention). Silence
 * has no finite level and reads {@link Double#NEGATIVE_INFINITY}; callers that store levels decide how to represent
 * it rather than receiving an arbitrary floor. An empty range has no level at all and is rejected.
 */
public final class Levels {
    private Levels() {}

    /** RMS level of {@code x[from, to)} in dBFS; -Infinity for digital silence. */
    public static double rmsDbfs(float[] x, int from, int to) {
        checkRange(x, from, to);
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return meanSquareToDb(sum / (to - from));
    }

    /** Sample peak level of {@code x[from, to)} in dBFS; -Infinity for digital silence. */
    public static double peakDbfs(float[] x, int from, int to) {
        checkRange(x, from, to);
        float peak = 0;
        for (int i = from; i < to; i++) {
            peak = Math.max(peak, Math.abs(x[i]));
        }
        return amplitudeToDb(peak);
    }

    /** {@code 10 log10(meanSquare)}: the level of a mean square relative to full scale. */
    public static double meanSquareToDb(double meanSquare) {
        if (!(meanSquare >= 0) || Double.isInfinite(meanSquare)) {
            throw new IllegalArgumentException("mean square must be finite and non-negative, got " + meanSquare);
        }
        return 10 * Math.log10(meanSquare);
    }

    /** {@code 20 log10(amplitude)} for a non-negative amplitude relative to full scale. */
    public static double amplitudeToDb(double amplitude) {
        if (!(amplitude >= 0) || Double.isInfinite(amplitude)) {
            throw new IllegalArgumentException("amplitude must be finite and non-negative, got " + amplitude);
        }
        return 20 * Math.log10(amplitude);
    }

    static void checkRange(float[] x, int from, int to) {
        Objects.requireNonNull(x, "x");
        if (from < 0 || to > x.length || from >= to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is empty or outside the "
                    + x.length + " samples");
        }
    }
}
