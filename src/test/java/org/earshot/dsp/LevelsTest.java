package org.earshot.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LevelsTest {
    static float[] sine(double hz, double amplitude, int rate, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    @Test
    void fullScaleSineReadsMinus3Point01() {
        float[] x = sine(1000, 1.0, 16000, 16000);
        assertEquals(-3.0103, Levels.rmsDbfs(x, 0, x.length), 0.001);
        assertEquals(0.0, Levels.peakDbfs(x, 0, x.length), 0.001);
    }

    @Test
    void halfAmplitudeIsSixDbDown() {
        float[] x = sine(440, 0.5, 16000, 16000);
        assertEquals(-3.0103 - 6.0206, Levels.rmsDbfs(x, 0, x.length), 0.002);
        assertEquals(-6.0206, Levels.peakDbfs(x, 0, x.length), 0.002);
    }

    @Test
    void fullScaleSquareReadsZero() {
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 10 < 5 ? 1f : -1f;
        }
        assertEquals(0.0, Levels.rmsDbfs(x, 0, x.length), 1e-12);
    }

    @Test
    void rangeIsRespected() {
        float[] x = new float[100];
        Arrays.fill(x, 50, 100, 0.1f);
        assertEquals(-20.0, Levels.rmsDbfs(x, 50, 100), 1e-6);
        assertEquals(-20.0, Levels.peakDbfs(x, 50, 100), 1e-6);
        assertEquals(Double.NEGATIVE_INFINITY, Levels.rmsDbfs(x, 0, 50));
        assertEquals(Double.NEGATIVE_INFINITY, Levels.peakDbfs(x, 0, 50));
    }

    @Test
    void rejectsEmptyOrOutOfBoundsRanges() {
        float[] x = new float[10];
        assertThrows(IllegalArgumentException.class, () -> Levels.rmsDbfs(x, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> Levels.rmsDbfs(x, -1, 5));
        assertThrows(IllegalArgumentException.class, () -> Levels.peakDbfs(x, 0, 11));
        assertThrows(IllegalArgumentException.class, () -> Levels.meanSquareToDb(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Levels.amplitudeToDb(-1));
    }
}
