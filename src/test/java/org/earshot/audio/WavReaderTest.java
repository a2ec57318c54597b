package org.earshot.audio;

import static org.earshot.audio.TestWavs.FLOAT;
import static org.earshot.audio.TestWavs.PCM;
import static org.earshot.audio.TestWavs.sine;
import static org.earshot.audio.TestWavs.wav;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WavReaderTest {
    private static final int RATE = 16_000;
    private static final float[] LEFT = sine(440, 0.5, RATE, 1600);
    private static final float[] RIGHT = sine(1000, 0.25, RATE, 1600);

    private static AudioClip read(byte[] wav) throws IOException {
        return WavReader.read(new ByteArrayInputStream(wav), "test.wav");
    }

    private static float[] average(float[] a, float[] b) {
        float[] m = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            m[i] = (a[i] + b[i]) / 2;
        }
        return m;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, "sample count");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "sample " + i);
        }
    }

    private static void assertFormatError(byte[] wav, String... fragments) {
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> read(wav));
        assertTrue(e.getMessage().startsWith("test.wav: "), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @ParameterizedTest(name = "{0}-bit format {1}")
    @CsvSource({"8,1", "16,1", "24,1", "32,1", "32,3", "64,3"})
    void decodesStereoAndDownmixesByAveraging(int bits, int format) throws IOException {
        AudioClip clip = read(wav().formatTag(format).bits(bits).sampleRate(RATE).samples(LEFT, RIGHT).build());
        assertEquals(RATE, clip.sampleRate());
        // Quantisation step, but no finer than float rounding of the expected values.
        double quantum = Math.max(1e-6, format == FLOAT ? 0 : 1.0 / (1L << (bits - 1)));
        assertClose(average(LEFT, RIGHT), clip.samples(), quantum);
    }

    @ParameterizedTest(name = "extensible {0}-bit subformat {1}")
    @CsvSource({"16,1,16", "24,1,20", "32,1,32", "32,3,32", "64,3,64"})
    void decodesWaveFormatExtensible(int bits, int subFormat, int validBits) throws IOException {
        float[] c = sine(300, 0.3, RATE, LEFT.length);
        AudioClip clip = read(wav().extensible(subFormat, validBits).bits(bits).samples(LEFT, RIGHT, c).build());
        float[] expected = new float[c.length];
        for (int i = 0; i < c.length; i++) {
            expected[i] = (LEFT[i] + RIGHT[i] + c[i]) / 3;
        }
        assertClose(expected, clip.samples(), Math.max(1e-6, subFormat == FLOAT ? 0 : 1.0 / (1L << (bits - 1))));
    }

    @Test
    void eightBitIsUnsignedWithOffset128() throws IOException {
        AudioClip clip = read(wav().bits(8).data(new byte[] {(byte) 128, 0, (byte) 255, 64}).build());
        assertArrayEquals(new float[] {0f, -1f, 127f / 128, -0.5f}, clip.samples());
    }

    @Test
    void sixteenBitFullScaleAndSign() throws IOException {
        AudioClip clip = read(wav().bits(16).data(new byte[] {0, (byte) 0x80, (byte) 0xFF, 0x7F, 0, 0}).build());
        assertArrayEquals(new float[] {-1f, 32767f / 32768, 0f}, clip.samples());
    }

    @Test
    void twentyFourBitSignExtends() throws IOException {
        AudioClip clip = read(wav().bits(24).data(new byte[] {0, 0, (byte) 0x80, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF}).build());
        assertArrayEquals(new float[] {-1f, -1f / 8388608}, clip.samples());
    }

    @Test
    void readsSixChannels() throws IOException {
        float[][] chans = new float[6][];
        for (int c = 0; c < 6; c++) {
            chans[c] = new float[100];
            Arrays.fill(chans[c], (c + 1) / 10f);
        }
        AudioClip clip = read(wav().bits(16).samples(chans).build());
        for (float v : clip.samples()) {
            assertEquals(0.35, v, 1e-4);
        }
    }

    @Test
    void skipsUnknownChunksIncludingOddSizedWithPadByte() throws IOException {
        byte[] bytes = wav().chunkBeforeFmt("JUNK", new byte[5]).chunkBeforeData("LIST", new byte[] {1, 2, 3})
                .chunkBeforeData("bext", new byte[10]).samples(LEFT).build();
        assertClose(LEFT, read(bytes).samples(), 1.0 / 32768);
    }

    @Test
    void ignoresChunksAfterData() throws IOException {
        byte[] bytes = wav().samples(LEFT).trailing(new byte[] {'L', 'I', 'S', 'T', 99, 0, 0, 0, 1}).build();
        assertEquals(LEFT.length, read(bytes).samples().length);
    }

    @ParameterizedTest(name = "data size field {0}")
    @CsvSource({"0", "4294967295"})
    void streamingDataSizeMeansUntilEndOfFile(long sizeField) throws IOException {
        byte[] bytes = wav().samples(LEFT).dataSizeField(sizeField).build();
        assertClose(LEFT, read(bytes).samples(), 1.0 / 32768);
    }

    @Test
    void readsFromPathAndReportsDuration(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tone.wav");
        Files.write(file, wav().sampleRate(48_000).samples(sine(1000, 0.5, 48_000, 24_000)).build());
        AudioClip clip = WavReader.read(file);
        assertEquals(48_000, clip.sampleRate());
        assertEquals(0.5, clip.durationSeconds(), 1e-12);
    }

    @Test
    void errorFromPathNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("broken.wav");
        Files.write(file, new byte[] {1, 2, 3});
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> WavReader.read(file));
        assertTrue(e.getMessage().contains("broken.wav"), e.getMessage());
    }

    @Test
    void rejectsNonRiff() {
        assertFormatError(wav().riff("RIFX").samples(LEFT).build(), "RIFX");
        assertFormatError(wav().riff("OggS").samples(LEFT).build(), "not a RIFF/WAVE");
        assertFormatError(wav().wave("AVI ").samples(LEFT).build(), "not a RIFF/WAVE");
        assertFormatError("ID3 tag and then mp3 frames".getBytes(), "not a RIFF/WAVE");
        assertFormatError(new byte[] {'R', 'I', 'F'}, "not a RIFF/WAVE", "3 bytes");
    }

    @Test
    void rejectsMissingChunks() {
        assertFormatError(wav().omitFmt().samples(LEFT).build(), "missing fmt chunk");
        assertFormatError(wav().dataBeforeFmt().samples(LEFT).build(), "missing fmt chunk");
        assertFormatError(wav().omitData().samples(LEFT).build(), "missing data chunk");
    }

    @Test
    void rejectsUnsupportedFormatCodesByName() {
        assertFormatError(wav().formatTag(7).bits(8).samples(LEFT).build(), "0x0007", "mu-law");
        assertFormatError(wav().formatTag(6).bits(8).samples(LEFT).build(), "A-law");
        assertFormatError(wav().formatTag(2).bits(4).blockAlign(256).data(new byte[256]).build(),
                "Microsoft ADPCM");
        assertFormatError(wav().formatTag(0x11).bits(4).blockAlign(256).data(new byte[256]).build(), "IMA ADPCM");
        assertFormatError(wav().extensible(7, 8).bits(8).data(new byte[10]).build(), "mu-law");
    }

    @Test
    void rejectsUnknownExtensibleGuid() {
        byte[] tail = new byte[14];
        tail[13] = 1;
        assertFormatError(wav().extensible(1, 16).guidTail(tail).samples(LEFT).build(), "subformat GUID",
                "00000001-0000-0000-0000-000000000001");
    }

    @Test
    void rejectsZeroChannels() {
        assertFormatError(wav().channels(0).blockAlign(2).data(new byte[4]).build(), "zero channels");
    }

    @ParameterizedTest
    @CsvSource({"0", "999", "384001", "4294967295"})
    void rejectsAbsurdSampleRates(long rate) {
        assertFormatError(wav().sampleRate(rate).samples(LEFT).build(), "sample rate", "outside");
    }

    @Test
    void acceptsSampleRateLimits() throws IOException {
        assertEquals(1000, read(wav().sampleRate(1000).samples(LEFT).build()).sampleRate());
        assertEquals(384_000, read(wav().sampleRate(384_000).samples(LEFT).build()).sampleRate());
    }

    @Test
    void rejectsInconsistentBitsAndBlockAlign() {
        assertFormatError(wav().bits(16).blockAlign(3).channels(1).data(new byte[6]).build(), "block align 3",
                "expected 2");
        assertFormatError(wav().channels(2).bits(16).blockAlign(2).data(new byte[8]).build(), "block align 2",
                "expected 4");
        assertFormatError(wav().formatTag(FLOAT).bits(16).data(new byte[8]).build(), "IEEE float with 16 bits");
        assertFormatError(wav().bits(40).blockAlign(5).data(new byte[10]).build(), "40 bits");
        assertFormatError(wav().bits(0).blockAlign(2).data(new byte[10]).build(), "0 bits");
        assertFormatError(wav().extensible(PCM, 24).bits(16).samples(LEFT).build(), "valid bits");
    }

    @Test
    void rejectsTruncatedData() {
        byte[] full = wav().samples(LEFT).build();
        byte[] cut = Arrays.copyOf(full, full.length - 100);
        assertFormatError(cut, "truncated data chunk", "3200 bytes", "3100");
    }

    @Test
    void rejectsTrailingPartialFrame() {
        assertFormatError(wav().channels(2).bits(16).data(new byte[10]).build(), "not a whole number", "4-byte");
        byte[] streaming = wav().channels(2).bits(16).data(new byte[10]).dataSizeField(0).build();
        assertFormatError(streaming, "partial sample frame", "2 of 4");
    }

    @Test
    void rejectsEmptyAudio() {
        assertFormatError(wav().data(new byte[0]).build(), "no audio samples");
        assertFormatError(wav().data(new byte[0]).dataSizeField(0xFFFF_FFFFL).build(), "no audio samples");
    }

    @Test
    void rejectsTruncatedHeaders() {
        byte[] full = wav().chunkBeforeData("LIST", new byte[100]).samples(LEFT).build();
        assertFormatError(Arrays.copyOf(full, 12 + 8 + 16 + 50), "ends inside chunk 'LIST'");
        assertFormatError(Arrays.copyOf(full, 12 + 4), "truncated chunk header");
        assertFormatError(Arrays.copyOf(full, 12 + 8 + 10), "truncated fmt chunk");
    }

    @Test
    void rejectsNonFiniteFloatSamples() {
        float[] x = LEFT.clone();
        x[7] = Float.NaN;
        assertFormatError(wav().formatTag(FLOAT).bits(32).samples(x).build(), "sample frame 7", "not finite");
        x[7] = Float.POSITIVE_INFINITY;
        assertFormatError(wav().formatTag(FLOAT).bits(32).samples(x).build(), "sample frame 7");
    }

    @Test
    void keepsFloatOversInsteadOfClipping() throws IOException {
        AudioClip clip = read(wav().formatTag(FLOAT).bits(32).samples(new float[] {1.5f, -2f}).build());
        assertArrayEquals(new float[] {1.5f, -2f}, clip.samples());
    }

    @Test
    void rejectsDuplicateFmt() {
        byte[] fmtBody = Arrays.copyOfRange(wav().samples(LEFT).build(), 20, 36);
        assertFormatError(wav().chunkBeforeData("fmt ", fmtBody).samples(LEFT).build(), "more than one fmt");
    }
}
