package org.earshot.train;

import org.jtransforms.fft.FloatFFT_1D;

import java.util.Random;

/**
 * Waveform augmentations used to make a small event set go further: random equalisation (high-pass, low-pass and a
 * peaking band, RBJ biquads), synthetic reverberation (exponentially decaying noise impulse response) and level
 * helpers. Pure functions of their inputs and the given random source, so training is reproducible.
 */
public final class Augment {
    private Augment() {}

    public static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += x[i] * (double) x[i];
        }
        return to > from ? Math.sqrt(s / (to - from)) : 0;
    }

    public static float peak(float[] x) {
        float p = 0;
        for (float v : x) {
            p = Math.max(p, Math.abs(v));
        }
        return p;
    }

    public static void scale(float[] x, double gain) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] * gain);
        }
    }

    /**
     * Writes {@code n} samples of {@code src} (from {@code srcStart}, times {@code gain}) into {@code out} at
     * {@code writeAt}, the first {@code fade} of them cross-faded (equal power) with what {@code out} holds there.
     * Returns the end of what was written.
     */
    public static int crossfadeInto(float[] out, int writeAt, float[] src, int srcStart, int n, int fade,
            double gain) {
        for (int i = 0; i < n; i++) {
            float v = (float) (src[srcStart + i] * gain);
            if (i < fade) {
                double phase = (i + 0.5) / fade * Math.PI / 2;
                out[writeAt + i] = (float) (out[writeAt + i] * Math.cos(phase) + v * Math.sin(phase));
            } else {
                out[writeAt + i] = v;
            }
        }
        return writeAt + n;
    }

    /** Random EQ: each of high-pass, low-pass and a +-9 dB peaking band is applied with probability one half. */
    public static float[] randomEq(float[] x, Random rng, int sampleRate) {
        float[] y = x.clone();
        if (rng.nextBoolean()) {
            biquad(y, highPass(40 + rng.nextDouble() * 460, 0.707, sampleRate));
        }
        if (rng.nextBoolean()) {
            biquad(y, lowPass(2500 + rng.nextDouble() * 5000, 0.707, sampleRate));
        }
        if (rng.nextBoolean()) {
            double f = 200 * Math.pow(30, rng.nextDouble());
            biquad(y, peaking(Math.min(f, 0.45 * sampleRate), 1.0, -9 + 18 * rng.nextDouble(), sampleRate));
        }
        return y;
    }

    /** Convolves with a synthetic room response (RT60 0.15-0.9 s, random direct-to-reverberant ratio). */
    public static float[] randomReverb(float[] x, Random rng, int sampleRate) {
        double rt60 = 0.15 + rng.nextDouble() * 0.75;
        int n = (int) (rt60 * sampleRate);
        float[] ir = new float[n];
        double decay = Math.log(1000) / (rt60 * sampleRate);
        double wet = Math.pow(10, (-12 + rng.nextDouble() * 12) / 20);
        for (int i = 1; i < n; i++) {
            ir[i] = (float) (rng.nextGaussian() * Math.exp(-decay * i) * wet * 0.1);
        }
        ir[0] = 1f;
        float[] y = convolve(x, ir);
        float[] out = new float[x.length];
        System.arraycopy(y, 0, out, 0, x.length);
        return out;
    }

    static float[] convolve(float[] x, float[] h) {
        int len = x.length + h.length - 1;
        int size = Integer.highestOneBit(len - 1) << 1;
        float[] a = new float[2 * size];
        float[] b = new float[2 * size];
        for (int i = 0; i < x.length; i++) {
            a[2 * i] = x[i];
        }
        for (int i = 0; i < h.length; i++) {
            b[2 * i] = h[i];
        }
        FloatFFT_1D fft = new FloatFFT_1D(size);
        fft.complexForward(a);
        fft.complexForward(b);
        for (int k = 0; k < size; k++) {
            float re = a[2 * k] * b[2 * k] - a[2 * k + 1] * b[2 * k + 1];
            float im = a[2 * k] * b[2 * k + 1] + a[2 * k + 1] * b[2 * k];
            a[2 * k] = re;
            a[2 * k + 1] = im;
        }
        fft.complexInverse(a, true);
        float[] y = new float[len];
        for (int i = 0; i < len; i++) {
            y[i] = a[2 * i];
        }
        return y;
    }

    /** Biquad coefficients {b0, b1, b2, a1, a2}, normalised by a0. */
    static double[] lowPass(double f, double q, int fs) {
        double w = 2 * Math.PI * f / fs;
        double alpha = Math.sin(w) / (2 * q);
        double cos = Math.cos(w);
        return norm((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    static double[] highPass(double f, double q, int fs) {
        double w = 2 * Math.PI * f / fs;
        double alpha = Math.sin(w) / (2 * q);
        double cos = Math.cos(w);
        return norm((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    static double[] peaking(double f, double q, double gainDb, int fs) {
        double a = Math.pow(10, gainDb / 40);
        double w = 2 * Math.PI * f / fs;
        double alpha = Math.sin(w) / (2 * q);
        double cos = Math.cos(w);
        return norm(1 + alpha * a, -2 * cos, 1 - alpha * a, 1 + alpha / a, -2 * cos, 1 - alpha / a);
    }

    private static double[] norm(double b0, double b1, double b2, double a0, double a1, double a2) {
        return new double[] {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
    }

    static void biquad(float[] x, double[] c) {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (int i = 0; i < x.length; i++) {
            double y = c[0] * x[i] + c[1] * x1 + c[2] * x2 - c[3] * y1 - c[4] * y2;
            x2 = x1;
            x1 = x[i];
            y2 = y1;
            y1 = y;
            x[i] = (float) y;
        }
    }
}
