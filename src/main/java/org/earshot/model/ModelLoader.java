package org.earshot.model;

import org.earshot.detect.CascadeClassifier;
import org.earshot.detect.Classifier;

import java.nio.file.Path;

/**
 * The one way a model directory becomes a classifier, for detection, evaluation and serving alike: its
 * {@code model.onnx}, or, when the manifest describes a cascade, the screen network in front of it. So that
 * {@code detect}, {@code evaluate} and {@code serve} always run the same thing.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** @throws ModelLoadException naming the file when a network is missing or does not fit */
    public static Classifier classifier(Path directory, ModelManifest manifest) {
        ModelDirectory dir = ModelDirectory.of(directory);
        if (manifest.cascade == null) {
            return OnnxClassifier.load(dir, OnnxClassifier.Options.DEFAULTS);
        }
        OnnxClassifier screen = OnnxClassifier.load(dir, manifest.cascade.screenModel(),
                OnnxClassifier.Options.DEFAULTS);
        try {
            return new CascadeClassifier(screen, OnnxClassifier.load(dir, OnnxClassifier.Options.DEFAULTS),
                    manifest.screenThresholds());
        } catch (RuntimeException e) {
            screen.close();
            throw e;
        }
    }
}
