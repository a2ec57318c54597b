package org.earshot.detect;

/**
 * Per-frame sound levels of one stream, addressed by front-end frame index from the start of the stream (frame
 * {@code i} starts at {@code i * FrontEndSpec.FRAME_SECONDS}). The {@link EventTracker} reads them to refine event
 * onsets and offsets below the window resolution and to report peak levels; a level that is not (or no longer) known
 * is NaN, and the tracker then falls back to window times.
 */
@FunctionalInterface
public interface FrameEnergy {
    /** Levels are unknown for every frame: detections keep window times and a NaN peak. */
    FrameEnergy NONE = frameIndex -> Double.NaN;

    /** Level of a frame in dBFS ({@code -Infinity} for digital silence), or NaN if unknown. */
    double levelDbfs(long frameIndex);
}
