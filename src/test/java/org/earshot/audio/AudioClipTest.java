package org.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AudioClipTest {
    @Test
    void durationIsSamplesOverRate() {
        assertEquals(1.5, new AudioClip(new float[24_000], 16_000).durationSeconds(), 1e-12);
        assertEquals(0.0, new AudioClip(new float[0], 8_000).durationSeconds());
    }

    @Test
    void rejectsNonFiniteSamplesAndBadRates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AudioClip(new float[] {0f, Float.NaN}, 16_000));
        assertEquals("sample 1 is not finite: NaN", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AudioClip(new float[1], 0));
        assertThrows(NullPointerException.class, () -> new AudioClip(null, 16_000));
    }

    @Test
    void toStringHidesTheAudio() {
        String text = new AudioClip(new float[] {0.123f}, 16_000).toString();
        assertEquals("AudioClip[1 samples at 16000 Hz]", text);
        assertFalse(text.contains("0.123"));
    }
}
