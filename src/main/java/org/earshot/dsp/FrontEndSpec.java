package org.earshot.dsp;

/**
 * The log-mel front-end contract of DESIGN.md, written once. The YAMNet-256 weights are only meaningful with exactly
 * these values, so they are constants, not configuration.
 */
public final class FrontEndSpec {
    public static final int SAMPLE_RATE = 16_000;
    /** 25 ms Hann window. */
    public static final int WINDOW_LENGTH = 400;
    public static final int FFT_SIZE = 512;
    /** 10 ms hop. */
    public static final int HOP_LENGTH = 160;
    public static final int MEL_BANDS = 64;
    public static final double MEL_MIN_HZ = 125.0;
    public static final double MEL_MAX_HZ = 7500.0;
    public static final double LOG_OFFSET = 0.001;
    /** Frames in one classifier window (0.96 s). */
    public static final int PATCH_FRAMES = 96;
    public static final double FRAME_SECONDS = HOP_LENGTH / (double) SAMPLE_RATE;
    public static final double PATCH_SECONDS = PATCH_FRAMES * FRAME_SECONDS;

    private FrontEndSpec() {}
}
