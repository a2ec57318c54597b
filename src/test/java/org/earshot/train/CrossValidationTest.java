package org.earshot.train;

import org.earshot.detect.DetectorConfig;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.EventMetrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pooling folds on hand-made streams, scored by {@link LoudnessClassifier}: bursts of amplitude 0.2 score 0.7 for
 * every class, quieter audio 0.1. Fold A has such a burst in its background (a distractor); fold B's background is
 * clean. Both folds' events are 0.2 bursts labelled impact.
 */
class CrossValidationTest {
    private static final int FS = 16_000;

    private static float[] noise(int seconds, long seed) {
        Random r = new Random(seed);
        float[] x = new float[seconds * FS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.001 * r.nextGaussian());
        }
        return x;
    }

    private static void burst(float[] x, double at) {
        int start = (int) (at * FS);
        for (int i = 0; i < 3 * FS / 10; i++) {
            x[start + i] += (float) (0.2 * Math.sin(2 * Math.PI * 1000 * i / FS));
        }
    }

    private static CrossValidation.Fold fold(String name, int index, boolean distractor) {
        LoudnessClassifier classifier = new LoudnessClassifier();
        float[] bg = noise(30, index);
        if (distractor) {
            burst(bg, 15);
        }
        float[] mix = noise(30, 10 + index);
        List<Event> events = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (double at : new double[] {5, 15, 25}) {
            burst(mix, at);
            events.add(new Event("impact", at, at + 0.3));
            sources.add("bursts/" + name);
        }
        ThresholdCalibrator.ScoredStream mixed = ThresholdCalibrator.ScoredStream.score(classifier,
                new StreamGenerator.Stream(mix, events, sources));
        ThresholdCalibrator.ScoredStream background = ThresholdCalibrator.ScoredStream.score(classifier,
                new StreamGenerator.Stream(bg, List.of(), List.of()));
        return new CrossValidation.Fold(name, index, List.of(), new double[0][], List.of(mixed, mixed, mixed),
                background);
    }

    @Test
    void pooledThresholdsAreTheCalibratorsRuleOnAllFoldsTogether() {
        CrossValidation.Fold a = fold("a", 0, true);
        CrossValidation.Fold b = fold("b", 1, false);
        CrossValidation cv = new CrossValidation(List.of(a, b));
        List<ThresholdCalibrator.Choice> pooled = cv.thresholds(1.0, null);
        List<ThresholdCalibrator.Choice> direct = ThresholdCalibrator.choose(ThresholdCalibrator.sweep(
                List.of(a.background(), b.background()), List.of(a.mixed().get(1), b.mixed().get(1)),
                ThresholdCalibrator.GRID, EventMetrics.DEFAULT_COLLAR_SECONDS), 1.0, null);
        assertEquals(direct, pooled);
        // The distractor scores like the events: any threshold that finds them gives one false alarm in 60 s of
        // pooled background (60 per hour), so the rule falls back to the fewest false alarms: none, nothing found.
        assertTrue(pooled.get(2).threshold() > 0.7, pooled.toString());
        assertEquals(0.0, pooled.get(2).backgroundFalseAlarmsPerHour(), 1e-9);
        assertEquals(60.0, cv.pooled("bg", -1, cv.everyFold(CrossValidation.config(List.of(
                new ThresholdCalibrator.Choice("shout", 0.5, 0, 0), new ThresholdCalibrator.Choice("glass_break", 0.5,
                        0, 0), new ThresholdCalibrator.Choice("impact", 0.5, 0, 0)))), 0.5).results().get(2)
                .falseAlarmsPerHour(), 1e-6);
    }

    @Test
    void nestedThresholdsComeFromTheOtherFoldsOnly() {
        CrossValidation.Fold a = fold("a", 0, true);
        CrossValidation.Fold b = fold("b", 1, false);
        CrossValidation cv = new CrossValidation(List.of(a, b));
        List<DetectorConfig> nested = cv.nestedThresholds(1.0);
        // Fold a is judged with fold b's choice (clean background: a threshold that finds the bursts) ...
        assertTrue(nested.get(0).threshold(2) < 0.7, "fold a threshold " + nested.get(0).threshold(2));
        // ... and fold b with fold a's (its distractor forces the threshold above the bursts).
        assertTrue(nested.get(1).threshold(2) > 0.7, "fold b threshold " + nested.get(1).threshold(2));

        Evaluation.StreamReport zeroDb = cv.pooled("0 dB", CrossValidation.ZERO_DB, nested, 0.5);
        EventMetrics.ClassResult impact = zeroDb.results().get(2);
        assertEquals(3, impact.truePositives(), "fold a's three bursts found, fold b's missed");
        assertEquals(3, impact.falseNegatives());
        assertEquals(60, zeroDb.seconds(), 1e-9);
        assertEquals(List.of(new EventMetrics.Recall("bursts/a", 3, 3), new EventMetrics.Recall("bursts/b", 0, 3)),
                zeroDb.bySource());
        Evaluation.StreamReport background = cv.pooled("bg", -1, nested, 0.5);
        assertEquals(1, background.results().get(2).falsePositives(), "fold a's distractor, at fold a's threshold");
        assertEquals(List.of(1.0, 0.0), List.of(
                CrossValidation.ofFold(a, CrossValidation.ZERO_DB, nested.get(0), 0.5).get(2).recall(),
                CrossValidation.ofFold(b, CrossValidation.ZERO_DB, nested.get(1), 0.5).get(2).recall()));
    }
}
