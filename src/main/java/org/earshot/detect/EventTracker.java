package org.earshot.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.earshot.dsp.FrontEndSpec;

/**
 * Turns one stream's per-window class probabilities into {@link Detection}s; one instance per stream, fed window
 * by window in time order, so live streams and offline files share the same code. Per class, independently:
 * <ul>
 *   <li><b>Hysteresis.</b> An event opens at the first window with {@code p >= threshold}, stays open while
 *       {@code p >= offThreshold} and closes at the first window below it. Its window span runs from the start of
 *       the first active window to the end ({@code start + 0.96 s}) of the last.</li>
 *   <li><b>Backtracking.</b> An event that opens looks back over the windows just before the one that opened it: up
 *       to {@value #BACKTRACK_WINDOWS} consecutive preceding windows at or above {@code offThreshold} belong to it
 *       (hysteresis applied backwards), and the earliest of them is its first window. A long sound such as a
 *       shout often reaches the threshold only in its second, third or fourth window; its onset lies in the first.</li>
 *   <li><b>Refinement.</b> With frame levels, the onset moves to the start of the loud stretch around the loudest
 *       frame of the first window: walking back from that frame while levels stay at or above
 *       {@code max - min(10 dB, (max - floor) / 2)}, where max and floor are that window's highest and
 *       10th-percentile frame levels. (The first frame of the window to reach that level would often be a loud
 *       moment of the background before the event.) The offset moves likewise to the end of the loud stretch
 *       around the loudest frame of the last active window. A window with less than 6 dB between floor and max, or
 *       with unknown levels, keeps its window time. Published times are the refined ones.</li>
 *   <li><b>Merge.</b> A closed event is held until no later event can start within {@code mergeGapSeconds} of its
 *       offset (that is, until the window after the current one would start at or after {@code offset +
 *       mergeGap}); an event that opens sooner is merged into it. Events are therefore emitted late by up to the
 *       merge gap. (The end-aligned last window of a stream may start less than a hop after the one before it; an
 *       event it opens within the merge gap of an event already emitted stays a separate event.)</li>
 *   <li><b>Minimum duration</b> is checked on the merged event's window span, not its refined times, because its
 *       job is to suppress classifier blips; short sounds such as impacts keep refined times shorter than one
 *       window.</li>
 * </ul>
 * Confidence is the highest probability over the event's active windows; the peak level is the highest frame level
 * from the refined onset to the end of the last active window.
 * <p>Live alerting cannot wait for the merge gap, so the tracker also notes each event as it opens (not when an event
 * re-opens into a held one): {@link #takeStarted()} returns these early views, whose offset is the end of the first
 * active window and whose confidence and peak are that window's. An event that the minimum duration later suppresses
 * has a start but no final detection.
 */
public final class EventTracker {
    /** An onset or offset frame reaches the window's max level less at most this much. */
    static final double REFINE_WITHIN_DB = 10.0;
    /** Below this floor-to-max contrast a window has no clear onset and keeps its window time. */
    static final double REFINE_MIN_CONTRAST_DB = 6.0;
    private static final double FLOOR_PERCENTILE = 0.10;
    private static final double DURATION_TOLERANCE = 1e-9;
    /**
     * How many windows before the opening one an event may reach back over: four hops, about 1.9 s, so that a shout
     * of two or three seconds whose score rises only towards its end still gets its onset.
     */
    static final int BACKTRACK_WINDOWS = 4;

    private final DetectorConfig config;
    private final Candidate[] candidates = new Candidate[Labels.CLASSES.size()];
    private double lastWindowStart = Double.NEGATIVE_INFINITY;
    private FrameEnergy lastLevels = FrameEnergy.NONE;
    private boolean flushed;
    private long droppedShortEvents;
    private final List<Detection> started = new ArrayList<>();
    /** Per class, the start and probability of the most recent windows, newest first. */
    private final double[][] recentStarts = new double[Labels.CLASSES.size()][BACKTRACK_WINDOWS];
    private final double[][] recentProbabilities = new double[Labels.CLASSES.size()][BACKTRACK_WINDOWS];

    public EventTracker(DetectorConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        this.config = config;
        for (double[] starts : recentStarts) {
            Arrays.fill(starts, Double.NEGATIVE_INFINITY);
        }
    }

    /**
     * Accepts the probabilities of the window starting at {@code windowStartSeconds} (later than the previous one)
     * and returns the events that are final now, ordered by onset.
     *
     * @param levels the stream's frame levels, covering at least this window and the previous one; {@link
     *               FrameEnergy#NONE} if there are none
     */
    public List<Detection> accept(double windowStartSeconds, float[] probabilities, FrameEnergy levels) {
        if (flushed) {
            throw new IllegalStateException("the stream was flushed; use a new EventTracker for a new stream");
        }
        if (!Double.isFinite(windowStartSeconds) || windowStartSeconds < 0) {
            throw new IllegalArgumentException("windowStartSeconds must be finite and >= 0, got " + windowStartSeconds);
        }
        if (windowStartSeconds <= lastWindowStart) {
            throw new IllegalArgumentException("windowStartSeconds must increase: got " + windowStartSeconds
                    + " after " + lastWindowStart);
        }
        checkProbabilities(probabilities);
        if (levels == null) {
            throw new IllegalArgumentException("levels must not be null (use FrameEnergy.NONE)");
        }
        lastWindowStart = windowStartSeconds;
        lastLevels = levels;
        List<Detection> ended = new ArrayList<>();
        for (int c = 0; c < candidates.length; c++) {
            step(c, windowStartSeconds, probabilities[c], levels, ended);
            remember(c, windowStartSeconds, probabilities[c]);
        }
        ended.sort(Comparator.comparingDouble(Detection::onset));
        return ended;
    }

    /** Ends the stream: closes open events at their last active window and returns every event not yet emitted. */
    public List<Detection> flush() {
        List<Detection> ended = new ArrayList<>();
        if (flushed) {
            return ended;
        }
        flushed = true;
        for (int c = 0; c < candidates.length; c++) {
            Candidate cand = candidates[c];
            if (cand == null) {
                continue;
            }
            if (cand.open) {
                cand.close(refinedOffset(cand, lastLevels));
            }
            emit(c, ended);
        }
        ended.sort(Comparator.comparingDouble(Detection::onset));
        return ended;
    }

    /** The events opened since the last call, in the order they opened (see the class comment). */
    public List<Detection> takeStarted() {
        List<Detection> taken = List.copyOf(started);
        started.clear();
        return taken;
    }

    /** Events dropped because their window span was shorter than {@code minDurationSeconds}. */
    public long droppedShortEvents() {
        return droppedShortEvents;
    }

    private void step(int c, double windowStart, double p, FrameEnergy levels, List<Detection> ended) {
        Candidate cand = candidates[c];
        if (cand != null && cand.open) {
            if (p >= config.offThreshold(c)) {
                cand.absorb(windowStart, p, levels);
            } else {
                cand.close(refinedOffset(cand, levels));
            }
        } else if (p >= config.threshold(c)) {
            double firstStart = backtrack(c, windowStart);
            double onset = refinedOnset(firstStart, levels);
            if (cand != null && onset - cand.offset < config.mergeGapSeconds()) {
                cand.open = true;
                cand.absorb(windowStart, p, levels);
            } else {
                if (cand != null) {
                    emit(c, ended);
                }
                cand = new Candidate(onset, firstStart);
                cand.absorb(windowStart, p, levels);
                candidates[c] = cand;
                started.add(new Detection(Labels.CLASSES.get(c), onset, windowStart + FrontEndSpec.PATCH_SECONDS,
                        p, Double.isFinite(cand.peakDbfs) ? cand.peakDbfs : Double.NaN));
            }
        }
        // Every later event starts at or after the next window's start (one hop on), so once that start is past
        // the merge gap none can merge into this one any more: emit now rather than a window later.
        if (cand != null && !cand.open
                && windowStart + config.hopSeconds() >= cand.offset + config.mergeGapSeconds()) {
            emit(c, ended);
        }
    }

    private void remember(int c, double windowStart, double p) {
        for (int i = BACKTRACK_WINDOWS - 1; i > 0; i--) {
            recentStarts[c][i] = recentStarts[c][i - 1];
            recentProbabilities[c][i] = recentProbabilities[c][i - 1];
        }
        recentStarts[c][0] = windowStart;
        recentProbabilities[c][0] = p;
    }

    /**
     * The start of the earliest window of the run of consecutive windows (one hop apart, at most {@link
     * #BACKTRACK_WINDOWS}) just before this one whose probability reached the off-threshold; this window's start if
     * there is none. The window after a closed event is below the off-threshold, so a run never reaches into it.
     */
    private double backtrack(int c, double windowStart) {
        double first = windowStart;
        double hop = config.hopSeconds();
        for (int i = 0; i < BACKTRACK_WINDOWS; i++) {
            double start = recentStarts[c][i];
            boolean adjacent = Math.abs(first - start - hop) < FrontEndSpec.FRAME_SECONDS / 2;
            if (!adjacent || recentProbabilities[c][i] < config.offThreshold(c)) {
                break;
            }
            first = start;
        }
        return first;
    }

    private void emit(int c, List<Detection> ended) {
        Candidate cand = candidates[c];
        candidates[c] = null;
        double windowSpan = cand.lastActiveStart + FrontEndSpec.PATCH_SECONDS - cand.firstActiveStart;
        if (windowSpan + DURATION_TOLERANCE < config.minDurationSeconds()) {
            droppedShortEvents++;
            return;
        }
        double peak = Double.isFinite(cand.peakDbfs) ? cand.peakDbfs : Double.NaN;
        ended.add(new Detection(Labels.CLASSES.get(c), cand.onset, cand.offset, cand.confidence, peak));
    }

    private static double refinedOnset(double windowStart, FrameEnergy levels) {
        long first = frameOf(windowStart);
        double[] window = windowLevels(levels, first);
        double reach = window == null ? Double.NaN : reachLevel(window);
        if (Double.isNaN(reach)) {
            return windowStart;
        }
        int j = loudest(window);
        while (j > 0 && window[j - 1] >= reach) {
            j--;
        }
        return Math.max(windowStart, (first + j) * FrontEndSpec.FRAME_SECONDS);
    }

    private static double refinedOffset(Candidate cand, FrameEnergy levels) {
        double coarse = cand.lastActiveStart + FrontEndSpec.PATCH_SECONDS;
        long first = frameOf(cand.lastActiveStart);
        double[] window = windowLevels(levels, first);
        double reach = window == null ? Double.NaN : reachLevel(window);
        if (Double.isNaN(reach)) {
            return coarse;
        }
        int j = loudest(window);
        while (j < window.length - 1 && window[j + 1] >= reach) {
            j++;
        }
        double offset = Math.min(coarse, (first + j + 1) * FrontEndSpec.FRAME_SECONDS);
        return Math.max(offset, cand.onset + FrontEndSpec.FRAME_SECONDS);
    }

    private static int loudest(double[] window) {
        int best = 0;
        for (int i = 1; i < window.length; i++) {
            if (window[i] > window[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The level an onset or offset frame must reach in this window, or NaN if the window has no clear contrast. */
    private static double reachLevel(double[] window) {
        double[] sorted = window.clone();
        Arrays.sort(sorted);
        double max = sorted[sorted.length - 1];
        double floor = sorted[(int) (FLOOR_PERCENTILE * sorted.length)];
        double contrast = max - floor;
        if (!(contrast >= REFINE_MIN_CONTRAST_DB) || !Double.isFinite(max)) {
            return Double.NaN;
        }
        return max - Math.min(REFINE_WITHIN_DB, contrast / 2);
    }

    private static double[] windowLevels(FrameEnergy levels, long firstFrame) {
        double[] window = new double[FrontEndSpec.PATCH_FRAMES];
        for (int i = 0; i < window.length; i++) {
            window[i] = levels.levelDbfs(firstFrame + i);
            if (Double.isNaN(window[i])) {
                return null;
            }
        }
        return window;
    }

    private static long frameOf(double seconds) {
        return Math.round(seconds / FrontEndSpec.FRAME_SECONDS);
    }

    private static void checkProbabilities(float[] probabilities) {
        if (probabilities == null || probabilities.length != Labels.CLASSES.size()) {
            throw new IllegalArgumentException("probabilities must have one value per class " + Labels.CLASSES);
        }
        for (int c = 0; c < probabilities.length; c++) {
            float p = probabilities[c];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("probabilities[" + c + "] (" + Labels.CLASSES.get(c)
                        + ") must be in [0, 1], got " + p);
            }
        }
    }

    /** One class's current event: open, or closed and waiting for the merge gap to pass. */
    private static final class Candidate {
        final double onset;
        final double firstActiveStart;
        double lastActiveStart;
        double offset = Double.NaN;
        double confidence;
        double peakDbfs = Double.NEGATIVE_INFINITY;
        boolean open = true;
        private boolean absorbed;

        Candidate(double onset, double firstActiveStart) {
            this.onset = onset;
            this.firstActiveStart = firstActiveStart;
        }

        void absorb(double windowStart, double p, FrameEnergy levels) {
            lastActiveStart = windowStart;
            confidence = Math.max(confidence, p);
            // The first window absorbed may start after the onset (backtracking): its peak counts from the onset.
            long from = absorbed ? Math.max(frameOf(windowStart), frameOf(onset)) : frameOf(onset);
            absorbed = true;
            long to = frameOf(windowStart) + FrontEndSpec.PATCH_FRAMES;
            for (long i = from; i < to; i++) {
                double level = levels.levelDbfs(i);
                if (level > peakDbfs) {
                    peakDbfs = level;
                }
            }
        }

        void close(double offset) {
            this.offset = offset;
            open = false;
        }
    }
}
