package org.earshot.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrameLevelsTest {
    @Test
    void keepsTheLastFramesAndForgetsOlderOnes() {
        FrameLevels levels = new FrameLevels(4);
        for (int i = 0; i < 6; i++) {
            levels.append(-60 + i);
        }
        assertEquals(6, levels.framesAppended());
        assertTrue(Double.isNaN(levels.levelDbfs(1)));
        assertEquals(-58, levels.levelDbfs(2));
        assertEquals(-55, levels.levelDbfs(5));
        assertTrue(Double.isNaN(levels.levelDbfs(6)));
        assertEquals(-55, levels.maxDbfs(0, 10));
        assertEquals(-57, levels.maxDbfs(0, 4));
        assertTrue(Double.isNaN(levels.maxDbfs(0, 2)));
    }

    @Test
    void rejectsNaNButAcceptsDigitalSilence() {
        FrameLevels levels = new FrameLevels(2);
        levels.append(Double.NEGATIVE_INFINITY);
        assertEquals(Double.NEGATIVE_INFINITY, levels.levelDbfs(0));
        assertThrows(IllegalArgumentException.class, () -> levels.append(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new FrameLevels(0));
    }
}
