package org.earshot.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LevelMeterTest {
    @Test
    void fullScaleOneKilohertzSineReadsMinus3Point01LAeqAndCalibrates() {
        List<LevelMeter.Block> blocks = new ArrayList<>();
        LevelMeter meter = new LevelMeter(16000, blocks::add);
        float[] x = LevelsTest.sine(1000, 1.0, 16000, 3 * 16000 + 500);
        // Arbitrary piece sizes, as frames arrive from a sensor.
        int at = 0;
        for (int piece : new int[] {1, 999, 7000, 16000, 25000}) {
            meter.accept(x, at, Math.min(x.length, at + piece));
            at = Math.min(x.length, at + piece);
        }
        meter.accept(x, at, x.length);
        assertEquals(3, blocks.size());
        assertEquals(500, meter.pendingSamples());
        Calibration calibration = new Calibration(94);
        for (int i = 0; i < 3; i++) {
            LevelMeter.Block block = blocks.get(i);
            assertEquals(i * 16000L, block.startSample());
            assertEquals(16000, block.samples());
            assertEquals(-3.01, block.laeqDbfs(), 0.1, "block " + i);
            assertEquals(90.99, calibration.toSplDb(block.laeqDbfs()), 0.1, "block " + i);
            assertEquals(0.0, block.peakDbfs(), 0.01);
        }
        assertEquals(-3.01, LevelMeter.laeqDbfs(x, 16000), 0.1);
    }

    @Test
    void lowFrequencyIsWeightedDown() {
        float[] x = LevelsTest.sine(100, 1.0, 16000, 32000);
        // 100 Hz is -19.1 dB A-weighted; its unweighted RMS is -3.01 dBFS.
        assertEquals(-3.01 - 19.1, LevelMeter.laeqDbfs(x, 16000), 0.3);
    }

    @Test
    void silenceReadsMinusInfinity() {
        List<LevelMeter.Block> blocks = new ArrayList<>();
        LevelMeter meter = new LevelMeter(16000, 1600, blocks::add);
        meter.accept(new float[1600], 0, 1600);
        assertEquals(Double.NEGATIVE_INFINITY, blocks.get(0).laeqDbfs());
        assertEquals(Double.NEGATIVE_INFINITY, blocks.get(0).peakDbfs());
        assertEquals(Double.NEGATIVE_INFINITY, new Calibration(94).toSplDb(blocks.get(0).laeqDbfs()));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new LevelMeter(16000, 0, b -> { }));
        LevelMeter meter = new LevelMeter(16000, b -> { });
        assertThrows(IllegalArgumentException.class, () -> meter.accept(new float[10], 5, 11));
        assertThrows(IllegalArgumentException.class, () -> LevelMeter.laeqDbfs(new float[0], 16000));
    }
}
