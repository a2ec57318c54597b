package org.earshot.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The layout of a model directory ({@code models/<name>/}): {@value #MODEL_FILE}, the network, and
 * {@value #MANIFEST_FILE}, its front-end parameters, labels and thresholds. This class only resolves and checks
 * paths; reading the manifest belongs elsewhere.
 */
public record ModelDirectory(Path root) {
    public static final String MODEL_FILE = "model.onnx";
    public static final String MANIFEST_FILE = "manifest.json";

    public ModelDirectory {
        Objects.requireNonNull(root, "root");
        root = root.toAbsolutePath().normalize();
    }

    /** The model directory at {@code root}, which must exist and be a directory. */
    public static ModelDirectory of(Path root) {
        ModelDirectory dir = new ModelDirectory(root);
        if (!Files.isDirectory(dir.root())) {
            throw new ModelLoadException("Model directory not found: " + dir.root());
        }
        return dir;
    }

    /** Where the ONNX network is expected, whether or not it exists. */
    public Path modelFile() {
        return root.resolve(MODEL_FILE);
    }

    /** Where the manifest is expected, whether or not it exists. */
    public Path manifestFile() {
        return root.resolve(MANIFEST_FILE);
    }

    /** The ONNX network, which must be a readable regular file. */
    public Path requireModelFile() {
        return requireFile(modelFile(), "ONNX model");
    }

    /** The file {@code name} of this directory, which must be a readable regular file. */
    public Path requireFile(String name, String what) {
        return requireFile(root.resolve(name), what);
    }

    /** The manifest, which must be a readable regular file. */
    public Path requireManifestFile() {
        return requireFile(manifestFile(), "Model manifest");
    }

    private Path requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(what + " not found: " + file + " (model directory " + root + ")");
        }
        if (!Files.isReadable(file)) {
            throw new ModelLoadException(what + " is not readable: " + file);
        }
        return file;
    }
}
