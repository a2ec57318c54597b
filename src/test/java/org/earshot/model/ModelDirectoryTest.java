package org.earshot.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

class ModelDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void resolvesTheModelAndManifestInsideTheDirectory() throws Exception {
        Files.writeString(tmp.resolve("model.onnx"), "x");
        Files.writeString(tmp.resolve("manifest.json"), "{}");
        ModelDirectory dir = ModelDirectory.of(tmp);
        assertEquals(tmp.resolve("model.onnx").toAbsolutePath(), dir.requireModelFile());
        assertEquals(tmp.resolve("manifest.json").toAbsolutePath(), dir.requireManifestFile());
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path missing = tmp.resolve("no-such-model");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelDirectory.of(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aMissingManifestIsNamed() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelDirectory.of(tmp).requireManifestFile());
        assertTrue(e.getMessage().contains(tmp.resolve("manifest.json").toString()), e.getMessage());
    }
}
