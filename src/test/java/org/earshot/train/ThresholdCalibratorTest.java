package org.earshot.train;

import org.earshot.model.ModelManifest;
import org.earshot.train.eval.Event;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The calibrator on hand-made streams with a classifier that is a fixed function of loudness: loud bursts (the
 * events) score 0.9995 (above every candidate threshold), a medium burst in the background scores 0.7, everything else 0.1. Within a budget of one false
 * alarm per hour, the medium burst must stay below the chosen threshold and the events above it.
 */
class ThresholdCalibratorTest {
    private static final int FS = 16_000;

    private static float[] noise(int seconds) {
        Random r = new Random(4);
        float[] x = new float[seconds * FS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.001 * r.nextGaussian());
        }
        return x;
    }

    private static void burst(float[] x, double at, double amplitude) {
        int start = (int) (at * FS);
        for (int i = 0; i < 3 * FS / 10; i++) {
            x[start + i] += (float) (amplitude * Math.sin(2 * Math.PI * 1000 * i / FS));
        }
    }

    @Test
    void choosesAThresholdBetweenTheDistractorAndTheEvents() {
        float[] bg = noise(30);
        burst(bg, 15, 0.2);
        float[] mix = noise(30);
        List<Event> events = new ArrayList<>();
        for (double at : new double[] {5, 15, 25}) {
            burst(mix, at, 0.8);
            events.add(new Event("impact", at, at + 0.3));
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<ThresholdCalibrator.Choice> choices = ThresholdCalibrator.calibrate(new LoudnessClassifier(),
                new StreamGenerator.Stream(bg, List.of()), new StreamGenerator.Stream(mix, events), 1.0,
                new PrintStream(log, true));
        ThresholdCalibrator.Choice impact = choices.get(2);
        assertEquals("impact", impact.label());
        assertTrue(impact.threshold() > 0.7, "threshold " + impact.threshold());
        assertEquals(1.0, impact.f1(), 1e-9);
        assertEquals(0.0, impact.backgroundFalseAlarmsPerHour(), 1e-9);

        ModelManifest manifest = new ModelManifest();
        ThresholdCalibrator.apply(manifest, choices, 1.0);
        assertEquals(impact.threshold(), manifest.thresholds.get("impact"), 1e-9);
        assertTrue(manifest.offThresholds.get("impact") < manifest.thresholds.get("impact"));
        assertTrue(manifest.thresholdRule.contains("1.0 false alarms per hour"));
    }

    @Test
    void withoutAFeasibleThresholdTakesTheFewestFalseAlarmsAndSaysSo() {
        float[] bg = noise(30);
        burst(bg, 15, 0.8); // as loud as the events: no threshold separates them
        float[] mix = noise(30);
        burst(mix, 5, 0.8);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<ThresholdCalibrator.Choice> choices = ThresholdCalibrator.calibrate(new LoudnessClassifier(),
                new StreamGenerator.Stream(bg, List.of()),
                new StreamGenerator.Stream(mix, List.of(new Event("impact", 5, 5.3))), 1.0, new PrintStream(log, true));
        assertTrue(log.toString().contains("no threshold keeps impact within 1.0"), log.toString());
        // One false alarm in 30 s of background whatever the threshold: 120 per hour; the events are all still found.
        assertEquals(120.0, choices.get(2).backgroundFalseAlarmsPerHour(), 1e-6);
        assertEquals(1.0, choices.get(2).f1(), 1e-9);
    }

    /**
     * Site calibration: three medium bursts in 12 min of a site's background (15 per hour, scoring 0.7) raise a threshold
     * at or below 0.7 to the next candidate above it, leave one above 0.7 as it is, and never lower a threshold when
     * the budget allows more; bursts that score above every candidate give the highest candidate and a warning.
     */
    @Test
    void siteCalibrationRaisesThresholdsOverTheSitesOwnFalseAlarmsAndNeverLowersThem() {
        float[] site = noise(12 * 60);
        for (int k = 0; k < 3; k++) {
            burst(site, 100 + 200 * k, 0.2);
        }
        ThresholdCalibrator.ScoredStream scored = ThresholdCalibrator.ScoredStream.score(new LoudnessClassifier(),
                new StreamGenerator.Stream(site, java.util.List.of(), java.util.List.of()));
        java.util.List<ThresholdCalibrator.Choice> c = ThresholdCalibrator.forSite(java.util.List.of(scored),
                new double[] {0.5, 0.8, 0.7}, 1.0, null);
        assertEquals(0.71, c.get(0).threshold(), 1e-9, "raised just above the bursts");
        assertEquals(0.8, c.get(1).threshold(), 1e-9, "already above them: unchanged");
        assertEquals(0.71, c.get(2).threshold(), 1e-9, "a threshold equal to the bursts' score still fires on them");
        assertEquals(0.0, c.get(0).backgroundFalseAlarmsPerHour(), 1e-9);
        java.util.List<ThresholdCalibrator.Choice> loose = ThresholdCalibrator.forSite(java.util.List.of(scored),
                new double[] {0.5, 0.3, 0.2}, 20.0, null);
        assertEquals(0.5, loose.get(0).threshold(), 1e-9, "within budget: never lowered, never raised");
        assertEquals(15.0, loose.get(0).backgroundFalseAlarmsPerHour(), 1e-6);
        assertEquals(0.3, loose.get(1).threshold(), 1e-9);

        float[] loud = noise(12 * 60);
        burst(loud, 300, 0.8);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        java.util.List<ThresholdCalibrator.Choice> none = ThresholdCalibrator.forSite(java.util.List.of(
                ThresholdCalibrator.ScoredStream.score(new LoudnessClassifier(), new StreamGenerator.Stream(loud,
                        java.util.List.of(), java.util.List.of()))), new double[] {0.5, 0.5, 0.5}, 1.0,
                new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(0.999, none.get(0).threshold(), 1e-9);
        assertEquals(5.0, none.get(0).backgroundFalseAlarmsPerHour(), 1e-6);
        assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("warning: no threshold keeps shout "
                + "within 1.0 false alarms per hour on the site's background"), log.toString());
    }
}
