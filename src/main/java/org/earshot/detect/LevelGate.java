package org.earshot.detect;

import org.earshot.dsp.FrontEndSpec;

/**
 * Skips inference for windows that are quiet relative to the stream's own background, to save compute on quiet
 * sensors; one instance per stream. The noise floor is the 10th percentile of the frame levels of the last
 * {@code gateHistorySeconds} (a 0.1 dB histogram over a ring of frames). Because it is a low percentile, a burst
 * does not lift it, a drop of the background is followed within 10% of the history (3 s by default) and a rise only
 * once the new level fills 90% of it (27 s by default); while it lags, windows are classified, never skipped. A
 * window is gated (gets zero probabilities without a classifier call) only if the gate is enabled, at least
 * {@code gateWarmupSeconds} of frames have been seen, and its highest frame level is below both
 * {@code floor + gateMarginDb} and {@code gateCeilingDbfs}. {@link #gatedWindows()} and {@link #totalWindows()}
 * report the savings.
 */
public final class LevelGate {
    static final double FLOOR_PERCENTILE = 0.10;
    /** Histogram range; levels outside it count in the edge bins, which only matters for floors outside it. */
    static final double HISTOGRAM_MIN_DBFS = -160.0;
    static final double HISTOGRAM_MAX_DBFS = 20.0;
    static final double BIN_DB = 0.1;

    private final DetectorConfig config;
    private final int[] histogram;
    private final int[] ringBins;
    private final int warmupFrames;
    private long framesSeen;
    private long totalWindows;
    private long gatedWindows;

    public LevelGate(DetectorConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        this.config = config;
        histogram = new int[(int) Math.round((HISTOGRAM_MAX_DBFS - HISTOGRAM_MIN_DBFS) / BIN_DB)];
        ringBins = new int[(int) Math.round(config.gateHistorySeconds() / FrontEndSpec.FRAME_SECONDS)];
        warmupFrames = (int) Math.round(config.gateWarmupSeconds() / FrontEndSpec.FRAME_SECONDS);
    }

    /** Adds the level of the stream's next frame to the noise-floor history. */
    public void acceptFrame(double levelDbfs) {
        if (Double.isNaN(levelDbfs) || levelDbfs == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("frame level must be a level in dBFS or -Infinity, got " + levelDbfs);
        }
        int slot = (int) (framesSeen % ringBins.length);
        if (framesSeen >= ringBins.length) {
            histogram[ringBins[slot]]--;
        }
        int bin = binOf(levelDbfs);
        ringBins[slot] = bin;
        histogram[bin]++;
        framesSeen++;
    }

    /**
     * Decides whether the window whose highest frame level is {@code windowMaxDbfs} must be classified (true) or is
     * quiet and gated (false), and counts it. An unknown (NaN) level is always classified.
     */
    public boolean shouldClassify(double windowMaxDbfs) {
        totalWindows++;
        if (!config.gateEnabled() || Double.isNaN(windowMaxDbfs) || windowMaxDbfs >= config.gateCeilingDbfs()) {
            return true;
        }
        double floor = noiseFloorDbfs();
        if (Double.isNaN(floor) || windowMaxDbfs >= floor + config.gateMarginDb()) {
            return true;
        }
        gatedWindows++;
        return false;
    }

    /** The current noise floor in dBFS, rounded down to 0.1 dB (erring towards classifying), or NaN in warm-up. */
    public double noiseFloorDbfs() {
        int count = (int) Math.min(framesSeen, ringBins.length);
        if (framesSeen < warmupFrames || count == 0) {
            return Double.NaN;
        }
        int rank = Math.max(1, (int) Math.ceil(FLOOR_PERCENTILE * count));
        int cumulative = 0;
        for (int bin = 0; bin < histogram.length; bin++) {
            cumulative += histogram[bin];
            if (cumulative >= rank) {
                return HISTOGRAM_MIN_DBFS + bin * BIN_DB;
            }
        }
        throw new IllegalStateException("histogram holds fewer frames than counted");
    }

    public long gatedWindows() {
        return gatedWindows;
    }

    public long totalWindows() {
        return totalWindows;
    }

    private int binOf(double levelDbfs) {
        double position = (levelDbfs - HISTOGRAM_MIN_DBFS) / BIN_DB;
        if (position < 0) {
            return 0;
        }
        return (int) Math.min(histogram.length - 1, Math.floor(position));
    }
}
