package org.earshot.sensor;

import org.earshot.audio.FrameCodec;

/**
 * Plays one recording as a simulated sensor: frames of {@code frameSamples} at the recording's rate, due when
 * their audio would have been captured in real time (times {@code speed}), each loop a new stream ending with the
 * end-of-stream flag. The capture clock of loop {@code n} starts at the wall-clock time the loop starts, so at speed
 * 1 a detection's latency is its arrival time minus the capture time of the event's end. Not thread-safe: driven by
 * one context.
 */
public final class StreamPlayer {
    private final float[] samples;
    private final int sampleRate;
    private final int frameSamples;
    private final int loops;
    private final double speed;
    private long sequence;
    private int loop;
    private int position;
    private long loopStartWallMicros;
    private long loopStartNanos;

    public StreamPlayer(float[] samples, int sampleRate, int frameSamples, int loops, double speed,
                        long firstSequence) {
        if (samples.length == 0 || frameSamples < 1 || loops < 1 || !(speed > 0)) {
            throw new IllegalArgumentException("need audio, frameSamples >= 1, loops >= 1 and speed > 0");
        }
        this.samples = samples;
        this.sampleRate = sampleRate;
        this.frameSamples = frameSamples;
        this.loops = loops;
        this.speed = speed;
        this.sequence = firstSequence;
    }

    /** Starts the first loop now; {@code delaySeconds} of wall time later for staggered sensors. */
    public void start(long nowNanos, long nowWallMicros, double delaySeconds) {
        loopStartNanos = nowNanos + Math.round(delaySeconds * 1e9);
        loopStartWallMicros = nowWallMicros + Math.round(delaySeconds * 1e6);
    }

    public boolean finished() {
        return loop >= loops;
    }

    /** When the next frame is due, on the {@link System#nanoTime()} clock. */
    public long nextDueNanos() {
        int end = Math.min(samples.length, position + frameSamples);
        return loopStartNanos + Math.round(end * 1e9 / sampleRate / speed);
    }

    /** The next frame, encoded; advances the player (and starts the next loop after the last frame of one). */
    public byte[] nextFrame() {
        if (finished()) {
            throw new IllegalStateException("the player has finished");
        }
        int end = Math.min(samples.length, position + frameSamples);
        boolean last = end == samples.length;
        long capture = loopStartWallMicros + Math.round(position * 1e6 / sampleRate);
        byte[] frame = FrameCodec.encodePcm16(sequence++, capture, sampleRate, samples, position, end, last);
        position = end;
        if (last) {
            long loopNanos = Math.round(samples.length * 1e9 / sampleRate / speed);
            loopStartNanos += loopNanos;
            loopStartWallMicros += Math.round(samples.length * 1e6 / sampleRate);
            position = 0;
            loop++;
        }
        return frame;
    }
}
