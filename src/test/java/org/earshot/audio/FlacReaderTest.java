package org.earshot.audio;

import static org.earshot.audio.TestFlacs.flac;
import static org.earshot.audio.TestFlacs.pattern;
import static org.earshot.audio.TestFlacs.wavOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlacReaderTest {
    private static final Duration NO_HANG = Duration.ofSeconds(20);

    private static AudioClip read(byte[] flac) throws IOException {
        return FlacReader.read(flac, "test.flac");
    }

    private static AudioClip readWav(byte[] wav) throws IOException {
        return WavReader.read(new ByteArrayInputStream(wav), "test.wav");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = FlacReaderTest.class.getResourceAsStream("/audio/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource /audio/" + name);
            }
            return in.readAllBytes();
        }
    }

    private static void assertFormatError(byte[] flac, String... fragments) {
        AudioFormatException e = assertTimeoutPreemptively(NO_HANG,
                () -> assertThrows(AudioFormatException.class, () -> read(flac)));
        assertTrue(e.getMessage().startsWith("test.flac: "), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    /** Files written by the reference encoder (flac -8: LPC, FIXED, Rice coding, mid/side stereo). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"mono16.flac,1,16,16000,2500", "stereo16.flac,2,16,16000,2500", "stereo24-48k.flac,2,24,48000,1500"})
    void decodesReferenceEncoderFilesBitExactlyAsTheirWav(String file, int channels, int bits, int rate, int frames)
            throws IOException {
        AudioClip flac = read(resource(file));
        AudioClip wav = readWav(wavOf(pattern(channels, bits, frames), bits, rate));
        assertEquals(rate, flac.sampleRate());
        assertArrayEquals(wav.samples(), flac.samples());
    }

    @ParameterizedTest(name = "{0} channel(s), {1}-bit, block {2}")
    @CsvSource({"1,16,1024", "2,16,1000", "2,24,4096", "1,8,256", "3,16,333"})
    void decodesVerbatimFramesBitExactlyAsTheirWav(int channels, int bits, int blockSize) throws IOException {
        int[][] x = pattern(channels, bits == 8 ? 16 : bits, 3000);
        if (bits == 8) {
            for (int[] channel : x) {
                for (int i = 0; i < channel.length; i++) {
                    channel[i] >>= 8;
                }
            }
        }
        AudioClip flac = read(flac(x).bits(bits).blockSize(blockSize).sampleRate(22_050).build());
        assertEquals(22_050, flac.sampleRate());
        assertArrayEquals(readWav(wavOf(x, bits, 22_050)).samples(), flac.samples());
    }

    @Test
    void fullScaleMatchesWavScaling() throws IOException {
        AudioClip clip = read(flac(new int[][] {{-32768, 0, 16384, 32767}}).build());
        assertArrayEquals(new float[] {-1f, 0f, 0.5f, 32767f / 32768}, clip.samples());
    }

    @Test
    void decodesStreamsWithUnknownLengthAndNoSignature() throws IOException {
        int[][] x = pattern(1, 16, 2500);
        AudioClip clip = read(flac(x).unknownTotal().noMd5().build());
        assertArrayEquals(readWav(wavOf(x, 16, 16_000)).samples(), clip.samples());
    }

    @Test
    void skipsOtherMetadataWithoutTrustingTheirLengthFields() throws IOException {
        int[][] x = pattern(2, 16, 1500);
        // A Vorbis comment claiming 2^31-1 comments: jFLAC would try to allocate an array that large.
        byte[] comment = {3, 0, 0, 0, 'a', 'b', 'c', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F};
        byte[] image = flac(x).metadata(1, new byte[100]).metadata(4, comment).build();
        assertArrayEquals(readWav(wavOf(x, 16, 16_000)).samples(), read(image).samples());
    }

    /** jFLAC prints a debugging line for each escape-coded partition; standard output is detect's JSON. */
    @Test
    void escapeCodedPartitionsDecodeWithoutWritingToStandardOutput() throws IOException {
        int[][] x = pattern(2, 16, 2000);
        byte[] image = flac(x).escapeCoded().build();
        java.io.PrintStream original = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        AudioClip clip;
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            clip = read(image);
            System.out.print("after");
        } finally {
            System.setOut(original);
        }
        assertArrayEquals(readWav(wavOf(x, 16, 16_000)).samples(), clip.samples());
        assertEquals("after", captured.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A fixed-block-size stream whose STREAMINFO gives the short last block as the minimum still decodes. */
    @Test
    void acceptsAMinimumBlockSizeBelowTheMaximum() throws IOException {
        int[][] x = pattern(1, 16, 2500);
        byte[] image = flac(x).blockSize(1024).minBlockSizeField(452).build();
        assertArrayEquals(readWav(wavOf(x, 16, 16_000)).samples(), read(image).samples());
    }

    @Test
    void readsFromAStream() throws IOException {
        byte[] image = resource("mono16.flac");
        AudioClip clip = FlacReader.read(new ByteArrayInputStream(image), "stream");
        assertEquals(2500, clip.samples().length);
    }

    @Test
    void rejectsEmptyAndForeignFiles() {
        assertFormatError(new byte[0], "not a FLAC file", "0 bytes");
        assertFormatError(new byte[] {'f', 'L'}, "not a FLAC file", "2 bytes");
        assertFormatError(wavOf(pattern(1, 16, 100), 16, 16_000), "not a FLAC file", "'RIFF'", "'fLaC'");
    }

    @Test
    void rejectsTruncatedHeaders() throws IOException {
        byte[] image = resource("stereo16.flac");
        assertFormatError(Arrays.copyOf(image, 4), "truncated header");
        assertFormatError(Arrays.copyOf(image, 6), "truncated header");
        assertFormatError(Arrays.copyOf(image, 20), "file ends inside metadata block 0", "truncated header");
        assertFormatError(Arrays.copyOf(image, 4 + 38 + 10), "metadata block 1", "truncated header");
    }

    @Test
    void rejectsMalformedMetadata() {
        byte[] image = flac(pattern(1, 16, 100)).build();
        byte[] noStreamInfo = image.clone();
        noStreamInfo[4] = (byte) 0x81; // PADDING first
        assertFormatError(noStreamInfo, "first metadata block is of type 1, not STREAMINFO");
        byte[] shortStreamInfo = image.clone();
        shortStreamInfo[7] = 20;
        assertFormatError(shortStreamInfo, "STREAMINFO block of 20 bytes");
        assertFormatError(flac(pattern(1, 16, 100)).sampleRate(500).build(), "sample rate 500 Hz");
    }

    @Test
    void rejectsTruncatedFrames() {
        TestFlacs.Builder builder = flac(pattern(2, 16, 3000)).blockSize(1024);
        byte[] image = builder.build();
        List<Integer> offsets = builder.frameOffsets();
        int cut = offsets.get(2) + 100; // inside the third (last) frame
        assertFormatError(Arrays.copyOf(image, cut), "truncated");
        byte[] unknownLength = flac(pattern(2, 16, 3000)).blockSize(1024).unknownTotal().build();
        assertFormatError(Arrays.copyOf(unknownLength, cut), "frame 2", "truncated");
        // Cut exactly between frames: only STREAMINFO's total tells.
        assertFormatError(Arrays.copyOf(image, offsets.get(2)), "STREAMINFO announces 3000 samples, only 2048 decoded");
    }

    @Test
    void rejectsGarbageFrames() {
        TestFlacs.Builder builder = flac(pattern(1, 16, 3000)).blockSize(1024);
        byte[] image = builder.build();
        List<Integer> offsets = builder.frameOffsets();
        byte[] garbage = image.clone();
        Random random = new Random(7);
        for (int i = offsets.get(1); i < offsets.get(2); i++) {
            garbage[i] = (byte) random.nextInt(256);
        }
        assertFormatError(garbage, "frame 1");
        byte[] flipped = image.clone();
        flipped[offsets.get(1) + 40] ^= 0x10; // one sample bit
        assertFormatError(flipped, "frame 1", "CRC-16 mismatch");
        byte[] badHeader = image.clone();
        badHeader[offsets.get(1) + 2] ^= 0x01; // frame header CRC-8 no longer matches
        assertFormatError(badHeader, "frame 1");
    }

    @Test
    void rejectsAMissingFrame() {
        TestFlacs.Builder builder = flac(pattern(1, 16, 4000)).blockSize(1024);
        byte[] image = builder.build();
        List<Integer> offsets = builder.frameOffsets();
        byte[] dropped = new byte[image.length - (offsets.get(2) - offsets.get(1))];
        System.arraycopy(image, 0, dropped, 0, offsets.get(1));
        System.arraycopy(image, offsets.get(2), dropped, offsets.get(1), image.length - offsets.get(2));
        assertFormatError(dropped, "starts at sample 2048, expected 1024");
    }

    @Test
    void rejectsSamplesThatDoNotMatchTheSignature() {
        byte[] image = flac(pattern(1, 16, 1000)).build();
        image[4 + 4 + 18 + 3] ^= 0x01; // a byte of the MD5 signature
        assertFormatError(image, "MD5 signature");
    }

    @Test
    void rejectsFramesDisagreeingWithStreamInfo() {
        byte[] image = flac(pattern(1, 16, 1000)).totalSamplesField(500).build();
        assertFormatError(image, "runs past the 500 samples");
    }

    @Test
    void rejectsMoreBitsThanSupported() {
        byte[] image = flac(pattern(1, 16, 100)).build();
        // STREAMINFO bits-per-sample field: 5 bits straddling bytes 12 and 13 of the block body.
        image[8 + 12] |= 0x01;
        image[8 + 13] |= (byte) 0xF0; // 32 bits
        assertFormatError(image, "32 bits per sample");
    }

    /** Whatever the damage, the outcome is a clip or an AudioFormatException: no hang, no other exception. */
    @Test
    void damagedFilesNeverThrowAnythingElse() throws IOException {
        byte[] original = resource("stereo16.flac");
        Random random = new Random(20261205L);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int trial = 0; trial < 400; trial++) {
                byte[] damaged = trial % 2 == 0 ? Arrays.copyOf(original, random.nextInt(original.length))
                        : original.clone();
                if (trial % 2 == 1) {
                    for (int k = 0; k < 1 + random.nextInt(4); k++) {
                        damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                try {
                    read(damaged);
                } catch (AudioFormatException expected) {
                    assertTrue(expected.getMessage().startsWith("test.flac: "), expected.getMessage());
                } catch (Exception | Error other) {
                    fail("trial " + trial + ": " + other, other);
                }
            }
        });
    }
}
