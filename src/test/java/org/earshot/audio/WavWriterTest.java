package org.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavWriterTest {
    private static final int RATE = 16_000;
    private static final double STEP = 1.0 / 32768;

    @TempDir
    Path dir;

    @Test
    void roundTripThroughWavReaderIsWithinOneStep() throws IOException {
        Random random = new Random(42);
        float[] samples = new float[20_000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) (2 * random.nextDouble() - 1);
        }
        samples[0] = 1.0f;
        samples[1] = -1.0f;
        samples[2] = 0.0f;
        Path file = dir.resolve("noise.wav");

        WavWriter.write16(file, samples, RATE);
        AudioClip clip = WavReader.read(file);

        assertEquals(RATE, clip.sampleRate());
        assertEquals(samples.length, clip.samples().length);
        double worst = 0;
        for (int i = 0; i < samples.length; i++) {
            worst = Math.max(worst, Math.abs(clip.samples()[i] - samples[i]));
        }
        assertTrue(worst <= STEP, "largest round-trip error " + worst + " exceeds 1/32768");
        assertEquals(-1.0f, clip.samples()[1]);
        assertEquals(0.0f, clip.samples()[2]);
    }

    @Test
    void roundsToNearestStepAndClipsOutOfRangeSamples() throws IOException {
        float[] samples = {(float) (0.25 + 0.4 * STEP), (float) (0.25 + 0.6 * STEP), 1.5f, -3f, 1.0f};
        Path file = dir.resolve("edges.wav");

        WavWriter.write16(file, samples, RATE);

        float[] expected = {0.25f, (float) (0.25 + STEP), (float) (32767 * STEP), -1f, (float) (32767 * STEP)};
        assertArrayEquals(expected, WavReader.read(file).samples());
    }

    @Test
    void writesCanonicalMono16BitHeader() throws IOException {
        Path file = dir.resolve("header.wav");
        WavWriter.write16(file, new float[] {0.5f, -0.5f, 0f}, 44_100);

        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(44 + 3 * 2, b.limit());
        assertEquals(b.limit() - 8, b.getInt(4), "RIFF size");
        assertEquals(1, b.getShort(20), "format code PCM");
        assertEquals(1, b.getShort(22), "channels");
        assertEquals(44_100, b.getInt(24), "sample rate");
        assertEquals(88_200, b.getInt(28), "byte rate");
        assertEquals(2, b.getShort(32), "block align");
        assertEquals(16, b.getShort(34), "bits per sample");
        assertEquals(6, b.getInt(40), "data size");
        assertEquals(16384, b.getShort(44));
        assertEquals(-16384, b.getShort(46));
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("out.wav");
        Files.writeString(file, "old content");

        WavWriter.write16(file, new float[] {0.125f, 0.25f}, RATE);

        assertArrayEquals(new float[] {0.125f, 0.25f}, WavReader.read(file).samples());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the target file remains");
        }
    }

    @Test
    void rejectsNonFiniteSamplesWithoutTouchingTheTarget() throws IOException {
        Path file = dir.resolve("keep.wav");
        WavWriter.write16(file, new float[] {0.5f}, RATE);
        byte[] before = Files.readAllBytes(file);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WavWriter.write16(file, new float[] {0f, Float.NaN}, RATE));

        assertTrue(e.getMessage().contains("sample 1"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void rejectsSampleRatesTheReaderWouldRefuse() {
        Path file = dir.resolve("rate.wav");
        assertThrows(IllegalArgumentException.class, () -> WavWriter.write16(file, new float[1], 0));
        assertThrows(IllegalArgumentException.class,
                () -> WavWriter.write16(file, new float[1], WavReader.MAX_SAMPLE_RATE + 1));
        assertTrue(Files.notExists(file));
    }
}
