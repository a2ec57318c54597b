package org.earshot.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    @Test
    void addsOffset() {
        assertEquals(90.99, new Calibration(94).toSplDb(-3.01), 1e-9);
        assertEquals(-50.0, new Calibration(-50).offsetDb());
        assertEquals(200.0, new Calibration(200).offsetDb());
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -50.01, 200.01, 1e9})
    void rejectsAbsurdOffsets(double offset) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Calibration(offset));
        assertTrue(e.getMessage().contains("calibration offset"), e.getMessage());
    }

    @Test
    void rejectsNonLevels() {
        assertThrows(IllegalArgumentException.class, () -> new Calibration(94).toSplDb(Double.NaN));
    }
}
