package org.earshot.sensor;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongSupplier;

import org.earshot.audio.FrameCodec;
import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;

/**
 * Cuts raw interleaved PCM, as a capture device delivers it (for example {@code arecord -t raw} on standard input),
 * into {@link SensorFrame}s of protocol version 1. The PCM bytes go into the frames as they are: the service averages
 * the channels and converts the rate, so the sensor converts nothing.
 *
 * <p>Every frame but the last holds {@code samplesPerFrame} samples per channel; sequence numbers go up by one from
 * {@code firstSequence}. <b>Capture times</b> come from the wall clock: a frame's first sample was captured at about
 * the time its last byte was read minus the frame's duration. The first frame is timed that way; the following ones
 * continue it ({@code first time + samples read since / rate}), so that times advance by exactly the audio's
 * duration, as long as that continuous time stays within {@link #MAX_DRIFT_MICROS} of the measured one. A larger
 * drift either way (the device stalled or dropped samples, the system clock was stepped, or the reader itself was
 * held up for longer than that) re-anchors the times on the wall clock; {@link #reanchors()} counts those. Because
 * audio can only be read after it was captured, a reader held up by more than the limit mistimes the frames it reads
 * late and re-anchors back on the next frame read on time.
 *
 * <p>At the end of the input the last frame carries the end-of-stream flag: the samples read since the last full
 * frame, or none (a frame of zero samples) when the input ended on a frame boundary. Bytes of an incomplete sample at
 * the end (fewer than {@code channels} samples of {@code format}) are discarded. Pure Java, no Vert.x; not
 * thread-safe.
 */
public final class PcmReader {
    /** Largest difference between continuous and measured capture times that is kept continuous: 50 ms. */
    public static final long MAX_DRIFT_MICROS = 50_000;

    private final InputStream in;
    private final SampleFormat format;
    private final int sampleRate;
    private final int channels;
    private final int samplesPerFrame;
    private final int bytesPerSampleFrame;
    private final LongSupplier wallClockMicros;
    private long nextSequence;
    private long anchorMicros;
    private long samplesSinceAnchor;
    private boolean started;
    private boolean finished;
    private long reanchors;
    private long discardedBytes;

    /** A reader on the system clock. */
    public PcmReader(InputStream in, SampleFormat format, int sampleRate, int channels, int samplesPerFrame,
                     long firstSequence) {
        this(in, format, sampleRate, channels, samplesPerFrame, firstSequence, PcmReader::systemMicros);
    }

    /**
     * @param wallClockMicros the wall clock, microseconds since 1970-01-01T00:00:00Z (injected by tests)
     * @throws IllegalArgumentException for a rate, channel count or frame length the protocol does not accept, or a
     *                                  negative first sequence number
     */
    public PcmReader(InputStream in, SampleFormat format, int sampleRate, int channels, int samplesPerFrame,
                     long firstSequence, LongSupplier wallClockMicros) {
        this.in = Objects.requireNonNull(in, "in");
        this.format = Objects.requireNonNull(format, "format");
        this.wallClockMicros = Objects.requireNonNull(wallClockMicros, "wallClockMicros");
        if (sampleRate < FrameCodec.MIN_SAMPLE_RATE || sampleRate > FrameCodec.MAX_SAMPLE_RATE) {
            throw new IllegalArgumentException("sample rate must be " + FrameCodec.MIN_SAMPLE_RATE + ".."
                    + FrameCodec.MAX_SAMPLE_RATE + " Hz, got " + sampleRate);
        }
        if (channels < 1 || channels > FrameCodec.MAX_CHANNELS) {
            throw new IllegalArgumentException("channels must be 1.." + FrameCodec.MAX_CHANNELS + ", got " + channels);
        }
        if (samplesPerFrame < 1 || samplesPerFrame > sampleRate) {
            throw new IllegalArgumentException("samples per frame must be 1.." + sampleRate + " (at most one second at "
                    + sampleRate + " Hz), got " + samplesPerFrame);
        }
        if (firstSequence < 0) {
            throw new IllegalArgumentException("first sequence number must be 0 or more, got " + firstSequence);
        }
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.samplesPerFrame = samplesPerFrame;
        this.bytesPerSampleFrame = channels * format.bytesPerSample();
        this.nextSequence = firstSequence;
    }

    /** Samples per channel in {@code frameMillis} at {@code sampleRate}, rounded, at least 1. */
    public static int samplesPerFrame(int sampleRate, int frameMillis) {
        return (int) Math.max(1, Math.round(sampleRate * (double) frameMillis / 1000.0));
    }

    /** Bytes of PCM in a full frame. */
    public int frameBytes() {
        return samplesPerFrame * bytesPerSampleFrame;
    }

    /** Bytes of a full frame on the wire, header included. */
    public int encodedFrameBytes() {
        return FrameCodec.HEADER_BYTES + frameBytes();
    }

    /**
     * The next frame, blocking until it is complete or the input ends; {@code null} once the end-of-stream frame has
     * been returned.
     */
    public SensorFrame next() throws IOException {
        if (finished) {
            return null;
        }
        byte[] buffer = new byte[frameBytes()];
        int read = in.readNBytes(buffer, 0, buffer.length);
        long now = wallClockMicros.getAsLong();
        if (read == buffer.length) {
            return frame(buffer, samplesPerFrame, false, now);
        }
        finished = true;
        int samples = read / bytesPerSampleFrame;
        discardedBytes = read - (long) samples * bytesPerSampleFrame;
        return frame(Arrays.copyOf(buffer, samples * bytesPerSampleFrame), samples, true, now);
    }

    private SensorFrame frame(byte[] pcm, int samples, boolean endOfStream, long readMicros) {
        long capture;
        if (samples == 0) {
            // Nothing was measured: an empty end-of-stream frame continues the times (or starts them now).
            capture = started ? continuousMicros() : Math.max(0, readMicros);
            if (!started) {
                started = true;
                anchorMicros = capture;
            }
        } else {
            long measured = Math.max(0, readMicros - durationMicros(samples));
            if (!started) {
                started = true;
                anchorMicros = measured;
                samplesSinceAnchor = 0;
            } else if (Math.abs(measured - continuousMicros()) >= MAX_DRIFT_MICROS) {
                reanchors++;
                anchorMicros = measured;
                samplesSinceAnchor = 0;
            }
            capture = continuousMicros();
        }
        samplesSinceAnchor += samples;
        return new SensorFrame(format, sampleRate, channels, endOfStream, nextSequence++, capture, samples, pcm);
    }

    private long continuousMicros() {
        return anchorMicros + durationMicros(samplesSinceAnchor);
    }

    private long durationMicros(long samples) {
        return Math.round(samples * 1e6 / sampleRate);
    }

    /** True once the end-of-stream frame has been returned. */
    public boolean finished() {
        return finished;
    }

    /** Times the capture clock was re-anchored on the wall clock because it drifted too far. */
    public long reanchors() {
        return reanchors;
    }

    /** Bytes of an incomplete sample discarded at the end of the input (0 until then). */
    public long discardedBytes() {
        return discardedBytes;
    }

    /** The sequence number the next frame gets. */
    public long nextSequence() {
        return nextSequence;
    }

    /**
     * A frame of zero samples with the end-of-stream flag that follows {@code previous}: the next sequence number,
     * the capture time just after its audio, the same format. For ending a stream early (the sensor is stopped).
     */
    public static SensorFrame endOfStreamAfter(SensorFrame previous) {
        long capture = previous.captureMicros() + Math.round(previous.samplesPerChannel() * 1e6
                / previous.sampleRate());
        return new SensorFrame(previous.format(), previous.sampleRate(), previous.channels(), true,
                previous.sequence() + 1, capture, 0, new byte[0]);
    }

    /** The system clock in microseconds since the epoch (microsecond resolution where the platform has it). */
    public static long systemMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
