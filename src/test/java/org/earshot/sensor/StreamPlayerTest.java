package org.earshot.sensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.earshot.audio.FrameCodec;
import org.earshot.audio.SensorFrame;
import org.junit.jupiter.api.Test;

/** The simulated capture device: frames, loop starts on the capture clock, and where the stream ends. */
class StreamPlayerTest {
    /** 0.25 s at 8 kHz: three frames of 800 samples (100 ms), the last one 400. */
    private static final float[] AUDIO = new float[2000];
    private static final long WALL = 1_800_000_000_000_000L;

    static {
        for (int i = 0; i < AUDIO.length; i++) {
            AUDIO[i] = (float) Math.sin(i * 0.01) * 0.5f;
        }
    }

    private static List<SensorFrame> play(StreamPlayer p, List<String> loopStarts) {
        List<SensorFrame> frames = new ArrayList<>();
        while (!p.finished()) {
            if (p.atLoopStart()) {
                loopStarts.add(p.loop() + "@" + p.loopStartWallMicros());
            }
            frames.add(p.nextSensorFrame());
        }
        return frames;
    }

    @Test
    void eachLoopIsAStreamOfItsOwnByDefault() {
        StreamPlayer p = new StreamPlayer(AUDIO, 8000, 800, 2, 1.0, 10);
        p.start(0, WALL, 0);
        List<String> starts = new ArrayList<>();
        List<SensorFrame> frames = play(p, starts);
        assertEquals(6, frames.size());
        assertEquals(List.of(false, false, true, false, false, true),
                frames.stream().map(SensorFrame::endOfStream).toList());
        assertEquals(List.of("0@" + WALL, "1@" + (WALL + 250_000)), starts);
        assertEquals(10, frames.get(0).sequence());
        assertEquals(15, frames.get(5).sequence());
        // The second loop's first frame is captured where the first loop's audio ended.
        assertEquals(WALL + 250_000, frames.get(3).captureMicros());
        assertEquals(400, frames.get(2).samplesPerChannel());
    }

    @Test
    void withoutEndingEachLoopOnlyTheLastFrameEndsTheStream() {
        StreamPlayer p = new StreamPlayer(AUDIO, 8000, 800, 3, 2.0, 0, false);
        p.start(1_000, WALL, 0.5);
        List<String> starts = new ArrayList<>();
        List<SensorFrame> frames = play(p, starts);
        assertEquals(9, frames.size());
        for (int i = 0; i < 8; i++) {
            assertFalse(frames.get(i).endOfStream(), "frame " + i);
        }
        assertTrue(frames.get(8).endOfStream());
        // The stagger delays the capture clock too; each loop starts one recording's length later on it.
        long first = WALL + 500_000;
        assertEquals(List.of("0@" + first, "1@" + (first + 250_000), "2@" + (first + 500_000)), starts);
        for (int i = 1; i < frames.size(); i++) {
            assertEquals(frames.get(i - 1).sequence() + 1, frames.get(i).sequence());
        }
    }

    @Test
    void framesAreDueInRealTimeTimesTheSpeed() {
        StreamPlayer p = new StreamPlayer(AUDIO, 8000, 800, 1, 2.0, 0);
        p.start(1_000, WALL, 0);
        // 800 samples at 8 kHz are 100 ms, at speed 2 due 50 ms after the start.
        assertEquals(1_000 + 50_000_000, p.nextDueNanos());
        p.nextSensorFrame();
        assertEquals(1_000 + 100_000_000, p.nextDueNanos());
    }

    @Test
    void theEncodedFrameIsTheSensorFrameEncoded() {
        StreamPlayer a = new StreamPlayer(AUDIO, 8000, 800, 1, 1.0, 3);
        StreamPlayer b = new StreamPlayer(AUDIO, 8000, 800, 1, 1.0, 3);
        a.start(0, WALL, 0);
        b.start(0, WALL, 0);
        while (!a.finished()) {
            assertArrayEquals(FrameCodec.encode(b.nextSensorFrame()), a.nextFrame());
        }
        assertTrue(b.finished());
        assertFalse(a.atLoopStart());
    }
}
