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

    @Test
    void choosesTheReaderByContentNotByName(@TempDir Path dir) throws IOException {
        int[][] x = TestFlacs.pattern(2, 16, 1600);
        Path flacNamedWav = dir.resolve("really-flac.wav");
        Files.write(flacNamedWav, TestFlacs.flac(x).build());
        Path wavNamedFlac = dir.resolve("really-wav.flac");
        Files.write(wavNamedFlac, TestFlacs.wavOf(x, 16, 16_000));
        org.junit.jupiter.api.Assertions.assertArrayEquals(AudioLoader.load16k(wavNamedFlac).samples(),
                AudioLoader.load16k(flacNamedWav).samples());
    }

    @Test
    void resamplesFlacToFrontEndRate(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("stereo24-48k.flac");
        try (var in = AudioLoaderTest.class.getResourceAsStream("/audio/stereo24-48k.flac")) {
            Files.write(file, in.readAllBytes());
        }
        AudioClip clip = AudioLoader.load16k(file);
        assertEquals(FrontEndSpec.SAMPLE_RATE, clip.sampleRate());
        assertEquals(500, clip.samples().length);
    }

    @Test
    void namesTheFormatsItReadsAndHowToConvert(@TempDir Path dir) throws IOException {
        Path ogg = dir.resolve("clip.ogg");
        Files.write(ogg, new byte[] {'O', 'g', 'g', 'S', 0, 2, 0, 0, 0, 0, 0, 0, 0, 0});
        String message = assertThrows(AudioFormatException.class, () -> AudioLoader.load16k(ogg)).getMessage();
        for (String fragment : new String[] {ogg.toString(), "unsupported audio format", "Ogg", "WAV", "FLAC",
                "ffmpeg", "sox"}) {
            assertEquals(true, message.contains(fragment), "'" + message + "' lacks '" + fragment + "'");
        }
        Path mp3 = dir.resolve("clip.mp3");
        Files.write(mp3, new byte[] {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0});
        assertEquals(true, assertThrows(AudioFormatException.class, () -> AudioLoader.load16k(mp3)).getMessage()
                .contains("looks like MP3"));
        Path text = dir.resolve("notes.wav");
        Files.writeString(text, "hello, world");
        assertEquals(true, assertThrows(AudioFormatException.class, () -> AudioLoader.load16k(text)).getMessage()
                .contains("starts with 'hell'"));
        Path empty = dir.resolve("empty.flac");
        Files.write(empty, new byte[0]);
        assertEquals(empty + ": empty file (0 bytes)",
                assertThrows(AudioFormatException.class, () -> AudioLoader.load16k(empty)).getMessage());
    }

    @Test
    void wavErrorsStillComeFromTheWavReader(@TempDir Path dir) throws IOException {
        Path rifx = dir.resolve("big-endian.wav");
        Files.write(rifx, wav().riff("RIFX").samples(new float[16]).build());
        assertEquals(true, assertThrows(AudioFormatException.class, () -> AudioLoader.load16k(rifx)).getMessage()
                .contains("big-endian RIFX files are not supported"));
    }
}
