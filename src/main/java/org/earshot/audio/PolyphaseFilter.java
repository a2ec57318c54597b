package org.earshot.audio;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kaiser-windowed sinc low-pass of {@link Resampler} in polyphase form, designed once per pair of rates and shared
 * by the block and the streaming resampler so that both compute every output sample with the same coefficients in
 * the same order. The conversion ratio is reduced to {@code up / down}; output sample j sits at input position
 * {@code j * down / up}, whose integer part is the base and whose remainder (0..up-1) selects the phase. The output
 * sample is the dot product of {@link #taps()} coefficients of that phase with the inputs {@code base - halfWidth + 1}
 * to {@code base + halfWidth}. The -6 dB point is at 0.95 of the lower Nyquist frequency, the transition band is 0.1
 * of that Nyquist wide and the stop band is 90 dB down. When {@code up} exceeds 1024, phases are interpolated
 * linearly from a table of 1024, an error far below the stop band. Instances are immutable and thread-safe.
 */
final class PolyphaseFilter {
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
    /**
     * Designs kept for reuse. A service resamples hundreds of sensors at a handful of rates, and a coprime design
     * costs about a megabyte and tens of milliseconds, so sensors share them; the bound keeps odd rates from piling up.
     */
    private static final int CACHED_DESIGNS = 16;
    private static final Map<Long, PolyphaseFilter> CACHE = new LinkedHashMap<>(32, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, PolyphaseFilter> eldest) {
            return size() > CACHED_DESIGNS;
        }
    };

    private final int up;
    private final int down;
    private final int halfWidth;
    private final int taps;
    private final boolean exact;
    private final int phases;
    private final float[] table;

    private PolyphaseFilter(int fromRate, int toRate) {
        int gcd = gcd(fromRate, toRate);
        this.up = toRate / gcd;
        this.down = fromRate / gcd;

        double nyquist = Math.min(fromRate, toRate) / 2.0;
        double cutoffHz = CUTOFF_FRACTION * nyquist;
        double transitionHz = TRANSITION_FRACTION * nyquist;
        // Kaiser's estimate of the filter order for this attenuation and transition width, as a duration.
        double halfWidthSeconds = (STOPBAND_ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transitionHz) / 2;
        double exactHalfWidth = halfWidthSeconds * fromRate;
        this.halfWidth = (int) Math.ceil(exactHalfWidth);
        this.taps = 2 * halfWidth;
        double normalisedCutoff = 2 * cutoffHz / fromRate;
        double beta = 0.1102 * (STOPBAND_ATTENUATION_DB - 8.7);

        this.exact = up <= MAX_PHASES;
        this.phases = exact ? up : MAX_PHASES;
        int rows = exact ? phases : phases + 1;
        this.table = new float[rows * taps];
        double besselBeta = besselI0(beta);
        for (int row = 0; row < rows; row++) {
            double frac = row / (double) phases;
            double sum = 0;
            for (int k = 0; k < taps; k++) {
                double tau = frac + halfWidth - 1 - k;
                double v = normalisedCutoff * sinc(normalisedCutoff * tau)
                        * kaiser(tau / exactHalfWidth, beta, besselBeta);
                table[row * taps + k] = (float) v;
                sum += v;
            }
            // Unit DC gain in every phase; otherwise the phases' small gain differences modulate the signal.
            for (int k = 0; k < taps; k++) {
                table[row * taps + k] /= (float) sum;
            }
        }
    }

    /** The design for converting {@code fromRate} to {@code toRate} (positive and different), shared when cached. */
    static PolyphaseFilter of(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0 || fromRate == toRate) {
            throw new IllegalArgumentException("a resampling filter needs two different positive rates, got "
                    + fromRate + " -> " + toRate);
        }
        long key = (long) fromRate << 32 | toRate;
        synchronized (CACHE) {
            PolyphaseFilter cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
        }
        // Designed outside the lock so that one slow design does not stall other sensors; a rare duplicate is harmless.
        PolyphaseFilter designed = new PolyphaseFilter(fromRate, toRate);
        synchronized (CACHE) {
            CACHE.putIfAbsent(key, designed);
            return CACHE.get(key);
        }
    }

    /** Upsampling factor L of the reduced ratio L/M. */
    int up() {
        return up;
    }

    /** Downsampling factor M of the reduced ratio L/M. */
    int down() {
        return down;
    }

    /** Half the number of taps: an output at base b reads inputs b - halfWidth + 1 .. b + halfWidth. */
    int halfWidth() {
        return halfWidth;
    }

    int taps() {
        return taps;
    }

    /**
     * One output sample: taps {@code kLo} (inclusive) to {@code kHi} (exclusive) of the phase for {@code remainder}
     * (0..up-1), tap {@code kLo} applied to {@code x[in]}. Taps outside the range meet samples outside the signal,
     * which are zero, and are skipped rather than multiplied so that both resamplers produce identical bits.
     */
    float apply(int remainder, float[] x, int in, int kLo, int kHi) {
        double acc = 0;
        if (exact) {
            int row = remainder * taps;
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
        return (float) acc;
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
