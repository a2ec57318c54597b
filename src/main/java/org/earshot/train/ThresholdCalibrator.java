package org.earshot.train;

import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.FileDetector;
import org.earshot.detect.Labels;
import org.earshot.dsp.LogMel;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.EventMetrics;

import java.io.PrintStream;
import java.util.List;

/**
 * Chooses per-class detection thresholds on validation streams: among thresholds whose false alarms per hour on the
 * background-only stream stay within the target, the one with the best event-based F1 on the 0 dB stream (ties go
 * to the higher threshold, the more conservative choice). When no threshold meets the target, the one with the
 * fewest background false alarms (then the best F1) is taken, and a warning says what it reaches. Each stream is scored by the network once; the event
 * tracker is re-run for each candidate threshold on the recorded scores.
 */
public final class ThresholdCalibrator {

    /** The chosen threshold of each class and the validation figures it gave. */
    public record Choice(String label, double threshold, double f1, double backgroundFalseAlarmsPerHour) {}

    /**
     * Candidate thresholds: 0.05 to 0.99 in steps of 0.01, then finer towards 1 (0.992 to 0.998, and 0.999), where
     * a network's scores for its most confident windows crowd together.
     */
    static final double[] GRID = grid();

    private ThresholdCalibrator() {}

    private static double[] grid() {
        double[] fine = {0.992, 0.994, 0.996, 0.998, 0.999};
        double[] grid = new double[95 + fine.length];
        for (int k = 0; k < 95; k++) {
            grid[k] = (k + 5) / 100.0;
        }
        System.arraycopy(fine, 0, grid, 95, fine.length);
        return grid;
    }

    /** Event metrics of every class at one threshold: on the 0 dB stream and on the background stream. */
    public record SweepRow(double threshold, List<EventMetrics.ClassResult> mixed,
            List<EventMetrics.ClassResult> background) {}

    /**
     * A stream scored once by a network: the tracker can be re-run on its recorded scores for any thresholds (with
     * the same hop and level gate, which decide which windows are scored). Its front end (log-mel frames and frame
     * levels) is computed once too and kept for those runs.
     */
    public record ScoredStream(StreamGenerator.Stream stream, float[][] mel, double[] levels,
            RecordingClassifier scores) {
        public static ScoredStream score(Classifier classifier, StreamGenerator.Stream stream) {
            float[][] mel = new LogMel().compute(stream.samples());
            double[] levels = FileDetector.frameLevels(stream.samples(), mel.length);
            RecordingClassifier recorder = new RecordingClassifier(classifier);
            ScoredStream scored = new ScoredStream(stream, mel, levels, recorder);
            FileDetector.detect(mel, levels, stream.seconds(), recorder, config(0.5));
            return scored;
        }

        /** Detection on the recorded scores; {@code config} must keep the default hop and gate. */
        public FileDetector.Result detect(DetectorConfig config) {
            return FileDetector.detect(mel, levels, stream.seconds(), scores.replay(), config);
        }

        /** The detected events at {@code config}. */
        public List<Event> events(DetectorConfig config) {
            return detect(config).detections().stream().map(Event::of).toList();
        }
    }

    /** Scores both streams once, then runs the detector at each threshold (the same for every class). */
    public static List<SweepRow> sweep(Classifier classifier, StreamGenerator.Stream background,
            StreamGenerator.Stream mixed, double[] thresholds) {
        return sweep(classifier, background, mixed, thresholds, EventMetrics.DEFAULT_COLLAR_SECONDS);
    }

    /** As {@link #sweep(Classifier, StreamGenerator.Stream, StreamGenerator.Stream, double[])} with another collar. */
    public static List<SweepRow> sweep(Classifier classifier, StreamGenerator.Stream background,
            StreamGenerator.Stream mixed, double[] thresholds, double collarSeconds) {
        return sweep(List.of(ScoredStream.score(classifier, background)), List.of(ScoredStream.score(classifier, mixed)),
                thresholds, collarSeconds);
    }

    /**
     * Event metrics pooled over several scored streams (for cross-validation: each fold's streams scored by its own
     * model) at each threshold, the same for every class.
     */
    public static List<SweepRow> sweep(List<ScoredStream> background, List<ScoredStream> mixed, double[] thresholds,
            double collarSeconds) {
        List<SweepRow> rows = new java.util.ArrayList<>();
        for (double t : thresholds) {
            DetectorConfig config = config(t);
            rows.add(new SweepRow(t, pooled(mixed, config, collarSeconds), pooled(background, config, collarSeconds)));
        }
        return rows;
    }

    /** Event metrics of every class over all the streams together, at {@code config}. */
    public static List<EventMetrics.ClassResult> pooled(List<ScoredStream> streams, DetectorConfig config,
            double collarSeconds) {
        EventMetrics m = new EventMetrics(collarSeconds);
        for (ScoredStream s : streams) {
            m.addRecording(s.stream().events(), s.events(config), s.stream().seconds());
        }
        return m.results();
    }

    public static List<Choice> calibrate(Classifier classifier, StreamGenerator.Stream background,
            StreamGenerator.Stream mixed, double targetFalseAlarmsPerHour, PrintStream log) {
        return choose(sweep(classifier, background, mixed, GRID), targetFalseAlarmsPerHour, log);
    }

    /**
     * The rule of this class applied to the rows of a sweep over {@link #GRID} (pooled or not). Logs each choice and
     * a warning for each class that no threshold keeps within the target; {@code log} may be null.
     */
    public static List<Choice> choose(List<SweepRow> rows, double targetFalseAlarmsPerHour, PrintStream log) {
        int classes = Labels.CLASSES.size();
        double[] bestF1 = new double[classes];
        double[] bestT = new double[classes];
        double[] bestFa = new double[classes];
        java.util.Arrays.fill(bestF1, -1);
        double[] fallbackFa = new double[classes];
        double[] fallbackF1 = new double[classes];
        double[] fallbackT = new double[classes];
        java.util.Arrays.fill(fallbackFa, Double.POSITIVE_INFINITY);
        for (SweepRow row : rows) {
            double t = row.threshold();
            for (int c = 0; c < classes; c++) {
                double fa = row.background().get(c).falseAlarmsPerHour();
                double f1 = row.mixed().get(c).f1();
                double f1OrZero = Double.isNaN(f1) ? 0 : f1;
                if (fa < fallbackFa[c] || (fa == fallbackFa[c] && f1OrZero >= fallbackF1[c])) {
                    fallbackFa[c] = fa;
                    fallbackF1[c] = f1OrZero;
                    fallbackT[c] = t;
                }
                if (fa <= targetFalseAlarmsPerHour && f1OrZero >= bestF1[c]) {
                    bestF1[c] = f1OrZero;
                    bestT[c] = t;
                    bestFa[c] = fa;
                }
            }
        }
        List<Choice> choices = new java.util.ArrayList<>();
        for (int c = 0; c < classes; c++) {
            if (bestF1[c] < 0) {
                bestT[c] = fallbackT[c];
                bestF1[c] = fallbackF1[c];
                bestFa[c] = fallbackFa[c];
                if (log != null) {
                    log.printf("warning: no threshold keeps %s within %.1f false alarms per hour on validation "
                            + "background; taking the fewest (%.1f per hour)%n", Labels.CLASSES.get(c),
                            targetFalseAlarmsPerHour, fallbackFa[c]);
                }
            }
            choices.add(new Choice(Labels.CLASSES.get(c), Math.round(bestT[c] * 1000) / 1000.0, bestF1[c], bestFa[c]));
            if (log != null) {
                log.printf("threshold %-12s %.3f  (validation F1 at 0 dB %.3f, background false alarms/h %.1f)%n",
                        Labels.CLASSES.get(c), bestT[c], bestF1[c], bestFa[c]);
            }
        }
        return choices;
    }

    /**
     * Calibration for one site from its own background recordings (no events needed): per class, the lowest threshold
     * of {@link #GRID} at or above the model's own ({@code current}) whose false alarms per hour on the recordings are
     * within the target, else the highest of the grid with a warning. It never lowers a threshold: without events
     * there is no measure of what a lower one would find, only of what it would falsely report. The choices carry
     * NaN F1 (no events were measured).
     */
    public static List<Choice> forSite(List<ScoredStream> background, double[] current,
            double targetFalseAlarmsPerHour, PrintStream log) {
        int classes = Labels.CLASSES.size();
        double hours = background.stream().mapToDouble(s -> s.stream().seconds()).sum() / 3600;
        double[] chosen = new double[classes];
        double[] chosenFa = new double[classes];
        java.util.Map<Double, List<EventMetrics.ClassResult>> at = new java.util.HashMap<>();
        for (int c = 0; c < classes; c++) {
            chosen[c] = Double.NaN;
            List<Double> candidates = new java.util.ArrayList<>(List.of(current[c]));
            for (double t : GRID) {
                if (t > current[c]) {
                    candidates.add(t);
                }
            }
            for (double t : candidates) {
                double fa = at.computeIfAbsent(t, x -> pooled(background, config(x),
                        EventMetrics.DEFAULT_COLLAR_SECONDS)).get(c).falsePositives() / hours;
                chosenFa[c] = fa;
                if (fa <= targetFalseAlarmsPerHour) {
                    chosen[c] = t;
                    break;
                }
            }
        }
        List<Choice> choices = new java.util.ArrayList<>();
        for (int c = 0; c < classes; c++) {
            String label = Labels.CLASSES.get(c);
            if (Double.isNaN(chosen[c])) {
                chosen[c] = Math.max(current[c], GRID[GRID.length - 1]);
                if (log != null) {
                    log.printf(java.util.Locale.ROOT, "warning: no threshold keeps %s within %.1f false alarms per hour "
                            + "on the site's background; taking the highest (%.1f per hour)%n", label,
                            targetFalseAlarmsPerHour, chosenFa[c]);
                }
            }
            choices.add(new Choice(label, Math.round(chosen[c] * 1000) / 1000.0, Double.NaN, chosenFa[c]));
            if (log != null) {
                log.printf(java.util.Locale.ROOT, "threshold %-12s %.3f (was %.3f; site background false alarms/h "
                        + "%.1f)%n", label, chosen[c], current[c], chosenFa[c]);
            }
        }
        return choices;
    }

    /** Writes the chosen thresholds (off-thresholds at the default ratio) and the rule into a manifest. */
    public static void apply(org.earshot.model.ModelManifest manifest, List<Choice> choices,
            double targetFalseAlarmsPerHour) {
        for (Choice c : choices) {
            manifest.thresholds.put(c.label(), c.threshold());
            manifest.offThresholds.put(c.label(),
                    Math.round(c.threshold() * DetectorConfig.DEFAULT_OFF_RATIO * 1000) / 1000.0);
        }
        manifest.thresholdRule = "per class: best event F1 on the 0 dB validation stream among thresholds with at most "
                + targetFalseAlarmsPerHour + " false alarms per hour on the validation background stream (else the "
                + "fewest false alarms)";
    }

    static DetectorConfig config(double threshold) {
        float[] t = new float[Labels.CLASSES.size()];
        java.util.Arrays.fill(t, (float) threshold);
        return DetectorConfig.defaults(t);
    }
}
