package org.earshot.train;

import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.train.eval.ClipMetrics;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.EventMetrics;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * K-fold cross-validation over groups: K models, each trained with one fold of a K-fold group partition held out
 * ({@code earshot train --folds K --fold k}), each scoring the clips and the validation streams of its own fold.
 * Pooled over the folds, the figures cover every field recording of the dataset once, each measured by a model that
 * never trained on it, and the false alarms per hour are counted on all the background instead of a fifth of it.
 *
 * <p>Thresholds are chosen by {@link ThresholdCalibrator}'s rule on the pooled folds. Figures at those thresholds are
 * optimistic, since the thresholds saw the same data; {@link #nestedThresholds} chooses each fold's thresholds on the
 * other folds only, which measures the whole procedure (train, then calibrate on held-out data) without that bias.
 */
public final class CrossValidation {
    /** Index of the 0 dB stream in {@link ValidationData#STREAM_RATIOS_DB}. */
    public static final int ZERO_DB = indexOfRatio(0);

    /** One fold: its clips and streams, each scored once by the model that held this fold out. */
    public record Fold(String model, int fold, List<LoadedClip> clips, double[][] clipScores,
            List<ThresholdCalibrator.ScoredStream> mixed, ThresholdCalibrator.ScoredStream background) {

        /**
         * Scores the fold's clips (highest window score each) and its streams: events mixed into its background at
         * each of {@link ValidationData#STREAM_RATIOS_DB}, and the background alone, laid out with {@code seed}.
         */
        public static Fold score(String model, int fold, ValidationData data, Classifier classifier, long seed) {
            double[][] clipScores = Evaluation.clipScores(data.clips(), classifier, ThresholdCalibrator.config(0.5));
            List<ThresholdCalibrator.ScoredStream> mixed = new ArrayList<>();
            for (double ratio : ValidationData.STREAM_RATIOS_DB) {
                mixed.add(ThresholdCalibrator.ScoredStream.score(classifier, data.mixedStream(ratio, seed)));
            }
            return new Fold(model, fold, data.clips(), clipScores, mixed,
                    ThresholdCalibrator.ScoredStream.score(classifier, data.backgroundStream(seed)));
        }
    }

    private final List<Fold> folds;

    public CrossValidation(List<Fold> folds) {
        if (folds.isEmpty()) {
            throw new IllegalArgumentException("cross-validation needs at least one fold");
        }
        this.folds = List.copyOf(folds);
    }

    public List<Fold> folds() {
        return folds;
    }

    /** Pooled event metrics at each threshold (the same for every class): 0 dB streams and background. */
    public List<ThresholdCalibrator.SweepRow> sweep(double[] thresholds, double collarSeconds) {
        return ThresholdCalibrator.sweep(folds.stream().map(Fold::background).toList(),
                folds.stream().map(f -> f.mixed().get(ZERO_DB)).toList(), thresholds, collarSeconds);
    }

    /** Thresholds chosen on all the folds pooled: the ones to ship with a model trained on all the data. */
    public List<ThresholdCalibrator.Choice> thresholds(double targetFalseAlarmsPerHour, PrintStream log) {
        return ThresholdCalibrator.choose(gridRows(folds), targetFalseAlarmsPerHour, log);
    }

    /**
     * For each fold, in order, the thresholds chosen on the other folds pooled (with a single fold, its own): the
     * thresholds a model calibrated on held-out data would have brought to this fold.
     */
    public List<DetectorConfig> nestedThresholds(double targetFalseAlarmsPerHour) {
        List<DetectorConfig> configs = new ArrayList<>();
        for (Fold f : folds) {
            List<Fold> others = folds.size() == 1 ? folds : folds.stream().filter(o -> o != f).toList();
            configs.add(config(ThresholdCalibrator.choose(gridRows(others), targetFalseAlarmsPerHour, null)));
        }
        return configs;
    }

    /** Each fold's own sweep over the calibration grid, computed once: pooling a set of folds sums their counts. */
    private final Map<Fold, List<ThresholdCalibrator.SweepRow>> gridRows = new java.util.IdentityHashMap<>();

    private List<ThresholdCalibrator.SweepRow> gridRows(List<Fold> subset) {
        List<ThresholdCalibrator.SweepRow> pooled = null;
        for (Fold f : subset) {
            List<ThresholdCalibrator.SweepRow> rows = gridRows.computeIfAbsent(f, x -> ThresholdCalibrator.sweep(
                    List.of(x.background()), List.of(x.mixed().get(ZERO_DB)), ThresholdCalibrator.GRID,
                    EventMetrics.DEFAULT_COLLAR_SECONDS));
            if (pooled == null) {
                pooled = rows;
                continue;
            }
            List<ThresholdCalibrator.SweepRow> sum = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                sum.add(new ThresholdCalibrator.SweepRow(rows.get(i).threshold(),
                        add(pooled.get(i).mixed(), rows.get(i).mixed()),
                        add(pooled.get(i).background(), rows.get(i).background())));
            }
            pooled = sum;
        }
        return pooled;
    }

    /** Class results of two sets of recordings together (counts and durations add up). */
    static List<EventMetrics.ClassResult> add(List<EventMetrics.ClassResult> a, List<EventMetrics.ClassResult> b) {
        List<EventMetrics.ClassResult> out = new ArrayList<>();
        for (int c = 0; c < a.size(); c++) {
            EventMetrics.ClassResult x = a.get(c);
            EventMetrics.ClassResult y = b.get(c);
            out.add(new EventMetrics.ClassResult(x.label(), x.truePositives() + y.truePositives(),
                    x.falsePositives() + y.falsePositives(), x.falseNegatives() + y.falseNegatives(),
                    x.durationSeconds() + y.durationSeconds()));
        }
        return out;
    }

    /** The same configuration for every fold. */
    public List<DetectorConfig> everyFold(DetectorConfig config) {
        return folds.stream().map(f -> config).toList();
    }

    /** Detector settings with the chosen thresholds (off-thresholds at the default ratio). */
    public static DetectorConfig config(List<ThresholdCalibrator.Choice> choices) {
        float[] t = new float[choices.size()];
        for (int c = 0; c < t.length; c++) {
            t[c] = (float) choices.get(c).threshold();
        }
        return DetectorConfig.defaults(t);
    }

    /**
     * Pooled report of the streams at ratio index {@code ratio} ({@code -1}: the background alone), each fold detected
     * with its own configuration from {@code configs}: event metrics, windows scored and gated, recall per source.
     */
    public Evaluation.StreamReport pooled(String name, int ratio, List<DetectorConfig> configs, double collarSeconds) {
        EventMetrics m = new EventMetrics(collarSeconds);
        Map<String, int[]> bySource = new LinkedHashMap<>();
        long windows = 0;
        long gated = 0;
        double seconds = 0;
        for (int i = 0; i < folds.size(); i++) {
            ThresholdCalibrator.ScoredStream s = stream(folds.get(i), ratio);
            org.earshot.detect.FileDetector.Result r = s.detect(configs.get(i));
            List<Event> estimated = r.detections().stream().map(Event::of).toList();
            m.addRecording(s.stream().events(), estimated, s.stream().seconds());
            for (EventMetrics.Recall rec : m.recallBy(s.stream().events(), s.stream().sources(), estimated)) {
                int[] c = bySource.computeIfAbsent(rec.key(), k -> new int[2]);
                c[0] += rec.found();
                c[1] += rec.total();
            }
            windows += r.windows();
            gated += r.gatedWindows();
            seconds += s.stream().seconds();
        }
        List<EventMetrics.Recall> recalls = new ArrayList<>();
        bySource.forEach((k, c) -> recalls.add(new EventMetrics.Recall(k, c[0], c[1])));
        return new Evaluation.StreamReport(name, seconds, m.results(), windows, gated, recalls);
    }

    /** Event metrics of one fold's stream at ratio index {@code ratio} ({@code -1}: background). */
    public static List<EventMetrics.ClassResult> ofFold(Fold fold, int ratio, DetectorConfig config,
            double collarSeconds) {
        return ThresholdCalibrator.pooled(List.of(stream(fold, ratio)), config, collarSeconds);
    }

    /** Clip metrics over every fold's clips at {@code config}'s thresholds (ROC AUC over the pooled scores). */
    public List<ClipMetrics.ClassReport> clips(DetectorConfig config) {
        List<LoadedClip> clips = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();
        for (Fold f : folds) {
            clips.addAll(f.clips());
            scores.addAll(List.of(f.clipScores()));
        }
        return Evaluation.clips(clips, scores.toArray(new double[0][]), config);
    }

    private static ThresholdCalibrator.ScoredStream stream(Fold fold, int ratio) {
        return ratio < 0 ? fold.background() : fold.mixed().get(ratio);
    }

    private static int indexOfRatio(double ratio) {
        for (int i = 0; i < ValidationData.STREAM_RATIOS_DB.length; i++) {
            if (ValidationData.STREAM_RATIOS_DB[i] == ratio) {
                return i;
            }
        }
        throw new IllegalStateException("no " + ratio + " dB stream");
    }
}
