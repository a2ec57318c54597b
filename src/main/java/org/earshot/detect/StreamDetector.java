package org.earshot.detect;

import java.util.ArrayList;
import java.util.List;

import org.earshot.dsp.FrontEndSpec;

/**
 * Detection for one stream, from log-mel frames to {@link Detection}s: it keeps the last window of frames, forms a
 * 0.96 s window every hop, lets the {@link LevelGate} skip quiet windows, scores the others with the
 * {@link Classifier} in batches of up to {@code maxBatchWindows} (a batch is run once that many windows, gated
 * ones included, are waiting), and feeds all windows in order to its
 * {@link EventTracker}. Live streams call {@link #accept} as frames arrive (use a batch of 1 there, or batch across
 * sensors elsewhere, since a batch waits for its windows); offline detection ({@link FileDetector}) feeds a whole
 * file and calls {@link #flush()}. At the end of the stream, frames not covered by any window are scored in one last window aligned
 * to the end (padded with log-mel silence if the stream is shorter than a window). Not thread-safe.
 */
public final class StreamDetector {
    private static final float LOG_MEL_SILENCE = (float) Math.log(FrontEndSpec.LOG_OFFSET);

    private final Classifier classifier;
    private final int maxBatchWindows;
    private final int hopFrames;
    private final EventTracker tracker;
    private final LevelGate gate;
    private final FrameLevels levels;
    private final float[][] recentFrames = new float[FrontEndSpec.PATCH_FRAMES][];
    private final List<PendingWindow> pending = new ArrayList<>();
    private int pendingToClassify;
    private long frames;
    private long lastWindowStartFrame = -1;
    private boolean flushed;

    public StreamDetector(Classifier classifier, DetectorConfig config, int maxBatchWindows) {
        if (classifier == null) {
            throw new IllegalArgumentException("classifier must not be null");
        }
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        if (maxBatchWindows < 1) {
            throw new IllegalArgumentException("maxBatchWindows must be >= 1, got " + maxBatchWindows);
        }
        this.classifier = classifier;
        this.maxBatchWindows = maxBatchWindows;
        this.hopFrames = config.hopFrames();
        this.tracker = new EventTracker(config);
        this.gate = new LevelGate(config);
        // Pending windows, the windows before them (offset refinement, and the tracker's backtracking over up to
        // BACKTRACK_WINDOWS earlier windows for onsets) and the end-aligned last window must be held.
        this.levels = new FrameLevels(FrontEndSpec.PATCH_FRAMES
                + (maxBatchWindows + 2 + EventTracker.BACKTRACK_WINDOWS) * hopFrames);
    }

    /** Feeds consecutive frames ({@code MEL_BANDS} log-mel values each) with their levels in dBFS. */
    public List<Detection> accept(float[][] melFrames, double[] levelsDbfs) {
        if (melFrames == null || levelsDbfs == null || melFrames.length != levelsDbfs.length) {
            throw new IllegalArgumentException("melFrames and levelsDbfs must be non-null and of equal length");
        }
        List<Detection> ended = new ArrayList<>();
        for (int i = 0; i < melFrames.length; i++) {
            ended.addAll(accept(melFrames[i], levelsDbfs[i]));
        }
        return ended;
    }

    /** Feeds the stream's next frame and returns the events that are final now. */
    public List<Detection> accept(float[] melFrame, double levelDbfs) {
        if (flushed) {
            throw new IllegalStateException("the stream was flushed; use a new StreamDetector for a new stream");
        }
        if (melFrame == null || melFrame.length != FrontEndSpec.MEL_BANDS) {
            throw new IllegalArgumentException("a log-mel frame must have " + FrontEndSpec.MEL_BANDS + " values (frame "
                    + frames + ")");
        }
        for (float v : melFrame) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("log-mel values must be finite, got " + v + " in frame " + frames);
            }
        }
        levels.append(levelDbfs);
        gate.acceptFrame(levelDbfs);
        recentFrames[(int) (frames % FrontEndSpec.PATCH_FRAMES)] = melFrame.clone();
        frames++;
        List<Detection> ended = new ArrayList<>();
        long start = frames - FrontEndSpec.PATCH_FRAMES;
        if (start >= 0 && start % hopFrames == 0) {
            addWindow(start, ended);
        }
        return ended;
    }

    /** Ends the stream: scores the uncovered tail, runs the last batch and returns all remaining events. */
    public List<Detection> flush() {
        List<Detection> ended = new ArrayList<>();
        if (flushed) {
            return ended;
        }
        flushed = true;
        boolean tailUncovered = lastWindowStartFrame < 0
                ? frames > 0
                : frames > lastWindowStartFrame + FrontEndSpec.PATCH_FRAMES;
        if (tailUncovered) {
            pending.add(windowAt(Math.max(0, frames - FrontEndSpec.PATCH_FRAMES)));
        }
        drain(ended);
        ended.addAll(tracker.flush());
        return ended;
    }

    /** Events opened since the last call, before they are final: for live alerts ({@link EventTracker#takeStarted}). */
    public List<Detection> takeStarted() {
        return tracker.takeStarted();
    }

    public long gatedWindows() {
        return gate.gatedWindows();
    }

    public long totalWindows() {
        return gate.totalWindows();
    }

    /** Frames fed so far. */
    public long frames() {
        return frames;
    }

    private void addWindow(long start, List<Detection> ended) {
        pending.add(windowAt(start));
        // Gated windows need no classifier, but must wait behind any window that does, to keep the tracker in order;
        // counting them towards the batch bounds both the delay and the frame levels that must be kept.
        if (pending.size() >= maxBatchWindows || pendingToClassify == 0) {
            drain(ended);
        }
    }

    private PendingWindow windowAt(long start) {
        lastWindowStartFrame = start;
        double windowMax = levels.maxDbfs(start, start + FrontEndSpec.PATCH_FRAMES);
        if (!gate.shouldClassify(windowMax)) {
            return new PendingWindow(start, null);
        }
        pendingToClassify++;
        return new PendingWindow(start, patchAt(start));
    }

    /** The window's patch in mel-major order, as {@link Classifier} expects. */
    private float[] patchAt(long start) {
        float[] patch = new float[FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES];
        for (int f = 0; f < FrontEndSpec.PATCH_FRAMES; f++) {
            long frame = start + f;
            float[] values = frame < frames ? recentFrames[(int) (frame % FrontEndSpec.PATCH_FRAMES)] : null;
            for (int mel = 0; mel < FrontEndSpec.MEL_BANDS; mel++) {
                patch[mel * FrontEndSpec.PATCH_FRAMES + f] = values == null ? LOG_MEL_SILENCE : values[mel];
            }
        }
        return patch;
    }

    private void drain(List<Detection> ended) {
        float[][] scores = new float[0][];
        if (pendingToClassify > 0) {
            float[][] patches = new float[pendingToClassify][];
            int i = 0;
            for (PendingWindow window : pending) {
                if (window.patch() != null) {
                    patches[i++] = window.patch();
                }
            }
            scores = classifier.classify(patches);
            if (scores == null || scores.length != patches.length) {
                throw new IllegalStateException("classifier returned " + (scores == null ? "null" : scores.length
                        + " rows") + " for " + patches.length + " patches");
            }
        }
        float[] quiet = new float[Labels.CLASSES.size()];
        int row = 0;
        for (PendingWindow window : pending) {
            float[] probabilities = window.patch() == null ? quiet : scores[row++];
            ended.addAll(tracker.accept(window.startFrame() * FrontEndSpec.FRAME_SECONDS, probabilities, levels));
        }
        pending.clear();
        pendingToClassify = 0;
    }

    private record PendingWindow(long startFrame, float[] patch) {}
}
