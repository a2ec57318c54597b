package org.earshot.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import org.earshot.train.onnx.OnnxExporter;
import org.earshot.train.onnx.TestNetworks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

class OnnxClassifierTest {
    @TempDir
    static Path tmp;

    private static Path validDir;

    @BeforeAll
    static void exportSmallModel() throws Exception {
        validDir = tmp.resolve("valid");
        try (Model model = TestNetworks.train(TestNetworks.flattenHead(3), 3, 0, 3)) {
            OnnxExporter.export(model.getBlock(), TestNetworks.INPUT_SHAPE, validDir.resolve(ModelDirectory.MODEL_FILE), true);
        }
    }

    @Test
    void aMissingModelFileIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxClassifier.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.onnx").toString()), e.getMessage());
    }

    @Test
    void aFileThatIsNotAnOnnxModelIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("garbage"));
        Path file = dir.resolve("model.onnx");
        Files.write(file, new byte[] {(byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 0x13, 0x37});
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxClassifier.load(dir));
        assertTrue(e.getMessage().startsWith("Cannot load ONNX model " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("INVALID_PROTOBUF"), e.getMessage());
    }

    @Test
    void aModelWithTheWrongNumberOfClassesIsRejectedAtLoad() throws Exception {
        Path dir = tmp.resolve("two-classes");
        try (Model model = TestNetworks.train(TestNetworks.flattenHead(2), 2, 0, 4)) {
            OnnxExporter.export(model.getBlock(), TestNetworks.INPUT_SHAPE, dir.resolve(ModelDirectory.MODEL_FILE), true);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OnnxClassifier.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.onnx").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("expected 1 x 3"), e.getMessage());
    }

    @Test
    void anEmptyBatchGivesAnEmptyResult() {
        try (OnnxClassifier classifier = OnnxClassifier.load(validDir)) {
            assertEquals(0, classifier.classify(new float[0][]).length);
        }
    }

    @Test
    void aPatchOfTheWrongSizeIsRejected() {
        try (OnnxClassifier classifier = OnnxClassifier.load(validDir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> classifier.classify(new float[][] {new float[TestNetworks.PATCH_SIZE], new float[10]}));
            assertTrue(e.getMessage().contains("Patch 1"), e.getMessage());
        }
    }

    @Test
    void rowsAreProbabilitiesOneScorePerClass() {
        try (OnnxClassifier classifier = OnnxClassifier.load(validDir)) {
            float[][] scores = classifier.classify(TestNetworks.randomPatches(new Random(1), 7));
            assertEquals(7, scores.length);
            for (float[] row : scores) {
                assertEquals(3, row.length);
                for (float p : row) {
                    assertTrue(p >= 0 && p <= 1, "not a probability: " + p);
                }
            }
        }
    }

    @Test
    void threadsGetTheirOwnPredictorAndAgreeWithOneThread() throws Exception {
        float[][] patches = TestNetworks.randomPatches(new Random(2), 3);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (OnnxClassifier classifier = OnnxClassifier.load(validDir)) {
            float[][] expected = classifier.classify(patches);
            Future<float[][]> a = pool.submit(() -> classifier.classify(patches));
            Future<float[][]> b = pool.submit(() -> classifier.classify(patches));
            assertArrayEquals(expected, a.get());
            assertArrayEquals(expected, b.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aClosedClassifierRefusesWork() {
        OnnxClassifier classifier = OnnxClassifier.load(validDir);
        classifier.close();
        classifier.close();
        assertThrows(IllegalStateException.class, () -> classifier.classify(new float[0][]));
    }

    @Test
    void optionsRejectFewerThanOneThread() {
        assertThrows(IllegalArgumentException.class, () -> OnnxClassifier.Options.DEFAULTS.withIntraOpThreads(0));
    }
}
