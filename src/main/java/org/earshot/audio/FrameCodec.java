package org.earshot.audio;

import static org.earshot.audio.FrameFormatException.Reason.BAD_CHANNELS;
import static org.earshot.audio.FrameFormatException.Reason.BAD_FLAGS;
import static org.earshot.audio.FrameFormatException.Reason.BAD_FORMAT;
import static org.earshot.audio.FrameFormatException.Reason.BAD_MAGIC;
import static org.earshot.audio.FrameFormatException.Reason.BAD_SAMPLES;
import static org.earshot.audio.FrameFormatException.Reason.BAD_SAMPLE_COUNT;
import static org.earshot.audio.FrameFormatException.Reason.BAD_SAMPLE_RATE;
import static org.earshot.audio.FrameFormatException.Reason.BAD_SEQUENCE;
import static org.earshot.audio.FrameFormatException.Reason.BAD_TIMESTAMP;
import static org.earshot.audio.FrameFormatException.Reason.LENGTH_MISMATCH;
import static org.earshot.audio.FrameFormatException.Reason.OVERSIZED;
import static org.earshot.audio.FrameFormatException.Reason.TRUNCATED;
import static org.earshot.audio.FrameFormatException.Reason.UNSUPPORTED_VERSION;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads and writes sensor audio frames, protocol version 1 ({@code sensors/PROTOCOL.md}): a 32-byte little-endian
 * header (magic "ESFR", version, sample format, channels, flags, sample rate, sequence number, capture time, samples
 * per channel) followed by interleaved PCM. Decoding trusts nothing: the message size is checked against the caller's
 * limit before anything is read, then every header field, then the exact payload length and, for floats, that every
 * sample is finite and within +-{@value #MAX_FLOAT_SAMPLE}; each violation raises a {@link FrameFormatException} whose reason says which rule was broken and
 * whose message names the value. The same rules guard {@link SensorFrame}'s constructor, so a frame that exists is a
 * frame that could be sent. Decoding copies the PCM once and does not convert it, keeping the network thread cheap.
 */
public final class FrameCodec {
    public static final int HEADER_BYTES = 32;
    /** The first four bytes of every frame, ASCII. */
    public static final String MAGIC = "ESFR";
    public static final int VERSION = 1;
    public static final int MIN_SAMPLE_RATE = 8_000;
    public static final int MAX_SAMPLE_RATE = 192_000;
    public static final int MAX_CHANNELS = 8;
    /**
     * Largest magnitude of an {@code f32le} sample: 8.0 is 18 dB over full scale, room for any real converter's
     * overshoot, while values like 3e38 overflow the analysis (their squares are infinite, the log-mel NaN).
     */
    public static final float MAX_FLOAT_SAMPLE = 8.0f;
    /** 256 KiB: 100 ms of 8 channels of 32-bit audio at 48 kHz fits with room to spare. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 262_144;

    private static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);
    private static final int FLAG_END_OF_STREAM = 0x01;

    private FrameCodec() {}

    /**
     * Decodes one frame. {@code maxBytes} (at least {@link #HEADER_BYTES}) is the largest message accepted; a larger
     * one is refused as {@code OVERSIZED} before any of it is read.
     */
    public static SensorFrame decode(byte[] message, int maxBytes) throws FrameFormatException {
        Objects.requireNonNull(message, "message");
        if (maxBytes < HEADER_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least the " + HEADER_BYTES + "-byte header, got "
                    + maxBytes);
        }
        if (message.length > maxBytes) {
            throw new FrameFormatException(OVERSIZED, "frame of " + message.length + " bytes exceeds the limit of "
                    + maxBytes + " bytes");
        }
        checkMagic(message);
        if (message.length < HEADER_BYTES) {
            throw new FrameFormatException(TRUNCATED, "frame of " + message.length + " bytes is shorter than the "
                    + HEADER_BYTES + "-byte header");
        }
        int version = message[4] & 0xFF;
        if (version != VERSION) {
            throw new FrameFormatException(UNSUPPORTED_VERSION, "frame has protocol version " + version
                    + "; this service speaks version " + VERSION);
        }
        long sequence = int64At(message, 12);
        try {
            return decodeFields(message);
        } catch (FrameFormatException e) {
            throw sequence < 0 ? e : new FrameFormatException(e.reason(), e.getMessage(), sequence);
        }
    }

    /** Encodes a frame; the frame's constructor has already checked it against every rule. */
    public static byte[] encode(SensorFrame frame) {
        byte[] pcm = frame.pcm();
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC_BYTES)
                .put((byte) VERSION)
                .put((byte) frame.format().code())
                .put((byte) frame.channels())
                .put((byte) (frame.endOfStream() ? FLAG_END_OF_STREAM : 0))
                .putInt(frame.sampleRate())
                .putLong(frame.sequence())
                .putLong(frame.captureMicros())
                .putInt(frame.samplesPerChannel())
                .put(pcm);
        return out.array();
    }

    /**
     * Encodes {@code mono[from..to)} as a mono 16-bit frame, for simulators and tests: samples are scaled by 32768,
     * rounded and clipped to [-1, 1), that is -32768..32767. Non-finite samples are refused.
     */
    public static byte[] encodePcm16(long sequence, long captureMicros, int sampleRate, float[] mono, int from, int to,
            boolean endOfStream) {
        return encode(pcm16Frame(sequence, captureMicros, sampleRate, mono, from, to, endOfStream));
    }

    /** {@code mono[from..to)} as a mono 16-bit frame, scaled as {@link #encodePcm16} does; not encoded. */
    public static SensorFrame pcm16Frame(long sequence, long captureMicros, int sampleRate, float[] mono, int from,
            int to, boolean endOfStream) {
        Objects.requireNonNull(mono, "mono");
        Objects.checkFromToIndex(from, to, mono.length);
        byte[] pcm = new byte[2 * (to - from)];
        for (int i = from, o = 0; i < to; i++, o += 2) {
            if (!Float.isFinite(mono[i])) {
                throw new IllegalArgumentException("sample " + i + " is not finite: " + mono[i]);
            }
            long q = Math.max(-32768, Math.min(32767, Math.round(mono[i] * 32768.0)));
            pcm[o] = (byte) q;
            pcm[o + 1] = (byte) (q >> 8);
        }
        return new SensorFrame(SampleFormat.PCM_S16LE, sampleRate, 1, endOfStream, sequence, captureMicros,
                to - from, pcm);
    }

    /**
     * Every rule a frame's content must satisfy, in the order the decoder checks them; {@link SensorFrame}'s
     * constructor calls this so that encoder and decoder cannot disagree. Values are longs because the wire fields
     * are unsigned.
     */
    static void validate(SampleFormat format, long sampleRate, long channels, boolean endOfStream, long sequence,
            long captureMicros, long samplesPerChannel, byte[] pcm) throws FrameFormatException {
        checkChannels(channels);
        checkSampleRate(sampleRate);
        checkSequence(sequence);
        checkCaptureMicros(captureMicros);
        checkSampleCount(samplesPerChannel, sampleRate, endOfStream);
        checkPcmLength(format, channels, samplesPerChannel, pcm.length);
        checkSamples(format, pcm);
    }

    private static SensorFrame decodeFields(byte[] message) throws FrameFormatException {
        int formatCode = message[5] & 0xFF;
        SampleFormat format = SampleFormat.byCodeOrNull(formatCode);
        if (format == null) {
            throw new FrameFormatException(BAD_FORMAT, "frame has sample format code " + formatCode + "; accepted "
                    + SampleFormat.known());
        }
        int channels = message[6] & 0xFF;
        checkChannels(channels);
        int flags = message[7] & 0xFF;
        if ((flags & ~FLAG_END_OF_STREAM) != 0) {
            throw new FrameFormatException(BAD_FLAGS, "frame has flags 0x" + String.format("%02X", flags)
                    + " with reserved bits set; only bit 0 (end of stream) is defined");
        }
        boolean endOfStream = (flags & FLAG_END_OF_STREAM) != 0;
        long sampleRate = uint32At(message, 8);
        long sequence = int64At(message, 12);
        long captureMicros = int64At(message, 20);
        long samplesPerChannel = uint32At(message, 28);
        // The header fields are checked here, in wire order and as longs, so that a message names the value sent
        // (the unsigned 32-bit fields do not fit an int); the constructor then checks the PCM (length, finite
        // samples) once, rather than here and there again.
        checkSampleRate(sampleRate);
        checkSequence(sequence);
        checkCaptureMicros(captureMicros);
        checkSampleCount(samplesPerChannel, sampleRate, endOfStream);
        byte[] pcm = Arrays.copyOfRange(message, HEADER_BYTES, message.length);
        try {
            return new SensorFrame(format, (int) sampleRate, channels, endOfStream, sequence, captureMicros,
                    (int) samplesPerChannel, pcm);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof FrameFormatException reason) {
                throw reason;
            }
            throw e;
        }
    }

    /** Checks as much of the magic as arrived, so that text or another protocol is named as such even when short. */
    private static void checkMagic(byte[] message) throws FrameFormatException {
        int n = Math.min(MAGIC_BYTES.length, message.length);
        if (!Arrays.equals(message, 0, n, MAGIC_BYTES, 0, n)) {
            StringBuilder found = new StringBuilder();
            for (int i = 0; i < n; i++) {
                found.append(i == 0 ? "" : " ").append(String.format("0x%02X", message[i] & 0xFF));
            }
            throw new FrameFormatException(BAD_MAGIC, "frame starts with " + found + ", not the magic \"" + MAGIC
                    + "\" (0x45 0x53 0x46 0x52)");
        }
    }

    private static void checkChannels(long channels) throws FrameFormatException {
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new FrameFormatException(BAD_CHANNELS, "frame has " + channels + " channels; accepted 1.."
                    + MAX_CHANNELS);
        }
    }

    private static void checkSampleRate(long sampleRate) throws FrameFormatException {
        if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
            throw new FrameFormatException(BAD_SAMPLE_RATE, "frame has sample rate " + sampleRate + " Hz; accepted "
                    + MIN_SAMPLE_RATE + ".." + MAX_SAMPLE_RATE);
        }
    }

    private static void checkSequence(long sequence) throws FrameFormatException {
        if (sequence < 0) {
            throw new FrameFormatException(BAD_SEQUENCE, "frame has sequence number " + Long.toUnsignedString(sequence)
                    + "; accepted 0.." + Long.MAX_VALUE);
        }
    }

    private static void checkCaptureMicros(long captureMicros) throws FrameFormatException {
        if (captureMicros < 0) {
            throw new FrameFormatException(BAD_TIMESTAMP, "frame has capture time "
                    + Long.toUnsignedString(captureMicros) + " us; accepted 0.." + Long.MAX_VALUE
                    + " us since 1970-01-01T00:00:00Z");
        }
    }

    private static void checkSampleCount(long samplesPerChannel, long sampleRate, boolean endOfStream)
            throws FrameFormatException {
        if (samplesPerChannel == 0 && !endOfStream) {
            throw new FrameFormatException(BAD_SAMPLE_COUNT, "frame has 0 samples per channel without the "
                    + "end-of-stream flag; accepted 1.." + sampleRate + " at " + sampleRate
                    + " Hz, 0 only with end of stream");
        }
        if (samplesPerChannel < 0 || samplesPerChannel > sampleRate) {
            throw new FrameFormatException(BAD_SAMPLE_COUNT, "frame has " + samplesPerChannel
                    + " samples per channel; accepted 1.." + sampleRate + " (at most one second at " + sampleRate
                    + " Hz)");
        }
    }

    private static void checkPcmLength(SampleFormat format, long channels, long samplesPerChannel, long pcmBytes)
            throws FrameFormatException {
        long expected = samplesPerChannel * channels * format.bytesPerSample();
        if (pcmBytes != expected) {
            throw new FrameFormatException(LENGTH_MISMATCH, "frame has " + pcmBytes + " PCM bytes; " + channels
                    + " channel(s) of " + samplesPerChannel + " " + format.wireName() + " samples need " + expected);
        }
    }

    private static void checkSamples(SampleFormat format, byte[] pcm) throws FrameFormatException {
        if (format != SampleFormat.FLOAT32LE) {
            return;
        }
        for (int offset = 0; offset < pcm.length; offset += 4) {
            float v = Float.intBitsToFloat(SampleFormat.int32At(pcm, offset));
            // NaN fails both comparisons, so it is refused with the infinities.
            if (!(v >= -MAX_FLOAT_SAMPLE && v <= MAX_FLOAT_SAMPLE)) {
                throw new FrameFormatException(BAD_SAMPLES, "frame has float sample " + v + " at sample index "
                        + offset / 4 + " (interleaved); samples must be finite and within -" + MAX_FLOAT_SAMPLE
                        + ".." + MAX_FLOAT_SAMPLE);
            }
        }
    }

    private static long uint32At(byte[] b, int offset) {
        return SampleFormat.int32At(b, offset) & 0xFFFF_FFFFL;
    }

    private static long int64At(byte[] b, int offset) {
        return uint32At(b, offset) | (long) SampleFormat.int32At(b, offset + 4) << 32;
    }
}
