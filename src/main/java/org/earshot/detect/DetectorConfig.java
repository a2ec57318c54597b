package org.earshot.detect;

import java.util.ArrayList;
import java.util.List;

import org.earshot.dsp.FrontEndSpec;

/**
 * Parameters of the event detector for one stream: per-class on-thresholds and hysteresis off-thresholds (lists
 * indexed like {@link Labels#CLASSES}), the minimum event duration, the gap below which same-class events merge, the
 * window hop, and the {@link LevelGate} parameters. The constructor rejects bad values with a message naming the
 * field and never clamps; the defaults are the {@code DEFAULT_*} constants of this record and nowhere else. Units
 * are seconds and dB; {@code gateCeilingDbfs} may be {@code +Infinity} to gate on the relative margin alone.
 */
public record DetectorConfig(
        List<Double> thresholds,
        List<Double> offThresholds,
        double minDurationSeconds,
        double mergeGapSeconds,
        double hopSeconds,
        boolean gateEnabled,
        double gateMarginDb,
        double gateCeilingDbfs,
        double gateHistorySeconds,
        double gateWarmupSeconds) {

    /** Default off-threshold as a fraction of the on-threshold. */
    public static final double DEFAULT_OFF_RATIO = 0.6;
    /** Zero: impacts and glass breaks are legitimately shorter than one window. */
    public static final double DEFAULT_MIN_DURATION_SECONDS = 0.0;
    public static final double DEFAULT_MERGE_GAP_SECONDS = 0.5;
    public static final double DEFAULT_HOP_SECONDS = 0.48;
    public static final double MAX_HOP_SECONDS = 0.5;
    public static final boolean DEFAULT_GATE_ENABLED = true;
    public static final double DEFAULT_GATE_MARGIN_DB = 10.0;
    /** Windows with any frame at or above this level are always classified, however high the floor has risen. */
    public static final double DEFAULT_GATE_CEILING_DBFS = -30.0;
    public static final double DEFAULT_GATE_HISTORY_SECONDS = 30.0;
    public static final double DEFAULT_GATE_WARMUP_SECONDS = 5.0;

    private static final double FRAME_TOLERANCE = 1e-9;

    public DetectorConfig {
        thresholds = checkedProbabilities("thresholds", thresholds);
        offThresholds = checkedProbabilities("offThresholds", offThresholds);
        for (int c = 0; c < thresholds.size(); c++) {
            if (offThresholds.get(c) > thresholds.get(c)) {
                throw new IllegalArgumentException("offThresholds[" + Labels.CLASSES.get(c) + "] must be <= thresholds["
                        + Labels.CLASSES.get(c) + "] (" + thresholds.get(c) + "), got " + offThresholds.get(c));
            }
        }
        requireNonNegative("minDurationSeconds", minDurationSeconds);
        requireNonNegative("mergeGapSeconds", mergeGapSeconds);
        if (!(hopSeconds > 0 && hopSeconds <= MAX_HOP_SECONDS)) {
            throw new IllegalArgumentException("hopSeconds must be in (0, " + MAX_HOP_SECONDS + "], got " + hopSeconds);
        }
        double frames = hopSeconds / FrontEndSpec.FRAME_SECONDS;
        if (Math.abs(frames - Math.rint(frames)) > FRAME_TOLERANCE * Math.max(1, frames)) {
            throw new IllegalArgumentException("hopSeconds must be a whole number of " + FrontEndSpec.FRAME_SECONDS
                    + " s frames, got " + hopSeconds);
        }
        requireNonNegative("gateMarginDb", gateMarginDb);
        if (Double.isNaN(gateCeilingDbfs) || gateCeilingDbfs == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("gateCeilingDbfs must be a level in dBFS or +Infinity, got "
                    + gateCeilingDbfs);
        }
        if (!(Double.isFinite(gateHistorySeconds) && gateHistorySeconds >= 1.0)) {
            throw new IllegalArgumentException("gateHistorySeconds must be finite and >= 1, got " + gateHistorySeconds);
        }
        if (!(gateWarmupSeconds >= 0 && gateWarmupSeconds <= gateHistorySeconds)) {
            throw new IllegalArgumentException("gateWarmupSeconds must be in [0, gateHistorySeconds ("
                    + gateHistorySeconds + ")], got " + gateWarmupSeconds);
        }
    }

    /** Default parameters around per-class on-thresholds (for example a model manifest's), in class order. */
    public static DetectorConfig defaults(float[] thresholds) {
        if (thresholds == null || thresholds.length != Labels.CLASSES.size()) {
            throw new IllegalArgumentException("thresholds must have one value per class " + Labels.CLASSES);
        }
        List<Double> on = new ArrayList<>();
        List<Double> off = new ArrayList<>();
        for (float t : thresholds) {
            on.add((double) t);
            off.add(t * DEFAULT_OFF_RATIO);
        }
        return new DetectorConfig(on, off, DEFAULT_MIN_DURATION_SECONDS, DEFAULT_MERGE_GAP_SECONDS,
                DEFAULT_HOP_SECONDS, DEFAULT_GATE_ENABLED, DEFAULT_GATE_MARGIN_DB, DEFAULT_GATE_CEILING_DBFS,
                DEFAULT_GATE_HISTORY_SECONDS, DEFAULT_GATE_WARMUP_SECONDS);
    }

    /**
     * Replaces one class's on-threshold (a CLI override). The off-threshold keeps its ratio to the on-threshold, so
     * hysteresis stays as configured.
     */
    public DetectorConfig withThreshold(String label, double threshold) {
        int c = classIndex(label);
        double ratio = offThresholds.get(c) / thresholds.get(c);
        return withThresholds(c, threshold, threshold * ratio);
    }

    /** Replaces one class's off-threshold. */
    public DetectorConfig withOffThreshold(String label, double offThreshold) {
        int c = classIndex(label);
        return withThresholds(c, thresholds.get(c), offThreshold);
    }

    public DetectorConfig withMinDurationSeconds(double seconds) {
        return new DetectorConfig(thresholds, offThresholds, seconds, mergeGapSeconds, hopSeconds, gateEnabled,
                gateMarginDb, gateCeilingDbfs, gateHistorySeconds, gateWarmupSeconds);
    }

    public DetectorConfig withMergeGapSeconds(double seconds) {
        return new DetectorConfig(thresholds, offThresholds, minDurationSeconds, seconds, hopSeconds, gateEnabled,
                gateMarginDb, gateCeilingDbfs, gateHistorySeconds, gateWarmupSeconds);
    }

    public DetectorConfig withHopSeconds(double seconds) {
        return new DetectorConfig(thresholds, offThresholds, minDurationSeconds, mergeGapSeconds, seconds, gateEnabled,
                gateMarginDb, gateCeilingDbfs, gateHistorySeconds, gateWarmupSeconds);
    }

    public DetectorConfig withGateEnabled(boolean enabled) {
        return new DetectorConfig(thresholds, offThresholds, minDurationSeconds, mergeGapSeconds, hopSeconds, enabled,
                gateMarginDb, gateCeilingDbfs, gateHistorySeconds, gateWarmupSeconds);
    }

    /** The hop in front-end frames (validated to be whole). */
    public int hopFrames() {
        return (int) Math.rint(hopSeconds / FrontEndSpec.FRAME_SECONDS);
    }

    public double threshold(int classIndex) {
        return thresholds.get(classIndex);
    }

    public double offThreshold(int classIndex) {
        return offThresholds.get(classIndex);
    }

    private DetectorConfig withThresholds(int c, double on, double off) {
        List<Double> newOn = new ArrayList<>(thresholds);
        List<Double> newOff = new ArrayList<>(offThresholds);
        newOn.set(c, on);
        newOff.set(c, off);
        return new DetectorConfig(newOn, newOff, minDurationSeconds, mergeGapSeconds, hopSeconds, gateEnabled,
                gateMarginDb, gateCeilingDbfs, gateHistorySeconds, gateWarmupSeconds);
    }

    private static int classIndex(String label) {
        int c = Labels.indexOf(label);
        if (c < 0) {
            throw new IllegalArgumentException("unknown class '" + label + "', expected one of " + Labels.CLASSES);
        }
        return c;
    }

    private static List<Double> checkedProbabilities(String field, List<Double> values) {
        if (values == null || values.size() != Labels.CLASSES.size()) {
            throw new IllegalArgumentException(field + " must have one value per class " + Labels.CLASSES + ", got "
                    + values);
        }
        for (int c = 0; c < values.size(); c++) {
            Double v = values.get(c);
            if (v == null || !(v > 0 && v <= 1)) {
                throw new IllegalArgumentException(field + "[" + Labels.CLASSES.get(c) + "] must be in (0, 1], got "
                        + v);
            }
        }
        return List.copyOf(values);
    }

    private static void requireNonNegative(String field, double value) {
        if (!(Double.isFinite(value) && value >= 0)) {
            throw new IllegalArgumentException(field + " must be finite and >= 0, got " + value);
        }
    }
}
