package org.earshot.dsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogMelTest {
    private static final int RATE = FrontEndSpec.SAMPLE_RATE;
    private final LogMel logMel = new LogMel();

    private static float[] sine(double hz, double amplitude, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / RATE));
        }
        return x;
    }

    private static int nearestBand(double hz) {
        int best = 0;
        for (int b = 1; b < FrontEndSpec.MEL_BANDS; b++) {
            if (Math.abs(LogMel.bandCentreHz(b) - hz) < Math.abs(LogMel.bandCentreHz(best) - hz)) {
                best = b;
            }
        }
        return best;
    }

    private static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest
    @CsvSource({"0,0", "399,0", "400,1", "559,1", "560,2", "16000,98"})
    void frameCountHasNoCentring(int samples, int frames) {
        assertEquals(frames, LogMel.frameCount(samples));
        assertEquals(frames, logMel.compute(new float[samples]).length);
    }

    @ParameterizedTest
    @CsvSource({"1000", "3000", "250", "6000"})
    void sinePeaksInTheBandCentredNearestItsFrequency(double hz) {
        float[][] frames = logMel.compute(sine(hz, 0.5, RATE));
        int expected = nearestBand(hz);
        for (float[] frame : frames) {
            assertEquals(expected, argMax(frame), "peak band for " + hz + " Hz");
        }
    }

    @Test
    void silenceGivesLogOffsetEverywhere() {
        float expected = (float) Math.log(FrontEndSpec.LOG_OFFSET);
        for (float[] frame : logMel.compute(new float[4000])) {
            for (float v : frame) {
                assertEquals(expected, v, 0f);
            }
        }
    }

    @Test
    void fullScaleNoiseAndClippedSquareStayFinite() {
        Random random = new Random(42);
        float[] noise = new float[8000];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = random.nextFloat() * 2 - 1;
        }
        float[] square = new float[8000];
        for (int i = 0; i < square.length; i++) {
            square[i] = (i / 20) % 2 == 0 ? 1f : -1f;
        }
        for (float[] signal : new float[][] {noise, square}) {
            for (float[] frame : logMel.compute(signal)) {
                for (float v : frame) {
                    assertTrue(Float.isFinite(v), "value " + v);
                    assertTrue(v > Math.log(FrontEndSpec.LOG_OFFSET), "loud input reads above silence");
                }
            }
        }
    }

    /** Reference: a direct DFT and TensorFlow's mel-matrix formula, written out independently of LogMel. */
    @Test
    void matchesDirectDftAndTensorFlowMelFormula() {
        Random random = new Random(7);
        float[] x = new float[2000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / RATE) + 0.1 * random.nextGaussian());
        }
        int frame = 5;
        int start = frame * 160;
        double[] magnitude = new double[257];
        for (int k = 0; k < 257; k++) {
            double re = 0;
            double im = 0;
            for (int i = 0; i < 400; i++) {
                double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / 400);
                re += x[start + i] * w * Math.cos(2 * Math.PI * k * i / 512);
                im -= x[start + i] * w * Math.sin(2 * Math.PI * k * i / 512);
            }
            magnitude[k] = Math.hypot(re, im);
        }
        double melLo = 1127 * Math.log(1 + 125.0 / 700);
        double melHi = 1127 * Math.log(1 + 7500.0 / 700);
        float[] actual = logMel.compute(x)[frame];
        for (int band : new int[] {0, 10, 31, 63}) {
            double lower = melLo + (melHi - melLo) * band / 65;
            double centre = melLo + (melHi - melLo) * (band + 1) / 65;
            double upper = melLo + (melHi - melLo) * (band + 2) / 65;
            double sum = 0;
            for (int k = 1; k < 257; k++) { // TensorFlow drops the DC bin
                double mel = 1127 * Math.log(1 + k * 8000.0 / 256 / 700);
                double weight = Math.max(0, Math.min((mel - lower) / (centre - lower), (upper - mel) / (upper - centre)));
                sum += weight * magnitude[k];
            }
            assertEquals(Math.log(sum + 0.001), actual[band], 2e-4, "band " + band);
        }
    }

    @Test
    void computeFrameWritesAtOffsetAndAgreesWithCompute() {
        float[] x = sine(700, 0.4, 1200);
        float[][] frames = logMel.compute(x);
        float[] buffer = new float[64 * 3];
        logMel.computeFrame(x, 2 * 160, buffer, 64);
        assertArrayEquals(frames[2], java.util.Arrays.copyOfRange(buffer, 64, 128));
        assertThrows(IllegalArgumentException.class, () -> logMel.computeFrame(x, 801, buffer, 0));
        assertThrows(IllegalArgumentException.class, () -> logMel.computeFrame(x, -1, buffer, 0));
        assertThrows(IllegalArgumentException.class, () -> logMel.computeFrame(x, 0, buffer, 129));
    }

    @Test
    void patchIsMelMajor() {
        float[][] frames = new float[100][64];
        for (int f = 0; f < 100; f++) {
            for (int m = 0; m < 64; m++) {
                frames[f][m] = f * 1000 + m;
            }
        }
        float[] patch = LogMel.toPatch(frames, 3);
        assertEquals(64 * 96, patch.length);
        assertEquals(3 * 1000 + 0, patch[0]);
        assertEquals(4 * 1000 + 0, patch[1]);
        assertEquals(3 * 1000 + 1, patch[96]);
        assertEquals(98 * 1000 + 63, patch[63 * 96 + 95]);
        assertEquals(10 * 1000 + 5, patch[5 * 96 + 7]);
        LogMel.toPatch(frames, 4);
        assertThrows(IllegalArgumentException.class, () -> LogMel.toPatch(frames, 5));
        assertThrows(IllegalArgumentException.class, () -> LogMel.toPatch(frames, -1));
        frames[50] = new float[10];
        assertThrows(IllegalArgumentException.class, () -> LogMel.toPatch(frames, 0));
    }

    @Test
    void bandCentresSpanTheSpecRange() {
        assertTrue(LogMel.bandCentreHz(0) > FrontEndSpec.MEL_MIN_HZ);
        assertTrue(LogMel.bandCentreHz(63) < FrontEndSpec.MEL_MAX_HZ);
        assertEquals(1000.0, LogMel.melToHertz(LogMel.hertzToMel(1000.0)), 1e-9);
        // TensorFlow's 1127 is 2595 / ln(10) rounded, so the two HTK formulas agree to about 0.01 mel.
        assertEquals(2595 * Math.log10(1 + 1000.0 / 700), LogMel.hertzToMel(1000.0), 0.01);
        assertThrows(IllegalArgumentException.class, () -> LogMel.bandCentreHz(64));
    }
}
