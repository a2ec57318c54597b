package org.earshot.audio;

import java.util.Objects;

/**
 * Band-limited sample-rate conversion by a Kaiser-windowed sinc in polyphase form. The conversion ratio is reduced to
 * L/M; each output sample is the input convolved with one of L phases of the filter, centred on the output instant,
 * so the output has no delay. The low-pass has its -6 dB point at 0.95 of the lower Nyquist frequency, a transition
 * band of 0.1 of that Nyquist ending at it, and 90 dB stop-band attenuation, so the pass band is flat (within about
 * 0.001 dB) to 0.9 of the lower Nyquist frequency and nothing above the output Nyquist frequency aliases audibly.
 * The signal is taken to be zero outside the input, so the first and last few milliseconds carry the filter's edge
 * response. When L exceeds 1024, phases are interpolated linearly from a table of 1024, an error far below the
 * stop band. The filter itself is {@link PolyphaseFilter}, shared with {@link StreamingResampler}, which produces the
 * same samples from a signal arriving in pieces.
 */
public final class Resampler {
    private Resampler() {}

    /** Number of output samples for {@code inputLength} input samples: round(n * to / from), halves up. */
    public static int outputLength(int inputLength, int fromRate, int toRate) {
        checkRates(fromRate, toRate);
        if (inputLength < 0) {
            throw new IllegalArgumentException("input length must not be negative, got " + inputLength);
        }
        long length = (2L * inputLength * toRate + fromRate) / (2L * fromRate);
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(inputLength + " samples at " + fromRate + " Hz give " + length
                    + " samples at " + toRate + " Hz, too many for one array");
        }
        return (int) length;
    }

    /** Converts {@code x} from {@code fromRate} to {@code toRate}; equal rates return a copy. */
    public static float[] resample(float[] x, int fromRate, int toRate) {
        Objects.requireNonNull(x, "x");
        int outLength = outputLength(x.length, fromRate, toRate);
        if (fromRate == toRate) {
            return x.clone();
        }
        PolyphaseFilter filter = PolyphaseFilter.of(fromRate, toRate);
        long up = filter.up();
        long down = filter.down();
        int w = filter.halfWidth();
        int taps = filter.taps();
        int n = x.length;
        float[] y = new float[outLength];
        for (int j = 0; j < outLength; j++) {
            long position = j * down;
            long base = position / up;
            long first = base - w + 1;
            int kLo = (int) Math.max(0, -first);
            int kHi = (int) Math.min(taps, n - first);
            y[j] = filter.apply((int) (position % up), x, (int) (first + kLo), kLo, kHi);
        }
        return y;
    }

    private static void checkRates(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
    }
}
