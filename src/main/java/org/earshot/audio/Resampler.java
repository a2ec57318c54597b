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
 * stop band.
 */
public final class Resampler {
    /** -6 dB point of the low-pass as a fraction of the lower Nyquist frequency. */
    static final double CUTOFF_FRACTION = 0.95;
    /** Transition band width as a fraction of the lower Nyquist frequency, centred on the cut-off. */
    static final double TRANSITION_FRACTION = 0.1;
    static final double STOPBAND_ATTENUATION_DB = 90.0;
    /**
     * Most filter phases tabulated. Ratios needing more (coprime rates such as 44101 -> 16000) interpolate linearly
     * between this many phases, an error near -100 dB, instead of building a table of millions of coefficients.
     */
    private static final int MAX_PHASES = 1024;

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
        int gcd = gcd(fromRate, toRate);
        long up = toRate / gcd;
        long down = fromRate / gcd;

        double nyquist = Math.min(fromRate, toRate) / 2.0;
        double cutoffHz = CUTOFF_FRACTION * nyquist;
        double transitionHz = TRANSITION_FRACTION * nyquist;
        // Kaiser's estimate of the filter order for this attenuation and transition width, as a duration.
        double halfWidthSeconds = (STOPBAND_ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transitionHz) / 2;
        double halfWidth = halfWidthSeconds * fromRate;
        int w = (int) Math.ceil(halfWidth);
        int taps = 2 * w;
        double normalisedCutoff = 2 * cutoffHz / fromRate;
        double beta = 0.1102 * (STOPBAND_ATTENUATION_DB - 8.7);

        boolean exact = up <= MAX_PHASES;
        int phases = exact ? (int) up : MAX_PHASES;
        int rows = exact ? phases : phases + 1;
        float[] table = new float[rows * taps];
        double besselBeta = besselI0(beta);
        for (int row = 0; row < rows; row++) {
            double frac = row / (double) phases;
            double sum = 0;
            for (int k = 0; k < taps; k++) {
                double tau = frac + w - 1 - k;
                double v = normalisedCutoff * sinc(normalisedCutoff * tau) * kaiser(tau / halfWidth, beta, besselBeta);
                table[row * taps + k] = (float) v;
                sum += v;
            }
            // Unit DC gain in every phase; otherwise the phases' small gain differences modulate the signal.
            for (int k = 0; k < taps; k++) {
                table[row * taps + k] /= (float) sum;
            }
        }

        int n = x.length;
        float[] y = new float[outLength];
        for (int j = 0; j < outLength; j++) {
            long position = j * down;
            long base = position / up;
            long remainder = position % up;
            long first = base - w + 1;
            int kLo = (int) Math.max(0, -first);
            int kHi = (int) Math.min(taps, n - first);
            int in = (int) (first + kLo);
            double acc = 0;
            if (exact) {
                int row = (int) remainder * taps;
                for (int k = kLo; k < kHi; k++, in++) {
                    acc += table[row + k] * x[in];
                }
            } else {
                double phase = remainder * (double) phases / up;
                int row = Math.min((int) phase, phases - 1);
                float a = (float) (phase - row);
                int r0 = row * taps;
                int r1 = r0 + taps;
                for (int k = kLo; k < kHi; k++, in++) {
                    acc += (table[r0 + k] + a * (table[r1 + k] - table[r0 + k])) * x[in];
                }
            }
            y[j] = (float) acc;
        }
        return y;
    }

    private static void checkRates(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
    }

    private static double sinc(double x) {
        if (x == 0) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    private static double kaiser(double u, double beta, double besselBeta) {
        if (Math.abs(u) >= 1) {
            return 0;
        }
        return besselI0(beta * Math.sqrt(1 - u * u)) / besselBeta;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series (converges fast for beta < 20). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double halfX = x / 2;
        for (int k = 1; k < 200; k++) {
            term *= (halfX / k) * (halfX / k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
