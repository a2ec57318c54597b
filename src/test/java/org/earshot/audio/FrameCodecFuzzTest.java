package org.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for the sensor frame decoder ({@code bench/fuzz.sh} fuzzes it; a normal test run replays the seeds in
 * {@code FrameCodecFuzzTestInputs/}). Contract: any bytes either decode to a frame, which encodes back to exactly those
 * bytes and whose samples are finite and within the bound the analysis relies on, or are refused with a
 * {@link FrameFormatException} carrying a reason and a message; nothing else is thrown.
 */
class FrameCodecFuzzTest {
    /** Large enough for any seed; a smaller limit than the default keeps the fuzzer's inputs small. */
    static final int MAX_BYTES = 65_536;

    @FuzzTest
    void decode(byte[] message) {
        SensorFrame frame;
        try {
            frame = FrameCodec.decode(message, MAX_BYTES);
        } catch (FrameFormatException e) {
            assertNotNull(e.reason());
            assertNotNull(e.getMessage());
            return;
        }
        assertArrayEquals(message, FrameCodec.encode(frame), "decode then encode gives the bytes back");
        try {
            assertEquals(frame, FrameCodec.decode(FrameCodec.encode(frame), MAX_BYTES));
        } catch (FrameFormatException e) {
            throw new AssertionError("an encoded frame is refused: " + e.getMessage(), e);
        }
        float[] mono = frame.monoSamples();
        assertEquals(frame.samplesPerChannel(), mono.length);
        for (float x : mono) {
            assertTrue(Float.isFinite(x) && Math.abs(x) <= FrameCodec.MAX_FLOAT_SAMPLE, "sample " + x);
        }
        assertTrue(frame.clippedSamples() >= 0);
    }
}
