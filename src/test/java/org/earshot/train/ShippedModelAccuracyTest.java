package org.earshot.train;

import org.earshot.detect.DetectorConfig;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.eval.ClipMetrics;
import org.earshot.train.eval.EventMetrics;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accuracy floors of the committed model on its validation clips (the group-disjoint split it was trained without).
 * Needs the dataset: set EARSHOT_DATASET (CI does); otherwise the test is skipped and says so. The floors sit below
 * the figures in the model card, so they catch a broken front end, model or detector, not noise.
 */
class ShippedModelAccuracyTest {
    static final Path MODEL = Path.of("models/earshot-v2");

    /**
     * ROC AUC and F1 floors per class (shout, glass_break, impact); measured 0.994 / 0.999 / 0.968 and
     * 0.921 / 0.899 / 0.301 (MODEL_CARD.md).
     */
    private static final double[] MIN_AUC = {0.95, 0.97, 0.90};
    private static final double[] MIN_F1 = {0.75, 0.75, 0.20};

    static Path datasetOrSkip() {
        String env = System.getenv("EARSHOT_DATASET");
        Assumptions.assumeTrue(env != null && !env.isBlank(),
                "EARSHOT_DATASET not set: skipping the accuracy floors of the shipped model on validation clips");
        Path dir = Path.of(env);
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("manifest.csv")),
                "EARSHOT_DATASET=" + env + " has no manifest.csv: skipping");
        return dir;
    }

    /** The model's validation split (its seed and fraction), from the dataset; skips the test without one. */
    private static ValidationData validationOf(ModelManifest manifest) throws IOException {
        return ValidationData.load(datasetOrSkip(), manifest.training.seed(), manifest.training.validationFraction(),
                2);
    }

    @Test
    void validationClipsMeetTheFloors() throws IOException {
        ModelManifest manifest = ModelManifest.read(MODEL);
        ValidationData v = validationOf(manifest);
        DetectorConfig config = manifest.detectorConfig();
        List<ClipMetrics.ClassReport> reports;
        try (OnnxClassifier classifier = OnnxClassifier.load(MODEL)) {
            reports = Evaluation.clips(v.clips(), classifier, config);
        }
        for (int c = 0; c < reports.size(); c++) {
            ClipMetrics.ClassReport r = reports.get(c);
            assertTrue(r.rocAuc() >= MIN_AUC[c], r.label() + " ROC AUC " + r.rocAuc() + " < " + MIN_AUC[c]);
            assertTrue(r.counts().f1() >= MIN_F1[c], r.label() + " F1 " + r.counts().f1() + " < " + MIN_F1[c]);
        }
    }

    /**
     * Event F1 floors per class on the 0 dB validation stream at the model's thresholds, through the whole detector
     * (level gate, hysteresis, backtracking, onset refinement, merging): they catch a regression of the detector that
     * the clip figures cannot see. Measured 0.576 / 0.623 / 0.053 (MODEL_CARD.md). Impact has no floor: at its
     * shipped threshold the model finds 4 of 146 validation impacts, so any floor would either be zero or fail on
     * noise; its clip ROC AUC floor above still guards it.
     */
    private static final double[] MIN_STREAM_F1 = {0.45, 0.50, Double.NaN};

    @Test
    void zeroDbValidationStreamMeetsTheFloors() throws IOException {
        ModelManifest manifest = ModelManifest.read(MODEL);
        ValidationData v = validationOf(manifest);
        Evaluation.StreamReport report;
        try (OnnxClassifier classifier = OnnxClassifier.load(MODEL)) {
            report = Evaluation.stream("0 dB", v.mixedStream(0, manifest.training.seed()), classifier,
                    manifest.detectorConfig());
        }
        for (int c = 0; c < report.results().size(); c++) {
            if (Double.isNaN(MIN_STREAM_F1[c])) {
                continue;
            }
            EventMetrics.ClassResult r = report.results().get(c);
            assertTrue(r.f1() >= MIN_STREAM_F1[c], r.label() + " event F1 " + r.f1() + " < " + MIN_STREAM_F1[c]
                    + " (" + r + ")");
        }
    }
}
