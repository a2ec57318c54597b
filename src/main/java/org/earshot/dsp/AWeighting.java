package org.earshot.dsp;

import java.util.Objects;

/**
 * A stateful IEC 61672-1 A-weighting filter for one sample rate, normalised to 0 dB at 1 kHz. The analog weighting
 * has a double zero pair at DC, poles at 20.598997 Hz (double), 107.65265 Hz, 737.86223 Hz and 12194.217 Hz
 * (double). The low-frequency high-pass sections use the bilinear transform, which is exact enough far below the
 * Nyquist frequency. The 12194 Hz double pole is where the bilinear transform fails (its warping costs -0.5 dB at
 * 4 kHz for 16 kHz audio and -1.2 dB at 10 kHz for 48 kHz audio, and the pole may lie above Nyquist), so that
 * low-pass is a first-order digital section, squared, whose magnitude matches the analog one exactly at DC, at the
 * Nyquist frequency and at min(12194 Hz, fs/4). The result stays within about 0.35 dB of the standard's curve up to
 * 0.45 fs at 16 kHz and up to 10 kHz at 44.1 and 48 kHz, well inside class 1 tolerances. Filter state carries across
 * calls, so a stream can be processed in pieces; one instance per stream, not thread-safe.
 */
public final class AWeighting {
    public static final int MIN_SAMPLE_RATE = 8_000;
    public static final int MAX_SAMPLE_RATE = 384_000;

    static final double POLE_1_HZ = 20.598997;
    static final double POLE_2_HZ = 107.65265;
    static final double POLE_3_HZ = 737.86223;
    static final double POLE_4_HZ = 12194.217;

    private final int sampleRate;
    /** Three biquads, each {b0, b1, b2, a1, a2} with a0 = 1. */
    private final double[][] sections = new double[3][];
    /** Transposed direct form II state, two values per section. */
    private final double[] state = new double[6];

    public AWeighting(int sampleRate) {
        if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
            throw new IllegalArgumentException("A-weighting needs a sample rate in " + MIN_SAMPLE_RATE + ".."
                    + MAX_SAMPLE_RATE + " Hz, got " + sampleRate);
        }
        this.sampleRate = sampleRate;
        double w1 = 2 * Math.PI * POLE_1_HZ;
        double w2 = 2 * Math.PI * POLE_2_HZ;
        double w3 = 2 * Math.PI * POLE_3_HZ;
        sections[0] = bilinearHighPass(2 * w1, w1 * w1, sampleRate);
        sections[1] = bilinearHighPass(w2 + w3, w2 * w3, sampleRate);
        sections[2] = squaredMatchedLowPass(POLE_4_HZ, sampleRate);
        double gainAt1k = magnitudeAt(1000.0);
        sections[2][0] /= gainAt1k;
        sections[2][1] /= gainAt1k;
        sections[2][2] /= gainAt1k;
    }

    public int sampleRate() {
        return sampleRate;
    }

    /** Filters {@code in} into {@code out} (same length; may be the same array), continuing from the last call. */
    public void process(float[] in, float[] out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        if (in.length != out.length) {
            throw new IllegalArgumentException("input has " + in.length + " samples but output " + out.length);
        }
        for (int i = 0; i < in.length; i++) {
            out[i] = process(in[i]);
        }
    }

    /** Filters one sample, continuing from the last call. */
    public float process(float sample) {
        double x = sample;
        for (int s = 0; s < 3; s++) {
            double[] c = sections[s];
            int z = 2 * s;
            double y = c[0] * x + state[z];
            state[z] = c[1] * x - c[3] * y + state[z + 1];
            state[z + 1] = c[2] * x - c[4] * y;
            x = y;
        }
        return (float) x;
    }

    /** Forgets the filter state, as before the first sample. */
    public void reset() {
        java.util.Arrays.fill(state, 0);
    }

    /** Magnitude of the digital filter's response at {@code hz} (linear, 1 at 1 kHz once constructed). */
    double magnitudeAt(double hz) {
        double omega = 2 * Math.PI * hz / sampleRate;
        double cos1 = Math.cos(omega);
        double sin1 = Math.sin(omega);
        double cos2 = Math.cos(2 * omega);
        double sin2 = Math.sin(2 * omega);
        double magnitude = 1;
        for (double[] c : sections) {
            double nr = c[0] + c[1] * cos1 + c[2] * cos2;
            double ni = -c[1] * sin1 - c[2] * sin2;
            double dr = 1 + c[3] * cos1 + c[4] * cos2;
            double di = -c[3] * sin1 - c[4] * sin2;
            magnitude *= Math.hypot(nr, ni) / Math.hypot(dr, di);
        }
        return magnitude;
    }

    /** Bilinear transform of s^2 / (s^2 + a1 s + a0). */
    private static double[] bilinearHighPass(double a1, double a0, int fs) {
        double k = 2.0 * fs;
        double k2 = k * k;
        double d0 = k2 + a1 * k + a0;
        return new double[] {
            k2 / d0, -2 * k2 / d0, k2 / d0, (2 * a0 - 2 * k2) / d0, (k2 - a1 * k + a0) / d0
        };
    }

    /**
     * The square of a first-order section {@code g (1 + b z^-1) / (1 - p z^-1)} whose squared magnitude equals the
     * analog {@code 1 / (1 + (f/fc)^2)} at DC, Nyquist and one mid frequency. With {@code c = cos(omega)} the squared
     * magnitude is a ratio {@code (n0 + n1 c) / (1 - kappa c)}, so the three conditions are linear in n0, n1, kappa.
     */
    private static double[] squaredMatchedLowPass(double cornerHz, int fs) {
        double matchHz = Math.min(cornerHz, fs / 4.0);
        double[] cosines = {1, -1, Math.cos(2 * Math.PI * matchHz / fs)};
        double[] targets = {1, analogLowPassPower(fs / 2.0, cornerHz), analogLowPassPower(matchHz, cornerHz)};
        // Rows: n0 + n1 c + kappa (A c) = A.
        double[][] m = new double[3][4];
        for (int i = 0; i < 3; i++) {
            m[i] = new double[] {1, cosines[i], targets[i] * cosines[i], targets[i]};
        }
        double[] solution = solve3(m);
        double n0 = solution[0];
        double n1 = solution[1];
        double kappa = solution[2];
        // kappa = 2p / (1 + p^2); take the root inside the unit circle for a stable pole.
        double p = Math.abs(kappa) < 1e-15 ? 0 : (1 - Math.sqrt(1 - kappa * kappa)) / kappa;
        double scale = 1 + p * p;
        double num0 = n0 * scale;
        double num1 = n1 * scale;
        // num0 = g^2 (1 + b^2), num1 = 2 g^2 b; take the minimum-phase root |b| <= 1.
        double mu = num1 / (2 * num0);
        double b = Math.abs(mu) < 1e-15 ? 0 : (1 - Math.sqrt(1 - 4 * mu * mu)) / (2 * mu);
        double g = Math.sqrt(num0 / (1 + b * b));
        double g2 = g * g;
        return new double[] {g2, 2 * g2 * b, g2 * b * b, -2 * p, p * p};
    }

    private static double analogLowPassPower(double hz, double cornerHz) {
        double r = hz / cornerHz;
        return 1 / (1 + r * r);
    }

    /** Gaussian elimination with partial pivoting on an augmented 3x4 matrix. */
    private static double[] solve3(double[][] m) {
        for (int col = 0; col < 3; col++) {
            int pivot = col;
            for (int r = col + 1; r < 3; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int r = col + 1; r < 3; r++) {
                double f = m[r][col] / m[col][col];
                for (int c = col; c < 4; c++) {
                    m[r][c] -= f * m[col][c];
                }
            }
        }
        double[] x = new double[3];
        for (int r = 2; r >= 0; r--) {
            double s = m[r][3];
            for (int c = r + 1; c < 3; c++) {
                s -= m[r][c] * x[c];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }
}
