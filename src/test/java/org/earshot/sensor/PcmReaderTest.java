package org.earshot.sensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;

import org.earshot.audio.FrameCodec;
import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;
import org.junit.jupiter.api.Test;

class PcmReaderTest {
    private static final long T0 = 1_795_903_201_230_000L;

    /** A clock that answers the given times in turn, one per frame read. */
    private static LongSupplier times(long... micros) {
        Deque<Long> q = new ArrayDeque<>();
        for (long m : micros) {
            q.add(m);
        }
        return () -> {
            if (q.isEmpty()) {
                throw new AssertionError("the reader asked the clock more often than expected");
            }
            return q.poll();
        };
    }

    /** A clock that advances by {@code stepMicros} on every read, the first read at {@code first}. */
    private static LongSupplier ticking(long first, long stepMicros) {
        long[] next = {first};
        return () -> {
            long t = next[0];
            next[0] += stepMicros;
            return t;
        };
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    private static List<SensorFrame> readAll(PcmReader reader) throws IOException {
        List<SensorFrame> frames = new ArrayList<>();
        SensorFrame f;
        while ((f = reader.next()) != null) {
            frames.add(f);
        }
        return frames;
    }

    @Test
    void framesHoldTheBytesAsTheyAreForEveryFormatAndChannelCount() throws IOException {
        for (SampleFormat format : SampleFormat.values()) {
            for (int channels : new int[] {1, 2, 8}) {
                int sampleBytes = format.bytesPerSample() * channels;
                int perFrame = 160;
                // f32le refuses non-finite samples, so its test bytes are finite floats.
                byte[] input = format == SampleFormat.FLOAT32LE ? floats((3 * perFrame + 50) * channels)
                        : bytes((3 * perFrame + 50) * sampleBytes);
                PcmReader reader = new PcmReader(new ByteArrayInputStream(input), format, 16000, channels, perFrame,
                        0, ticking(T0, 10_000));
                assertEquals(perFrame * sampleBytes, reader.frameBytes());
                assertEquals(FrameCodec.HEADER_BYTES + perFrame * sampleBytes, reader.encodedFrameBytes());
                List<SensorFrame> frames = readAll(reader);
                String what = format.wireName() + " x" + channels;
                assertEquals(4, frames.size(), what);
                ByteArrayOutputStream joined = new ByteArrayOutputStream();
                for (int i = 0; i < 4; i++) {
                    SensorFrame f = frames.get(i);
                    assertEquals(format, f.format(), what);
                    assertEquals(16000, f.sampleRate(), what);
                    assertEquals(channels, f.channels(), what);
                    assertEquals(i < 3 ? perFrame : 50, f.samplesPerChannel(), what);
                    assertEquals(f.samplesPerChannel() * sampleBytes, f.pcm().length, what);
                    assertEquals(i == 3, f.endOfStream(), what);
                    joined.writeBytes(f.pcm());
                    // Every frame is a valid frame on the wire.
                    assertEquals(f, decode(f));
                }
                assertArrayEquals(input, joined.toByteArray(), what);
                assertTrue(reader.finished());
                assertEquals(0, reader.discardedBytes());
            }
        }
    }

    private static byte[] floats(int n) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat((float) Math.sin(i * 0.1));
        }
        return b.array();
    }

    private static SensorFrame decode(SensorFrame f) {
        try {
            return FrameCodec.decode(FrameCodec.encode(f), Integer.MAX_VALUE);
        } catch (org.earshot.audio.FrameFormatException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sequenceNumbersStartWhereAskedAndGoUpByOne() throws IOException {
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes(5 * 320)), SampleFormat.PCM_S16LE, 16000, 1,
                160, 41, ticking(T0, 10_000));
        List<SensorFrame> frames = readAll(reader);
        // Five full frames, then the empty end-of-stream frame (the input ends on a frame boundary).
        assertEquals(6, frames.size());
        for (int i = 0; i < frames.size(); i++) {
            assertEquals(41 + i, frames.get(i).sequence());
        }
        assertEquals(47, reader.nextSequence());
    }

    @Test
    void captureTimesAreContinuousWhileTheDriftIsSmall() throws IOException {
        // 100 ms frames read with up to 40 ms of jitter (and a clock that keeps slowly drifting within the limit).
        long step = 100_000;
        long[] reads = new long[11];
        long[] jitter = {0, 30_000, -20_000, 40_000, 10_000, -10_000, 45_000, 0, 20_000, 49_000, 0};
        for (int i = 0; i < reads.length; i++) {
            reads[i] = T0 + (i + 1) * step + jitter[i];
        }
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes(10 * 3200)), SampleFormat.PCM_S16LE, 16000, 1,
                1600, 0, times(reads));
        List<SensorFrame> frames = readAll(reader);
        assertEquals(11, frames.size());
        // The first frame's time is its read time minus its duration; then + 100 ms per frame.
        for (int i = 0; i < frames.size(); i++) {
            assertEquals(T0 + i * step, frames.get(i).captureMicros(), "frame " + i);
        }
        assertEquals(0, reader.reanchors());
    }

    @Test
    void aStallReanchorsOnTheWallClock() throws IOException {
        // Frames of 10 ms at 16 kHz; the device stalls (drops 300 ms) before the fourth frame.
        long step = 10_000;
        long stall = 300_000;
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes(8 * 320)), SampleFormat.PCM_S16LE, 16000, 1,
                160, 0, times(T0 + step, T0 + 2 * step, T0 + 3 * step, T0 + 4 * step + stall, T0 + 5 * step + stall,
                        T0 + 6 * step + stall + 3_000, T0 + 7 * step + stall, T0 + 8 * step + stall,
                        T0 + 9 * step + stall));
        List<SensorFrame> frames = readAll(reader);
        assertEquals(9, frames.size());
        assertEquals(T0, frames.get(0).captureMicros());
        assertEquals(T0 + 2 * step, frames.get(2).captureMicros());
        // Re-anchored: the fourth frame is timed by the wall clock, and the times are continuous again after it.
        for (int i = 3; i < 9; i++) {
            assertEquals(T0 + i * step + stall, frames.get(i).captureMicros(), "frame " + i);
        }
        assertEquals(1, reader.reanchors());
        // The sequence numbers have no gap: the audio itself is continuous.
        assertEquals(3, frames.get(3).sequence());
    }

    @Test
    void aClockSteppedBackReanchorsToo() throws IOException {
        long step = 100_000;
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes(4 * 3200)), SampleFormat.PCM_S16LE, 16000, 1,
                1600, 0, times(T0 + step, T0 + 2 * step, T0 + 3 * step - 60_000, T0 + 4 * step - 60_000,
                        T0 + 5 * step - 60_000));
        List<SensorFrame> frames = readAll(reader);
        assertEquals(T0 + step, frames.get(1).captureMicros());
        assertEquals(T0 + 2 * step - 60_000, frames.get(2).captureMicros());
        assertEquals(T0 + 3 * step - 60_000, frames.get(3).captureMicros());
        assertEquals(1, reader.reanchors());
    }

    @Test
    void aShortLastFrameCarriesTheEndOfStreamFlag() throws IOException {
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes(2 * 320 + 100)), SampleFormat.PCM_S16LE,
                16000, 1, 160, 0, ticking(T0 + 10_000, 10_000));
        List<SensorFrame> frames = readAll(reader);
        assertEquals(3, frames.size());
        assertFalse(frames.get(1).endOfStream());
        SensorFrame last = frames.get(2);
        assertTrue(last.endOfStream());
        assertEquals(50, last.samplesPerChannel());
        assertEquals(T0 + 20_000, last.captureMicros());
        assertNull(reader.next());
        assertNull(reader.next());
    }

    @Test
    void anInputEndingOnAFrameBoundaryEndsWithAnEmptyEndOfStreamFrame() throws IOException {
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes(2 * 3200)), SampleFormat.PCM_S16LE, 16000, 1,
                1600, 7, ticking(T0 + 100_000, 100_000));
        List<SensorFrame> frames = readAll(reader);
        assertEquals(3, frames.size());
        assertFalse(frames.get(0).endOfStream());
        assertFalse(frames.get(1).endOfStream());
        SensorFrame eos = frames.get(2);
        assertTrue(eos.endOfStream());
        assertEquals(0, eos.samplesPerChannel());
        assertEquals(0, eos.pcm().length);
        assertEquals(9, eos.sequence());
        // Its time continues the stream: just after the last audio.
        assertEquals(T0 + 200_000, eos.captureMicros());
        assertEquals(eos, decode(eos));
    }

    @Test
    void anEmptyInputGivesOnlyAnEmptyEndOfStreamFrame() throws IOException {
        PcmReader reader = new PcmReader(InputStream.nullInputStream(), SampleFormat.PCM_S16LE, 16000, 1, 1600, 0,
                times(T0));
        List<SensorFrame> frames = readAll(reader);
        assertEquals(1, frames.size());
        assertTrue(frames.get(0).endOfStream());
        assertEquals(0, frames.get(0).samplesPerChannel());
        assertEquals(T0, frames.get(0).captureMicros());
    }

    @Test
    void anIncompleteSampleAtTheEndIsDiscarded() throws IOException {
        // Mono s16le: one frame, one whole sample and one byte of the next.
        PcmReader mono = new PcmReader(new ByteArrayInputStream(bytes(320 + 3)), SampleFormat.PCM_S16LE, 16000, 1,
                160, 0, ticking(T0, 10_000));
        List<SensorFrame> frames = readAll(mono);
        assertEquals(2, frames.size());
        assertEquals(1, frames.get(1).samplesPerChannel());
        assertArrayEquals(Arrays.copyOfRange(bytes(323), 320, 322), frames.get(1).pcm());
        assertEquals(1, mono.discardedBytes());

        // Stereo s24le: a sample of the left channel alone (3 of 6 bytes) plus one byte is incomplete too.
        PcmReader stereo = new PcmReader(new ByteArrayInputStream(bytes(160 * 6 + 6 * 2 + 4)),
                SampleFormat.PCM_S24LE, 16000, 2, 160, 0, ticking(T0, 10_000));
        frames = readAll(stereo);
        assertEquals(2, frames.size());
        assertEquals(2, frames.get(1).samplesPerChannel());
        assertEquals(12, frames.get(1).pcm().length);
        assertEquals(4, stereo.discardedBytes());

        // Only an incomplete sample after the last full frame: an empty end-of-stream frame.
        PcmReader boundary = new PcmReader(new ByteArrayInputStream(bytes(320 + 1)), SampleFormat.PCM_S16LE, 16000,
                1, 160, 0, ticking(T0, 10_000));
        frames = readAll(boundary);
        assertEquals(2, frames.size());
        assertEquals(0, frames.get(1).samplesPerChannel());
        assertTrue(frames.get(1).endOfStream());
        assertEquals(1, boundary.discardedBytes());
    }

    @Test
    void slowInputIsCollectedIntoWholeFrames() throws IOException {
        // A pipe delivers a few bytes at a time; frames still hold exactly their samples.
        byte[] input = bytes(3 * 320);
        InputStream trickle = new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < input.length ? input[pos++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= input.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 7), input.length - pos);
                System.arraycopy(input, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        List<SensorFrame> frames = readAll(new PcmReader(trickle, SampleFormat.PCM_S16LE, 16000, 1, 160, 0,
                ticking(T0, 10_000)));
        assertEquals(4, frames.size());
        assertArrayEquals(Arrays.copyOfRange(input, 320, 640), frames.get(1).pcm());
    }

    @Test
    void badParametersAreRefused() {
        InputStream in = InputStream.nullInputStream();
        SampleFormat s16 = SampleFormat.PCM_S16LE;
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 7999, 1, 160, 0));
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 192_001, 1, 160, 0));
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 16000, 0, 160, 0));
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 16000, 9, 160, 0));
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 16000, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 16000, 1, 16001, 0));
        assertThrows(IllegalArgumentException.class, () -> new PcmReader(in, s16, 16000, 1, 160, -1));
        assertThrows(NullPointerException.class, () -> new PcmReader(null, s16, 16000, 1, 160, 0));
        assertThrows(NullPointerException.class, () -> new PcmReader(in, null, 16000, 1, 160, 0));
        assertThrows(NullPointerException.class, () -> new PcmReader(in, s16, 16000, 1, 160, 0, null));
        // The limits themselves are fine: one second per frame, 8 channels, 8 and 192 kHz.
        new PcmReader(in, s16, 8000, 8, 8000, 0);
        new PcmReader(in, s16, 192_000, 1, 192_000, 0);
    }

    @Test
    void samplesPerFrameRoundsToWholeSamples() {
        assertEquals(1600, PcmReader.samplesPerFrame(16000, 100));
        assertEquals(4800, PcmReader.samplesPerFrame(48000, 100));
        assertEquals(441, PcmReader.samplesPerFrame(44100, 10));
        assertEquals(221, PcmReader.samplesPerFrame(22050, 10));
        assertEquals(16000, PcmReader.samplesPerFrame(16000, 1000));
    }

    @Test
    void anEndOfStreamFrameCanFollowAnyFrame() {
        SensorFrame f = new SensorFrame(SampleFormat.PCM_S24LE, 48000, 2, false, 99, T0, 4800, new byte[4800 * 6]);
        SensorFrame eos = PcmReader.endOfStreamAfter(f);
        assertTrue(eos.endOfStream());
        assertEquals(100, eos.sequence());
        assertEquals(T0 + 100_000, eos.captureMicros());
        assertEquals(0, eos.samplesPerChannel());
        assertEquals(SampleFormat.PCM_S24LE, eos.format());
        assertEquals(48000, eos.sampleRate());
        assertEquals(2, eos.channels());
    }

    @Test
    void theSystemClockIsInMicroseconds() {
        long before = System.currentTimeMillis() * 1000;
        long now = PcmReader.systemMicros();
        long after = System.currentTimeMillis() * 1000 + 1000;
        assertTrue(now >= before - 1000 && now <= after, now + " not within " + before + ".." + after);
    }
}
