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
}
