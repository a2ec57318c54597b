package org.earshot.train;

import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.FileDetector;
import org.earshot.detect.Labels;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.EventMetrics;

import java.io.PrintStream;
import java.util.List;

/**
 * Chooses per-class detection thresholds on validation streams: among thresholds whose false alarms per hour on the
 * background-only stream stay within the target, the one with the best event-based F1 on the 0 dB stream (ties go
 * to the higher threshold, the more conservative choice). Each stream is scored by the network once; the event
 * tracker is re-run for each candidate threshold on the recorded scores.
 */
public final class ThresholdCalibrator {
    private static final double STEP = 0.01;

    /** The chosen threshold of each class and the validation figures it gave. */
    public record Choice(String label, double threshold, double f1, double backgroundFalseAlarmsPerHour) {}

    private ThresholdCalibrator() {}

    public static List<Choice> calibrate(Classifier classifier, StreamGenerator.Stream background,
            StreamGenerator.Stream mixed, double targetFalseAlarmsPerHour, PrintStream log) {
        RecordingClassifier bg = new RecordingClassifier(classifier);
        FileDetector.detect(background.samples(), bg, config(0.5));
        RecordingClassifier mix = new RecordingClassifier(classifier);
        FileDetector.detect(mixed.samples(), mix, config(0.5));
        int classes = Labels.CLASSES.size();
        double[] bestF1 = new double[classes];
        double[] bestT = new double[classes];
        double[] bestFa = new double[classes];
        java.util.Arrays.fill(bestF1, -1);
        for (double t = 0.05; t < 0.995; t += STEP) {
            DetectorConfig config = config(t);
            List<EventMetrics.ClassResult> bgResults = metrics(bg.replay(), background, config);
            List<EventMetrics.ClassResult> mixResults = metrics(mix.replay(), mixed, config);
            for (int c = 0; c < classes; c++) {
                double fa = bgResults.get(c).falseAlarmsPerHour();
                double f1 = mixResults.get(c).f1();
                if (fa <= targetFalseAlarmsPerHour && f1 >= bestF1[c]) {
                    bestF1[c] = f1;
                    bestT[c] = t;
                    bestFa[c] = fa;
                }
            }
        }
        List<Choice> choices = new java.util.ArrayList<>();
        for (int c = 0; c < classes; c++) {
            if (bestF1[c] < 0) {
                // No threshold meets the target: take the highest, and say so.
                bestT[c] = 0.99;
                log.printf("warning: no threshold keeps %s under %.1f false alarms per hour on validation background%n",
                        Labels.CLASSES.get(c), targetFalseAlarmsPerHour);
            }
            choices.add(new Choice(Labels.CLASSES.get(c), Math.round(bestT[c] * 100) / 100.0, bestF1[c], bestFa[c]));
            log.printf("threshold %-12s %.2f  (validation F1 at 0 dB %.3f, background false alarms/h %.1f)%n",
                    Labels.CLASSES.get(c), bestT[c], bestF1[c], bestFa[c]);
        }
        return choices;
    }

    private static DetectorConfig config(double threshold) {
        float[] t = new float[Labels.CLASSES.size()];
        java.util.Arrays.fill(t, (float) threshold);
        return DetectorConfig.defaults(t);
    }

    private static List<EventMetrics.ClassResult> metrics(Classifier replay, StreamGenerator.Stream stream,
            DetectorConfig config) {
        FileDetector.Result r = FileDetector.detect(stream.samples(), replay, config);
        EventMetrics m = new EventMetrics(EventMetrics.DEFAULT_COLLAR_SECONDS);
        m.addRecording(stream.events(), r.detections().stream().map(Event::of).toList(), stream.seconds());
        return m.results();
    }
}
