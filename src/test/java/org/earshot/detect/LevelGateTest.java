package org.earshot.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class LevelGateTest {
    private static final DetectorConfig CONFIG = DetectorConfig.defaults(new float[] {0.5f, 0.5f, 0.5f});
    private static final int WINDOW = 96;
    private static final int HOP = 48;

    /** Feeds the levels frame by frame and asks the gate about every window, as StreamDetector does. */
    private static boolean[] classifiedWindows(LevelGate gate, double[] levels) {
        boolean[] classified = new boolean[(levels.length - WINDOW) / HOP + 1];
        for (int frame = 0; frame < levels.length; frame++) {
            gate.acceptFrame(levels[frame]);
            int start = frame + 1 - WINDOW;
            if (start >= 0 && start % HOP == 0) {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = start; i < start + WINDOW; i++) {
                    max = Math.max(max, levels[i]);
                }
                classified[start / HOP] = gate.shouldClassify(max);
            }
        }
        return classified;
    }

    /** Stationary noise: frame levels around the given level, a few dB apart, reproducibly. */
    private static double[] noise(double levelDbfs, int frames) {
        Random random = new Random(42);
        double[] levels = new double[frames];
        for (int i = 0; i < frames; i++) {
            levels[i] = levelDbfs + 1.5 * random.nextGaussian();
        }
        return levels;
    }

    @Test
    void stationaryNoiseIsGatedAfterWarmUp() {
        LevelGate gate = new LevelGate(CONFIG);
        boolean[] classified = classifiedWindows(gate, noise(-60, 3000));
        int gatedBeforeWarmUp = 0;
        int classifiedAfter = 0;
        for (int w = 0; w < classified.length; w++) {
            double windowEnd = (w * HOP + WINDOW) * 0.01;
            if (windowEnd < CONFIG.gateWarmupSeconds() && !classified[w]) {
                gatedBeforeWarmUp++;
            }
            if (windowEnd >= CONFIG.gateWarmupSeconds() && classified[w]) {
                classifiedAfter++;
            }
        }
        assertEquals(0, gatedBeforeWarmUp);
        assertEquals(0, classifiedAfter);
        assertEquals(classified.length, gate.totalWindows());
        assertTrue(gate.gatedWindows() > classified.length * 3 / 4, "gated " + gate.gatedWindows());
        assertEquals(-60, gate.noiseFloorDbfs(), 3);
    }

    @Test
    void aBurstTwentyDbAboveTheNoiseIsNeverGated() {
        double[] levels = noise(-60, 6000);
        for (int start = 700; start + 10 < levels.length; start += 310) {
            for (int i = start; i < start + 10; i++) {
                levels[i] = -40;
            }
        }
        boolean[] classified = classifiedWindows(new LevelGate(CONFIG), levels);
        int burstWindows = 0;
        for (int w = 0; w < classified.length; w++) {
            boolean hasBurst = false;
            for (int i = w * HOP; i < w * HOP + WINDOW; i++) {
                hasBurst |= levels[i] == -40;
            }
            if (hasBurst) {
                burstWindows++;
                assertTrue(classified[w], "window " + w + " with a burst was gated");
            } else if (w * HOP >= 600) {
                assertFalse(classified[w], "quiet window " + w + " was classified");
            }
        }
        assertTrue(burstWindows > 20);
    }

    @Test
    void floorFollowsARiseAfterNinetyPercentOfTheHistoryAndADropAfterTenPercent() {
        LevelGate gate = new LevelGate(CONFIG);
        feed(gate, -60, 4000);
        assertEquals(-60, gate.noiseFloorDbfs(), 0.1);
        feed(gate, -40, 2690); // 26.9 s of a 20 dB louder background: still the old floor, so nothing is gated
        assertEquals(-60, gate.noiseFloorDbfs(), 0.1);
        feed(gate, -40, 20); // 27.1 s: adapted
        assertEquals(-40, gate.noiseFloorDbfs(), 0.1);
        feed(gate, -40, 4000);
        feed(gate, -60, 290); // 2.9 s quieter
        assertEquals(-40, gate.noiseFloorDbfs(), 0.1);
        feed(gate, -60, 20); // 3.1 s
        assertEquals(-60, gate.noiseFloorDbfs(), 0.1);
    }

    @Test
    void windowsAboveTheCeilingAreAlwaysClassified() {
        LevelGate gate = new LevelGate(CONFIG);
        feed(gate, -25, 1000);
        assertEquals(-25, gate.noiseFloorDbfs(), 0.1);
        assertTrue(gate.shouldClassify(-25));
        LevelGate quiet = new LevelGate(CONFIG);
        feed(quiet, -50, 1000);
        assertFalse(quiet.shouldClassify(-45));
        assertTrue(quiet.shouldClassify(-39.9));
    }

    @Test
    void disabledGateClassifiesEverythingButCounts() {
        LevelGate gate = new LevelGate(CONFIG.withGateEnabled(false));
        feed(gate, -60, 1000);
        assertTrue(gate.shouldClassify(-60));
        assertEquals(1, gate.totalWindows());
        assertEquals(0, gate.gatedWindows());
    }

    @Test
    void rejectsUnknownFrameLevels() {
        assertThrows(IllegalArgumentException.class, () -> new LevelGate(CONFIG).acceptFrame(Double.NaN));
    }

    private static void feed(LevelGate gate, double levelDbfs, int frames) {
        for (int i = 0; i < frames; i++) {
            gate.acceptFrame(levelDbfs);
        }
    }
}
