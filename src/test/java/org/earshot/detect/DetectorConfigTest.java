package org.earshot.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class DetectorConfigTest {
    private static final DetectorConfig DEFAULTS = DetectorConfig.defaults(new float[] {0.5f, 0.6f, 0.7f});

    @Test
    void defaultsDeriveOffThresholdsAndHop() {
        assertEquals(0.6, DEFAULTS.threshold(1), 1e-6);
        assertEquals(0.5 * DetectorConfig.DEFAULT_OFF_RATIO, DEFAULTS.offThreshold(0), 1e-12);
        assertEquals(0.48, DEFAULTS.hopSeconds(), 1e-12);
        assertEquals(48, DEFAULTS.hopFrames());
        assertTrue(DEFAULTS.gateEnabled());
    }

    @Test
    void withThresholdKeepsTheHysteresisRatioAndOtherClasses() {
        DetectorConfig changed = DEFAULTS.withThreshold("glass_break", 0.8);
        assertEquals(0.8, changed.threshold(1), 1e-12);
        assertEquals(0.8 * DetectorConfig.DEFAULT_OFF_RATIO, changed.offThreshold(1), 1e-6);
        assertEquals(DEFAULTS.threshold(0), changed.threshold(0));
        assertEquals(DEFAULTS.offThreshold(2), changed.offThreshold(2));
    }

    @Test
    void unknownLabelIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DEFAULTS.withThreshold("dog_bark", 0.5));
        assertTrue(e.getMessage().contains("dog_bark"), e.getMessage());
    }

    @Test
    void offThresholdAboveOnThresholdIsRejectedNotClamped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DEFAULTS.withOffThreshold("shout", 0.9));
        assertTrue(e.getMessage().contains("offThresholds[shout]"), e.getMessage());
    }

    @Test
    void badValuesAreRejectedNamingTheField() {
        assertRejected("hopSeconds", () -> DEFAULTS.withHopSeconds(0.51));
        assertRejected("hopSeconds", () -> DEFAULTS.withHopSeconds(0));
        assertRejected("hopSeconds", () -> DEFAULTS.withHopSeconds(0.485));
        assertRejected("thresholds[impact]", () -> DEFAULTS.withThreshold("impact", 1.5));
        assertRejected("thresholds[shout]", () -> DEFAULTS.withThreshold("shout", 0));
        assertRejected("minDurationSeconds", () -> DEFAULTS.withMinDurationSeconds(Double.NaN));
        assertRejected("mergeGapSeconds", () -> DEFAULTS.withMergeGapSeconds(-0.1));
        assertRejected("thresholds", () -> DetectorConfig.defaults(new float[] {0.5f}));
        assertRejected("gateWarmupSeconds", () -> new DetectorConfig(DEFAULTS.thresholds(), DEFAULTS.offThresholds(),
                0, 0.5, 0.48, true, 10, -30, 10, 11));
        assertRejected("gateCeilingDbfs", () -> new DetectorConfig(DEFAULTS.thresholds(), DEFAULTS.offThresholds(),
                0, 0.5, 0.48, true, 10, Double.NaN, 30, 5));
        assertRejected("gateMarginDb", () -> new DetectorConfig(DEFAULTS.thresholds(), DEFAULTS.offThresholds(),
                0, 0.5, 0.48, true, -1, -30, 30, 5));
    }

    @Test
    void hopUpToHalfASecondOnTheFrameGridIsAccepted() {
        assertEquals(50, DEFAULTS.withHopSeconds(0.5).hopFrames());
        assertEquals(1, DEFAULTS.withHopSeconds(0.01).hopFrames());
    }

    @Test
    void thresholdListsAreCopied() {
        List<Double> on = new ArrayList<>(List.of(0.5, 0.5, 0.5));
        DetectorConfig config = new DetectorConfig(on, List.of(0.2, 0.2, 0.2), 0, 0.5, 0.48, true, 10, -30, 30, 5);
        on.set(0, 0.9);
        assertEquals(0.5, config.threshold(0));
    }

    private static void assertRejected(String field, Runnable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
        assertTrue(e.getMessage().contains(field), () -> "expected '" + field + "' in: " + e.getMessage());
    }
}
