package org.earshot.audio;

import static org.earshot.audio.FrameCodec.DEFAULT_MAX_FRAME_BYTES;
import static org.earshot.audio.SampleFormat.FLOAT32LE;
import static org.earshot.audio.SampleFormat.PCM_S16LE;
import static org.earshot.audio.SampleFormat.PCM_S24LE;
import static org.earshot.audio.SampleFormat.PCM_S32LE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.earshot.audio.FrameFormatException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {
    /** A valid 40-byte frame: mono s16le at 16 kHz, four samples, sequence 7. */
    private static byte[] valid() {
        return FrameCodec.encode(new SensorFrame(PCM_S16LE, 16_000, 1, false, 7, 1_000, 4, new byte[8]));
    }

    /** A copy of {@code frame} with the little-endian {@code size}-byte field at {@code offset} set to value. */
    private static byte[] with(byte[] frame, int offset, int size, long value) {
        byte[] copy = frame.clone();
        for (int i = 0; i < size; i++) {
            copy[offset + i] = (byte) (value >>> (8 * i));
        }
        return copy;
    }

    private static FrameFormatException refused(byte[] message, int maxBytes, Reason reason, String... fragments) {
        FrameFormatException e = assertThrows(FrameFormatException.class, () -> FrameCodec.decode(message, maxBytes));
        assertEquals(reason, e.reason(), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
        return e;
    }

    private static FrameFormatException refused(byte[] message, Reason reason, String... fragments) {
        return refused(message, DEFAULT_MAX_FRAME_BYTES, reason, fragments);
    }

    private static SensorFrame decode(byte[] message) throws FrameFormatException {
        return FrameCodec.decode(message, DEFAULT_MAX_FRAME_BYTES);
    }

    private static byte[] littleEndian(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return b;
    }

    private static byte[] floats(float... values) {
        ByteBuffer bb = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bb.putFloat(v);
        }
        return bb.array();
    }

    @ParameterizedTest(name = "{0}, {1} channel(s)")
    @CsvSource({"PCM_S16LE,1", "PCM_S16LE,2", "PCM_S16LE,8", "PCM_S24LE,1", "PCM_S24LE,3", "PCM_S32LE,1",
        "PCM_S32LE,2", "FLOAT32LE,1", "FLOAT32LE,2", "FLOAT32LE,8"})
    void roundTripsEveryFormatAndChannelCount(SampleFormat format, int channels) throws FrameFormatException {
        int rate = 48_000;
        int samples = 480;
        float[][] signals = new float[channels][];
        float[] expectedMono = new float[samples];
        for (int c = 0; c < channels; c++) {
            signals[c] = TestWavs.sine(300 * (c + 1), 0.9 / (c + 1), rate, samples);
            for (int i = 0; i < samples; i++) {
                expectedMono[i] += signals[c][i] / channels;
            }
        }
        byte[] pcm = TestWavs.encode(signals, 8 * format.bytesPerSample(), format == FLOAT32LE);
        SensorFrame frame = new SensorFrame(format, rate, channels, false, 123_456_789_012L, 1_795_903_201_230_000L,
                samples, pcm);

        byte[] message = FrameCodec.encode(frame);
        assertEquals(FrameCodec.HEADER_BYTES + pcm.length, message.length);
        SensorFrame decoded = decode(message);
        assertEquals(frame, decoded);
        assertEquals(0.01, decoded.durationSeconds(), 1e-12);
        double quantum = format == FLOAT32LE ? 1e-6 : Math.max(1e-6, 1.0 / (1L << (8 * format.bytesPerSample() - 1)));
        float[] mono = decoded.monoSamples();
        assertEquals(samples, mono.length);
        for (int i = 0; i < samples; i++) {
            assertEquals(expectedMono[i], mono[i], quantum, "sample " + i);
        }
    }

    @Test
    void headerFieldsSitWhereTheProtocolSays() {
        byte[] pcm = {1, 2, 3, 4, 5, 6};
        byte[] m = FrameCodec.encode(new SensorFrame(PCM_S24LE, 44_100, 2, true, 0x0102030405060708L, 9L, 1, pcm));
        ByteBuffer bb = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("ESFR", new String(m, 0, 4, StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {1, 2, 2, 1}, Arrays.copyOfRange(m, 4, 8), "version, format, channels, flags");
        assertEquals(44_100, bb.getInt(8));
        assertEquals(0x0102030405060708L, bb.getLong(12));
        assertEquals(9L, bb.getLong(20));
        assertEquals(1, bb.getInt(28));
        assertArrayEquals(pcm, Arrays.copyOfRange(m, 32, 38));
    }

    @Test
    void sixteenBitSamplesAreReadAtFullScale() throws FrameFormatException {
        byte[] pcm = littleEndian(0xFF, 0x7F, 0x00, 0x80, 0x01, 0x00, 0xFF, 0xFF);
        float[] mono = new SensorFrame(PCM_S16LE, 8_000, 1, false, 0, 0, 4, pcm).monoSamples();
        assertArrayEquals(new float[] {32767f / 32768, -1f, 1f / 32768, -1f / 32768}, mono);
        assertArrayEquals(mono, decode(FrameCodec.encode(new SensorFrame(PCM_S16LE, 8_000, 1, false, 0, 0, 4, pcm)))
                .monoSamples());
    }

    @Test
    void twentyFourBitSamplesAreSignExtended() {
        byte[] pcm = littleEndian(0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00,
                0xC0);
        float[] mono = new SensorFrame(PCM_S24LE, 8_000, 1, false, 0, 0, 5, pcm).monoSamples();
        assertArrayEquals(new float[] {(float) (8388607 / 8388608.0), -1f, -1f / 8388608, 1f / 8388608, -0.5f},
                mono);
    }

    @Test
    void thirtyTwoBitSamplesAreReadAtFullScale() {
        byte[] pcm = littleEndian(0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x40);
        float[] mono = new SensorFrame(PCM_S32LE, 8_000, 1, false, 0, 0, 3, pcm).monoSamples();
        assertArrayEquals(new float[] {-1f, (float) (-1 / 2147483648.0), 0.5f}, mono);
    }

    @Test
    void floatSamplesAreKeptAsTheyAreEvenBeyondFullScale() {
        float[] values = {1.5f, -0.25f, Float.MIN_VALUE, -3f};
        float[] mono = new SensorFrame(FLOAT32LE, 8_000, 1, false, 0, 0, 4, floats(values)).monoSamples();
        assertArrayEquals(values, mono);
    }

    @Test
    void channelsAreAveragedIntoMono() {
        // Interleaved: (0.5, -0.25), (1.0, 0.0) as floats; (16384, -8192) as s16.
        SensorFrame stereoFloat = new SensorFrame(FLOAT32LE, 8_000, 2, false, 0, 0, 2, floats(0.5f, -0.25f, 1f, 0f));
        assertArrayEquals(new float[] {0.125f, 0.5f}, stereoFloat.monoSamples());
        SensorFrame stereo16 = new SensorFrame(PCM_S16LE, 8_000, 2, false, 0, 0, 1,
                littleEndian(0x00, 0x40, 0x00, 0xE0));
        assertArrayEquals(new float[] {0.125f}, stereo16.monoSamples());
    }

    @Test
    void endOfStreamFlagRoundTripsWithOrWithoutSamples() throws FrameFormatException {
        byte[] last = FrameCodec.encode(new SensorFrame(PCM_S16LE, 16_000, 1, true, 8, 2_000, 0, new byte[0]));
        assertEquals(FrameCodec.HEADER_BYTES, last.length);
        assertEquals(1, last[7]);
        SensorFrame decoded = decode(last);
        assertTrue(decoded.endOfStream());
        assertEquals(0, decoded.monoSamples().length);
        assertEquals(0.0, decoded.durationSeconds());
        assertTrue(decode(with(valid(), 7, 1, 1)).endOfStream());
        assertFalse(decode(valid()).endOfStream());
    }

    @Test
    void encodePcm16ScalesRoundsAndClipsToTheSixteenBitRange() throws FrameFormatException {
        float[] mono = {9f, 0f, 0.5f, 1f, -1f, -1.5f, 0.4f / 32768, 0.5f / 32768, -0.5f / 32768, 9f};
        SensorFrame frame = decode(FrameCodec.encodePcm16(42, 5_000, 16_000, mono, 1, 9, true));
        assertEquals(new SensorFrame(PCM_S16LE, 16_000, 1, true, 42, 5_000, 8, frame.pcm()), frame);
        short[] q = new short[8];
        ByteBuffer.wrap(frame.pcm()).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(q);
        // Halves round up, as Math.round does.
        assertArrayEquals(new short[] {0, 16384, 32767, -32768, -32768, 0, 1, 0}, q);
        assertThrows(IllegalArgumentException.class,
                () -> FrameCodec.encodePcm16(0, 0, 16_000, new float[] {Float.NaN}, 0, 1, false));
        assertThrows(IndexOutOfBoundsException.class, () -> FrameCodec.encodePcm16(0, 0, 16_000, mono, 5, 11, false));
    }

    @Test
    void refusesBadMagicNamingTheBytesFound() {
        refused(with(valid(), 0, 1, 'X'), Reason.BAD_MAGIC, "0x58 0x53 0x46 0x52", "ESFR");
        refused("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII), Reason.BAD_MAGIC, "0x47 0x45 0x54 0x20");
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 3, 20, 31})
    void refusesATruncatedHeader(int length) {
        refused(Arrays.copyOf(valid(), length), Reason.TRUNCATED, "frame of " + length + " bytes", "32-byte header");
    }

    @Test
    void refusesATruncatedPayload() {
        byte[] frame = valid();
        refused(Arrays.copyOf(frame, frame.length - 1), Reason.LENGTH_MISMATCH, "has 7 PCM bytes", "need 8");
        refused(Arrays.copyOf(frame, 32), Reason.LENGTH_MISMATCH, "has 0 PCM bytes", "need 8");
    }

    @Test
    void refusesExtraBytes() {
        refused(Arrays.copyOf(valid(), 41), Reason.LENGTH_MISMATCH, "has 9 PCM bytes", "need 8");
    }

    @Test
    void refusesOtherVersions() {
        refused(with(valid(), 4, 1, 2), Reason.UNSUPPORTED_VERSION, "version 2");
        refused(with(valid(), 4, 1, 0), Reason.UNSUPPORTED_VERSION, "version 0");
    }

    @ParameterizedTest(name = "format code {0}")
    @ValueSource(ints = {0, 5, 9, 255})
    void refusesUnknownSampleFormats(int code) {
        refused(with(valid(), 5, 1, code), Reason.BAD_FORMAT, "code " + code + ";", "4 (f32le)");
    }

    @ParameterizedTest(name = "{0} channels")
    @ValueSource(ints = {0, 9, 255})
    void refusesChannelCountsOutside1To8(int channels) {
        refused(with(valid(), 6, 1, channels), Reason.BAD_CHANNELS, "has " + channels + " channels", "1..8");
    }

    @ParameterizedTest(name = "flags 0x{0}")
    @CsvSource({"02,2", "80,128", "81,129"})
    void refusesReservedFlagBits(String hex, int flags) {
        refused(with(valid(), 7, 1, flags), Reason.BAD_FLAGS, "flags 0x" + hex);
    }

    @ParameterizedTest(name = "{0} Hz")
    @ValueSource(longs = {0, 7999, 192_001, 4_294_967_295L})
    void refusesSampleRatesOutside8To192Khz(long rate) {
        refused(with(valid(), 8, 4, rate), Reason.BAD_SAMPLE_RATE, "sample rate " + rate + " Hz", "8000..192000");
    }

    @Test
    void refusesNoSamplesWithoutEndOfStream() {
        refused(with(Arrays.copyOf(valid(), 32), 28, 4, 0), Reason.BAD_SAMPLE_COUNT, "0 samples per channel",
                "end-of-stream");
    }

    @ParameterizedTest(name = "{0} samples at 16 kHz")
    @ValueSource(longs = {16_001, 4_294_967_295L})
    void refusesMoreThanOneSecondPerFrame(long samples) {
        refused(with(valid(), 28, 4, samples), Reason.BAD_SAMPLE_COUNT, "has " + samples + " samples",
                "1..16000");
    }

    @Test
    void refusesSequenceNumbersAndCaptureTimesAboveTheSignedRange() {
        refused(with(valid(), 12, 8, -1), Reason.BAD_SEQUENCE, "18446744073709551615");
        refused(with(valid(), 20, 8, Long.MIN_VALUE), Reason.BAD_TIMESTAMP, "9223372036854775808 us");
    }

    @Test
    void refusesOversizedMessagesBeforeReadingThem() {
        refused(valid(), 39, Reason.OVERSIZED, "40 bytes", "limit of 39 bytes");
        byte[] garbage = new byte[DEFAULT_MAX_FRAME_BYTES + 1];
        refused(garbage, Reason.OVERSIZED, "262145 bytes", "262144");
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.decode(valid(), 31));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void refusesNonFiniteFloatSamples(float bad) {
        byte[] frame = FrameCodec.encode(new SensorFrame(FLOAT32LE, 8_000, 2, false, 3, 0, 2, floats(0, 0, 0, 0)));
        byte[] broken = with(frame, 32 + 4 * 3, 4, Float.floatToRawIntBits(bad));
        refused(broken, Reason.BAD_SAMPLES, "sample " + bad, "index 3");
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(FLOAT32LE, 8_000, 1, false, 0, 0, 1, floats(bad)));
    }

    /** The attack: +-3e38 is finite, passed the old check and turned the analysis into NaN inside the pipeline. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(floats = {3e38f, -3e38f, Float.MAX_VALUE, 8.001f, -1e6f})
    void refusesFloatSamplesBeyondTheBound(float bad) {
        byte[] frame = FrameCodec.encode(new SensorFrame(FLOAT32LE, 8_000, 2, false, 3, 0, 2, floats(0, 0, 0, 0)));
        byte[] broken = with(frame, 32 + 4 * 2, 4, Float.floatToRawIntBits(bad));
        refused(broken, Reason.BAD_SAMPLES, "sample " + bad, "index 2", "8.0");
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(FLOAT32LE, 8_000, 1, false, 0, 0, 1, floats(bad)));
    }

    @Test
    void acceptsFloatSamplesUpToTheBound() throws Exception {
        byte[] frame = FrameCodec.encode(new SensorFrame(FLOAT32LE, 8_000, 1, false, 0, 0, 4,
                floats(FrameCodec.MAX_FLOAT_SAMPLE, -FrameCodec.MAX_FLOAT_SAMPLE, 1.5f, -0f)));
        assertEquals(4, FrameCodec.decode(frame, DEFAULT_MAX_FRAME_BYTES).samplesPerChannel());
    }

    @Test
    void refusalsCarryTheSequenceNumberOnceTheHeaderIsReadable() {
        assertEquals(OptionalLong.of(7), refused(with(valid(), 8, 4, 0), Reason.BAD_SAMPLE_RATE).sequence());
        assertEquals(OptionalLong.of(7), refused(Arrays.copyOf(valid(), 39), Reason.LENGTH_MISMATCH).sequence());
        assertEquals(OptionalLong.empty(), refused(Arrays.copyOf(valid(), 20), Reason.TRUNCATED).sequence());
        assertEquals(OptionalLong.empty(), refused(with(valid(), 12, 8, -1), Reason.BAD_SEQUENCE).sequence());
    }

    @Test
    void constructorEnforcesTheDecodersRules() {
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S16LE, 7_999, 1, false, 0, 0, 1, new byte[2]));
        assertEquals("frame has sample rate 7999 Hz; accepted 8000..192000", rate.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S16LE, 8_000, 9, false, 0, 0, 1, new byte[18]));
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S16LE, 8_000, 1, false, -1, 0, 1, new byte[2]));
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S16LE, 8_000, 1, false, 0, -1, 1, new byte[2]));
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S16LE, 8_000, 1, false, 0, 0, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S16LE, 8_000, 1, false, 0, 0, -1, new byte[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new SensorFrame(PCM_S24LE, 8_000, 1, false, 0, 0, 2, new byte[5]));
        assertThrows(NullPointerException.class, () -> new SensorFrame(null, 8_000, 1, false, 0, 0, 1, new byte[2]));
    }

    @Test
    void framesAreEqualByContentAndNeverPrintTheirAudio() {
        SensorFrame a = new SensorFrame(PCM_S16LE, 8_000, 1, false, 1, 2, 1, new byte[] {0x12, 0x34});
        SensorFrame b = new SensorFrame(PCM_S16LE, 8_000, 1, false, 1, 2, 1, new byte[] {0x12, 0x34});
        SensorFrame c = new SensorFrame(PCM_S16LE, 8_000, 1, false, 1, 2, 1, new byte[] {0x12, 0x35});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertFalse(a.equals(c));
        assertFalse(a.toString().contains("[B@") || a.toString().contains("pcm"), a.toString());
    }

    @Test
    void sampleFormatsHaveStableCodesAndNames() {
        for (SampleFormat format : SampleFormat.values()) {
            assertEquals(format, SampleFormat.fromCode(format.code()));
            assertEquals(format, SampleFormat.fromName(format.wireName()));
        }
        assertEquals(List.of(1, 2, 3, 4), Arrays.stream(SampleFormat.values()).map(SampleFormat::code).toList());
        assertEquals(List.of(2, 3, 4, 4),
                Arrays.stream(SampleFormat.values()).map(SampleFormat::bytesPerSample).toList());
        assertEquals(List.of("s16le", "s24le", "s32le", "f32le"),
                Arrays.stream(SampleFormat.values()).map(SampleFormat::wireName).toList());
        assertEquals(PCM_S24LE, SampleFormat.fromName("S24LE"));
        IllegalArgumentException code = assertThrows(IllegalArgumentException.class, () -> SampleFormat.fromCode(9));
        assertTrue(code.getMessage().contains("code 9"), code.getMessage());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> SampleFormat.fromName("u8"));
        assertTrue(name.getMessage().contains("'u8'"), name.getMessage());
    }

    @Test
    void reasonsHaveLowerCaseMetricNames() {
        assertEquals("bad_sample_rate", Reason.BAD_SAMPLE_RATE.wireName());
        assertEquals("truncated", Reason.TRUNCATED.wireName());
        assertEquals("length_mismatch", Reason.LENGTH_MISMATCH.wireName());
    }

    @Test
    void clippedSamplesAreThoseAtFullScaleInAnyChannel() throws Exception {
        float[] mono = {0f, 0.5f, 1.0f, -1.0f, 0.9999f, -0.99f, 1.5f};
        SensorFrame frame = FrameCodec.decode(FrameCodec.encodePcm16(1, 0, 16000, mono, 0, mono.length, false),
                1 << 20);
        // 1.0 and 1.5 encode as 32767, -1.0 as -32768, 0.9999 as 32764 (not clipped).
        assertEquals(3, frame.clippedSamples());
    }
}
