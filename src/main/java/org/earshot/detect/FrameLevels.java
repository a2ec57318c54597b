package org.earshot.detect;

/**
 * A ring buffer holding the most recent per-frame levels (dBFS) of one stream, appended as the front end computes
 * frames; older frames fall out once {@code capacityFrames} newer ones have arrived and then read as NaN. It is the
 * {@link FrameEnergy} the {@link StreamDetector} gives its tracker, and holds levels only, never audio.
 */
public final class FrameLevels implements FrameEnergy {
    private final double[] ring;
    private long appended;

    public FrameLevels(int capacityFrames) {
        if (capacityFrames <= 0) {
            throw new IllegalArgumentException("capacityFrames must be > 0, got " + capacityFrames);
        }
        ring = new double[capacityFrames];
    }

    /** Appends the level of the next frame; NaN and {@code +Infinity} are rejected. */
    public void append(double levelDbfs) {
        if (Double.isNaN(levelDbfs) || levelDbfs == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("frame level must be a level in dBFS or -Infinity, got " + levelDbfs
                    + " at frame " + appended);
        }
        ring[(int) (appended % ring.length)] = levelDbfs;
        appended++;
    }

    /** Number of frames appended since the start of the stream (the index the next frame will get). */
    public long framesAppended() {
        return appended;
    }

    public int capacityFrames() {
        return ring.length;
    }

    @Override
    public double levelDbfs(long frameIndex) {
        if (frameIndex < 0 || frameIndex >= appended || frameIndex < appended - ring.length) {
            return Double.NaN;
        }
        return ring[(int) (frameIndex % ring.length)];
    }

    /** Highest known level in {@code [fromFrame, toFrame)}, or NaN if none of those frames is known. */
    public double maxDbfs(long fromFrame, long toFrame) {
        double max = Double.NaN;
        for (long i = fromFrame; i < toFrame; i++) {
            double level = levelDbfs(i);
            if (!Double.isNaN(level) && (Double.isNaN(max) || level > max)) {
                max = level;
            }
        }
        return max;
    }
}
