package org.earshot.sensor;

import org.earshot.audio.FrameCodec;
import org.earshot.audio.SensorFrame;

/**
 * Plays one recording as a simulated sensor: frames of {@code frameSamples} at the recording's rate, due when
 * their audio would have been captured in real time (times {@code speed}), each loop a new stream ending with the
 * end-of-stream flag. The capture clock of loop {@code n} starts at the wall-clock time the loop starts, so at speed
 * 1 a detection's latency is its arrival time minus the capture time of the event's end. With {@code endEachLoop}
 * false the loops form one stream, as a real sensor's capture never ends: only the last frame of the last loop carries
 * the end-of-stream flag. Not thread-safe: driven by one context.
 */
public final class StreamPlayer {
    private final float[] samples;
    private final int sampleRate;
    private final int frameSamples;
    private final int loops;
    private final double speed;
    private final boolean endEachLoop;
    private long sequence;
    private int loop;
    private int position;
    private long loopStartWallMicros;
    private long loopStartNanos;

    public StreamPlayer(float[] samples, int sampleRate, int frameSamples, int loops, double speed,
                        long firstSequence) {
        this(samples, sampleRate, frameSamples, loops, speed, firstSequence, true);
    }

    /** As above; {@code endEachLoop} false plays the loops as one stream. */
    public StreamPlayer(float[] samples, int sampleRate, int frameSamples, int loops, double speed,
                        long firstSequence, boolean endEachLoop) {
        if (samples.length == 0 || frameSamples < 1 || loops < 1 || !(speed > 0)) {
            throw new IllegalArgumentException("need audio, frameSamples >= 1, loops >= 1 and speed > 0");
        }
        this.samples = samples;
        this.sampleRate = sampleRate;
        this.frameSamples = frameSamples;
        this.loops = loops;
        this.speed = speed;
        this.sequence = firstSequence;
        this.endEachLoop = endEachLoop;
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

    /** Whether the next frame is the first of loop {@link #loop()}, starting at {@link #loopStartWallMicros()}. */
    public boolean atLoopStart() {
        return !finished() && position == 0;
    }

    /** The loop being played, from 0; {@code loops} once finished. */
    public int loop() {
        return loop;
    }

    /**
     * The capture-clock time of the current loop's first sample, in microseconds since the epoch: a detection's
     * capture-clock onset minus this is its position in the recording.
     */
    public long loopStartWallMicros() {
        return loopStartWallMicros;
    }

    /** The next frame, encoded; advances the player (and starts the next loop after the last frame of one). */
    public byte[] nextFrame() {
        return FrameCodec.encode(nextSensorFrame());
    }

    /** The next frame; advances the player (and starts the next loop after the last frame of one). */
    public SensorFrame nextSensorFrame() {
        if (finished()) {
            throw new IllegalStateException("the player has finished");
        }
        int end = Math.min(samples.length, position + frameSamples);
        boolean last = end == samples.length;
        long capture = loopStartWallMicros + Math.round(position * 1e6 / sampleRate);
        SensorFrame frame = FrameCodec.pcm16Frame(sequence++, capture, sampleRate, samples, position, end,
                last && (endEachLoop || loop == loops - 1));
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
