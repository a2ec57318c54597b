package org.earshot.audio;

import static org.earshot.audio.TestWavs.sine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResamplerTest {
    /** Output edges carry the filter's response to the signal starting abruptly; measure between them. */
    private static final double EDGE_SECONDS = 0.02;

    private static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    private static double db(double ratio) {
        return 20 * Math.log10(ratio);
    }

    /** Least-squares fit of a sine at exactly {@code hz}: returns {amplitude, residual RMS}. */
    private static double[] fitSine(float[] y, int rate, double hz) {
        int from = (int) (EDGE_SECONDS * rate);
        int to = y.length - from;
        double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
        for (int i = from; i < to; i++) {
            double s = Math.sin(2 * Math.PI * hz * i / rate);
            double c = Math.cos(2 * Math.PI * hz * i / rate);
            ss += s * s;
            cc += c * c;
            sc += s * c;
            ys += y[i] * s;
            yc += y[i] * c;
        }
        double det = ss * cc - sc * sc;
        double a = (ys * cc - yc * sc) / det;
        double b = (yc * ss - ys * sc) / det;
        double residual = 0;
        for (int i = from; i < to; i++) {
            double fit = a * Math.sin(2 * Math.PI * hz * i / rate) + b * Math.cos(2 * Math.PI * hz * i / rate);
            residual += (y[i] - fit) * (y[i] - fit);
        }
        return new double[] {Math.hypot(a, b), Math.sqrt(residual / (to - from))};
    }

    @ParameterizedTest(name = "{0} Hz tone, {1} -> {2} Hz")
    @CsvSource({"10000,48000,16000", "12000,48000,16000", "10000,44100,16000", "8800,44100,16000",
        "20000,44100,16000", "5000,16000,8000"})
    void stopBandIsAtLeast60DbDown(double hz, int from, int to) {
        float[] x = sine(hz, 0.9, from, from);
        float[] y = Resampler.resample(x, from, to);
        int edge = (int) (EDGE_SECONDS * to);
        double attenuation = db(rms(y, edge, y.length - edge) / rms(x, 0, x.length));
        assertTrue(attenuation < -60, hz + " Hz leaks at " + attenuation + " dB");
    }

    @ParameterizedTest(name = "{0} Hz tone, {1} -> {2} Hz")
    @CsvSource({"1000,48000,16000", "1000,44100,16000", "1000,8000,16000", "3000,8000,16000", "7000,44100,16000",
        "1000,16000,48000", "1000,22050,16000"})
    void passBandKeepsLevelAndFrequency(double hz, int from, int to) {
        float[] x = sine(hz, 0.5, from, from);
        float[] y = Resampler.resample(x, from, to);
        double[] fit = fitSine(y, to, hz);
        assertEquals(0.0, db(fit[0] / 0.5), 0.1, "level change in dB");
        // Everything not at exactly hz (wrong frequency, images, aliases, distortion) is far below the tone.
        assertTrue(db(fit[1] / fit[0]) < -60, "residual at " + db(fit[1] / fit[0]) + " dB");
    }

    @Test
    void upsamplingRemovesImages() {
        // 8 -> 16 kHz: a 1 kHz tone must not get its image at 7 kHz.
        float[] y = Resampler.resample(sine(1000, 0.5, 8000, 8000), 8000, 16000);
        double[] fitImage = fitSine(y, 16000, 7000);
        assertTrue(db(fitImage[0] / 0.5) < -80, "image at " + db(fitImage[0] / 0.5) + " dB");
    }

    @ParameterizedTest(name = "{0} samples {1} -> {2}")
    @CsvSource({"48000,48000,16000", "44100,44100,16000", "1000,44100,16000", "1,44100,16000", "3,48000,16000",
        "7,8000,16000", "12345,22050,16000", "0,48000,16000", "99,11025,16000", "5,44101,16000"})
    void outputLengthIsRoundedRatio(int n, int from, int to) {
        int expected = (int) Math.round(n * (double) to / from);
        assertEquals(expected, Resampler.outputLength(n, from, to));
        assertEquals(expected, Resampler.resample(new float[n], from, to).length);
    }

    @Test
    void equalRatesReturnACopy() {
        float[] x = sine(440, 0.5, 16000, 100);
        float[] y = Resampler.resample(x, 16000, 16000);
        assertArrayEquals(x, y);
        assertNotSame(x, y);
    }

    @Test
    void largeCoprimeRatioUsesInterpolatedPhasesAccurately() {
        // 44101 and 16000 are coprime: 16000 phases, more than are tabulated.
        float[] y = Resampler.resample(sine(1000, 0.5, 44101, 44101), 44101, 16000);
        double[] fit = fitSine(y, 16000, 1000);
        assertEquals(0.0, db(fit[0] / 0.5), 0.1);
        assertTrue(db(fit[1] / fit[0]) < -60, "residual at " + db(fit[1] / fit[0]) + " dB");
        float[] alias = Resampler.resample(sine(12000, 0.9, 44101, 44101), 44101, 16000);
        int edge = (int) (EDGE_SECONDS * 16000);
        assertTrue(db(rms(alias, edge, alias.length - edge) / (0.9 / Math.sqrt(2))) < -60);
    }

    @Test
    void rejectsBadRates() {
        assertThrows(IllegalArgumentException.class, () -> Resampler.resample(new float[10], 0, 16000));
        assertThrows(IllegalArgumentException.class, () -> Resampler.resample(new float[10], 16000, -1));
    }
}
