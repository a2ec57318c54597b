package org.earshot.audio;

import static org.earshot.audio.TestWavs.sine;
import static org.earshot.audio.TestWavs.wav;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.earshot.dsp.FrontEndSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioLoaderTest {
    @Test
    void resamplesToFrontEndRate(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("stereo48k.wav");
        float[] tone = sine(1000, 0.5, 48_000, 48_000);
        Files.write(file, wav().sampleRate(48_000).bits(24).samples(tone, tone).build());
        AudioClip clip = AudioLoader.load16k(file);
        assertEquals(FrontEndSpec.SAMPLE_RATE, clip.sampleRate());
        assertEquals(16_000, clip.samples().length);
        assertEquals(1.0, clip.durationSeconds(), 1e-9);
        // Mid-clip sample matches the tone at the new rate.
        int i = 8000;
        assertEquals(0.5 * Math.sin(2 * Math.PI * 1000 * i / 16000.0), clip.samples()[i], 1e-3);
    }

    @Test
    void keepsSixteenKilohertzFilesAsDecoded(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mono16k.wav");
        float[] tone = sine(440, 0.5, 16_000, 1600);
        Files.write(file, wav().sampleRate(16_000).formatTag(TestWavs.FLOAT).bits(32).samples(tone).build());
        AudioClip clip = AudioLoader.load16k(file);
        assertEquals(16_000, clip.sampleRate());
        org.junit.jupiter.api.Assertions.assertArrayEquals(tone, clip.samples());
    }

    @Test
    void rejectsClipTooShortToResample(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("one-sample.wav");
        Files.write(file, wav().sampleRate(48_000).data(new byte[2]).build());
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> AudioLoader.load16k(file));
        assertEquals(true, e.getMessage().contains("one-sample.wav"));
    }
}
