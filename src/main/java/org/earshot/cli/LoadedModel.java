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
        if (!java.nio.file.Files.isRegularFile(directory.resolve("manifest.json"))) {
            java.util.List<Path> inside = modelsInside(directory);
            if (!inside.isEmpty()) {
                throw new BadInputException(directory + " is not a model directory (no manifest.json); the model"
                        + " directories in it: " + String.join(", ", inside.stream().map(Path::toString).toList())
                        + " (e.g. --model " + inside.get(0) + ")");
            }
        }
        try {
            ModelManifest manifest = ModelManifest.read(directory);
            return new LoadedModel(directory, manifest, ModelLoader.classifier(directory, manifest));
        } catch (IOException | ModelLoadException e) {
            throw new BadInputException("cannot load model: " + e.getMessage(), e);
        }
    }

    /** The folders directly inside {@code directory} that hold a manifest.json, sorted by name. */
    private static java.util.List<Path> modelsInside(Path directory) {
        try (java.util.stream.Stream<Path> children = java.nio.file.Files.list(directory)) {
            return children.filter(child -> java.nio.file.Files.isRegularFile(child.resolve("manifest.json")))
                    .sorted().toList();
        } catch (IOException e) {
            return java.util.List.of();
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
