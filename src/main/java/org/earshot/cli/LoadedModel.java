package org.earshot.cli;

import org.earshot.detect.DetectorConfig;
import org.earshot.model.ModelLoadException;
import org.earshot.model.ModelManifest;
import org.earshot.detect.Classifier;
import org.earshot.model.ModelLoader;

import java.io.IOException;
import java.nio.file.Path;

/** A model directory opened for detection: its manifest, its detector settings and its classifier (network or cascade). */
record LoadedModel(Path directory, ModelManifest manifest, Classifier classifier) implements AutoCloseable {

    static LoadedModel open(Path directory) {
        Paths.requireDirectory(directory, "model directory");
        try {
            ModelManifest manifest = ModelManifest.read(directory);
            return new LoadedModel(directory, manifest, ModelLoader.classifier(directory, manifest));
        } catch (IOException | ModelLoadException e) {
            throw new BadInputException("cannot load model: " + e.getMessage(), e);
        }
    }

    DetectorConfig detectorConfig() {
        return manifest.detectorConfig();
    }

    @Override
    public void close() {
        classifier.close();
    }
}
