package org.earshot.audio;

import static org.earshot.audio.TestWavs.sine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamingResamplerTest {
    private static float[] noise(int samples, long seed) {
        Random random = new Random(seed);
        float[] x = new float[samples];
        for (int i = 0; i < samples; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** Feeds x in pieces of random length (often empty or one sample, sometimes longer than a pass) and flushes. */
    private static float[] streamInRandomPieces(StreamingResampler resampler, float[] x, long seed) {
        Random random = new Random(seed);
        float[] out = new float[0];
        int at = 0;
        while (at < x.length) {
            int length = switch (random.nextInt(6)) {
                case 0 -> 0;
                case 1 -> 1;
                case 2 -> random.nextInt(50);
                case 3 -> random.nextInt(10_000);
                default -> x.length / 20;
            };
            int end = Math.min(x.length, at + length);
            out = concat(out, resampler.process(x, at, end));
            at = end;
            assertEquals(at, resampler.inputSamples());
            assertEquals(out.length, resampler.outputSamples());
        }
        return concat(out, resampler.flush());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = new float[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @ParameterizedTest(name = "{0} -> {1} Hz")
    @CsvSource({"48000,16000", "44100,16000", "22050,16000", "8000,16000", "44101,16000", "16000,48000"})
    void equalsTheBlockResamplerBitForBitHoweverTheInputIsCut(int from, int to) {
        float[][] signals = {noise(2 * from + 7, from), sine(997, 0.8, from, 2 * from + 3)};
        for (int s = 0; s < signals.length; s++) {
            float[] x = signals[s];
            float[] expected = Resampler.resample(x, from, to);
            for (long seed = 1; seed <= 3; seed++) {
                float[] streamed = streamInRandomPieces(new StreamingResampler(from, to), x, seed * 31 + s);
                assertEquals(Resampler.outputLength(x.length, from, to), streamed.length, "total length");
                assertArrayEquals(expected, streamed, "signal " + s + ", pieces from seed " + seed);
            }
        }
    }

    @ParameterizedTest(name = "{0} samples")
    @CsvSource({"0", "1", "5", "171", "172", "173", "344", "345"})
    void signalsShorterThanTheFilterComeOutOfFlushWhole(int samples) {
        // 48 -> 16 kHz has a half-width of 172 input samples: around it, outputs move between process and flush.
        float[] x = noise(samples, samples);
        float[] streamed = streamInRandomPieces(new StreamingResampler(48_000, 16_000), x, 7);
        assertArrayEquals(Resampler.resample(x, 48_000, 16_000), streamed);
    }

    @Test
    void outputLagsTheInputByTheFilterHalfWidthOnly() {
        StreamingResampler resampler = new StreamingResampler(48_000, 16_000);
        float[] x = noise(4800, 3);
        for (int piece = 1; piece <= 10; piece++) {
            resampler.process(x, 0, x.length);
            long caughtUp = Resampler.outputLength(piece * x.length, 48_000, 16_000);
            long lag = caughtUp - resampler.outputSamples();
            // Half-width 172 input samples is 57.3 outputs at a third of the rate.
            assertTrue(lag >= 57 && lag <= 58, "lag of " + lag + " output samples after piece " + piece);
        }
    }

    @Test
    void historyDoesNotGrowWithStreamOrPieceLength() {
        StreamingResampler resampler = new StreamingResampler(44_100, 16_000);
        int capacity = resampler.historyCapacity();
        int taps = PolyphaseFilter.of(44_100, 16_000).taps();
        float[] tenthOfASecond = noise(4410, 5);
        for (int i = 0; i < 600; i++) {
            resampler.process(tenthOfASecond, 0, tenthOfASecond.length);
            assertTrue(resampler.retainedSamples() < taps, "retained " + resampler.retainedSamples());
        }
        float[] tenSeconds = noise(441_000, 6);
        resampler.process(tenSeconds, 0, tenSeconds.length);
        assertEquals(capacity, resampler.historyCapacity());
        assertTrue(resampler.retainedSamples() < taps, "retained " + resampler.retainedSamples());
        assertTrue(capacity < 5000, "history buffer of " + capacity + " samples");
    }

    @Test
    void equalRatesPassSamplesThrough() {
        StreamingResampler resampler = new StreamingResampler(16_000, 16_000);
        float[] x = noise(100, 8);
        float[] y = resampler.process(x, 10, 60);
        assertArrayEquals(Arrays.copyOfRange(x, 10, 60), y);
        assertNotSame(x, y);
        assertEquals(0, resampler.flush().length);
        assertEquals(50, resampler.inputSamples());
        assertEquals(50, resampler.outputSamples());
    }

    @Test
    void rejectsBadRatesRangesAndUseAfterFlush() {
        assertThrows(IllegalArgumentException.class, () -> new StreamingResampler(0, 16_000));
        assertThrows(IllegalArgumentException.class, () -> new StreamingResampler(48_000, -16_000));
        StreamingResampler resampler = new StreamingResampler(48_000, 16_000);
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(new float[10], 5, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(new float[10], 6, 5));
        resampler.flush();
        assertThrows(IllegalStateException.class, () -> resampler.process(new float[10], 0, 10));
        assertThrows(IllegalStateException.class, resampler::flush);
    }
}
