package org.earshot.train;

import org.earshot.audio.AudioLoader;
import org.earshot.detect.Classifier;
import org.earshot.detect.Detection;
import org.earshot.detect.FileDetector;
import org.earshot.model.ModelLoader;
import org.earshot.model.ModelManifest;
import org.earshot.train.eval.ClipMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Floors for the shipped model, earshot-v3. It was trained on every recording of train-v1 and train-v2 (its recipe is
 * measured by leave-sources-out validation, bench/results/loso-*.txt, not by a split of its own), so there is no
 * held-out data here to assert accuracy on: these floors guard the integrity of what ships (the composed ONNX
 * networks, the cascade, the front end, the detector) on fixed data, and would fail on a broken model long before
 * they said anything about accuracy on new recordings.
 */
class ShippedV3IntegrityTest {
    static final Path MODEL = Path.of("models/earshot-v3");

    /** ROC AUC floors (shout, glass_break, impact) on train-v1's clips, which the model trained on. */
    private static final double[] MIN_AUC = {0.95, 0.95, 0.90};

    @Test
    void trainV1ClipsAreRankedAsTrained() throws IOException {
        Path data = ShippedModelAccuracyTest.datasetOrSkip();
        ModelManifest manifest = ModelManifest.read(MODEL);
        List<LoadedClip> clips = LoadedClip.loadAll(DatasetManifest.read(data).clips().stream()
                .filter(c -> !c.isAugmentOnly()).toList(), 2);
        List<ClipMetrics.ClassReport> reports;
        try (Classifier classifier = ModelLoader.classifier(MODEL, manifest)) {
            reports = Evaluation.clips(clips, classifier, manifest.detectorConfig());
        }
        for (int c = 0; c < reports.size(); c++) {
            ClipMetrics.ClassReport r = reports.get(c);
            assertTrue(r.rocAuc() >= MIN_AUC[c], r.label() + " ROC AUC " + r.rocAuc() + " < " + MIN_AUC[c]);
        }
    }

    /** The demo's two screams (4.0 s and 17.7 s, demo/demo.csv) are found at the shipped thresholds. */
    @Test
    void findsTheDemoScreams() throws IOException {
        ModelManifest manifest = ModelManifest.read(MODEL);
        float[] demo = AudioLoader.load16k(Path.of("demo/demo.wav")).samples();
        List<Detection> found;
        try (Classifier classifier = ModelLoader.classifier(MODEL, manifest)) {
            found = FileDetector.detect(demo, classifier, manifest.detectorConfig()).detections();
        }
        for (double at : new double[] {4.0, 17.7}) {
            assertTrue(found.stream().anyMatch(d -> d.label().equals("shout") && Math.abs(d.onset() - at) < 1.0),
                    "no shout near " + at + " s: " + found);
        }
    }
}
