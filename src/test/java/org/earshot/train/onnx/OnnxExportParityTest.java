package org.earshot.train.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.inference.Predictor;
import ai.djl.translate.NoopTranslator;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.model.ModelDirectory;
import org.earshot.model.OnnxClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A network trained on the PyTorch engine, exported by {@link OnnxExporter} and served by {@link OnnxClassifier}
 * on OnnxRuntime, gives the scores PyTorch gives; and serving works with no PyTorch jar on the class path.
 */
class OnnxExportParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final long PATCH_SEED = 7;
    private static final int PATCH_COUNT = 5;

    @TempDir
    static Path tmp;

    private static Model trained;
    private static Path probabilityDir;
    private static Path logitDir;
    private static float[][] patches;
    private static float[][] pytorchLogits;

    @BeforeAll
    static void trainAndExport() throws Exception {
        trained = TestNetworks.train(TestNetworks.mobileNetLike(3), 3, 6, 42);
        probabilityDir = tmp.resolve("probabilities");
        logitDir = tmp.resolve("logits");
        OnnxExporter.export(trained.getBlock(), TestNetworks.INPUT_SHAPE, probabilityDir.resolve(ModelDirectory.MODEL_FILE), true);
        OnnxExporter.export(trained.getBlock(), TestNetworks.INPUT_SHAPE, logitDir.resolve(ModelDirectory.MODEL_FILE), false);
        patches = TestNetworks.randomPatches(new Random(PATCH_SEED), PATCH_COUNT);
        pytorchLogits = TestNetworks.pytorchLogits(trained, patches);
    }

    @AfterAll
    static void closeModel() {
        if (trained != null) {
            trained.close();
        }
    }

    @Test
    void trainingMovedBatchNormStatisticsAwayFromTheirInitialValues() {
        Block bn = trained.getBlock().getChildren().get(1).getValue();
        float[] mean = bn.getDirectParameters().get("runningMean").getArray().toFloatArray();
        float[] var = bn.getDirectParameters().get("runningVar").getArray().toFloatArray();
        assertTrue(Arrays.stream(box(mean)).anyMatch(m -> Math.abs(m) > 0.1), Arrays.toString(mean));
        assertTrue(Arrays.stream(box(var)).anyMatch(v -> Math.abs(v - 1) > 0.1), Arrays.toString(var));
    }

    @Test
    void probabilitiesMatchPyTorch() {
        float[][] expected = TestNetworks.sigmoid(pytorchLogits);
        float[][] actual;
        try (OnnxClassifier classifier = OnnxClassifier.load(probabilityDir)) {
            actual = classifier.classify(patches);
        }
        assertSpread(expected);
        double diff = TestNetworks.maxAbsDiff(expected, actual);
        assertTrue(diff < TOLERANCE, "max |PyTorch - OnnxRuntime| = " + diff);
    }

    @Test
    void logitsMatchPyTorch() throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine(OnnxClassifier.ENGINE)
                .optModelPath(logitDir)
                .optModelName("model")
                .optTranslator(new NoopTranslator(null))
                .build();
        float[][] actual = new float[PATCH_COUNT][];
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            float[] flat = new float[PATCH_COUNT * TestNetworks.PATCH_SIZE];
            for (int i = 0; i < PATCH_COUNT; i++) {
                System.arraycopy(patches[i], 0, flat, i * TestNetworks.PATCH_SIZE, TestNetworks.PATCH_SIZE);
            }
            NDArray input = model.getNDManager().create(flat,
                    new Shape(PATCH_COUNT, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES));
            input.setName(OnnxExporter.INPUT_NAME);
            NDArray output = predictor.predict(new NDList(input)).get(0);
            assertEquals(new Shape(PATCH_COUNT, 3), output.getShape());
            float[] out = output.toFloatArray();
            for (int i = 0; i < PATCH_COUNT; i++) {
                actual[i] = Arrays.copyOfRange(out, i * 3, i * 3 + 3);
            }
        }
        double diff = TestNetworks.maxAbsDiff(pytorchLogits, actual);
        assertTrue(diff < TOLERANCE, "max |logit difference| = " + diff);
    }

    @Test
    void logitModelScoredWithSigmoidInJavaMatchesPyTorch() {
        float[][] actual;
        OnnxClassifier.Options options = OnnxClassifier.Options.DEFAULTS.withOutputsLogits(true);
        try (OnnxClassifier classifier = OnnxClassifier.load(ModelDirectory.of(logitDir), options)) {
            actual = classifier.classify(patches);
        }
        double diff = TestNetworks.maxAbsDiff(TestNetworks.sigmoid(pytorchLogits), actual);
        assertTrue(diff < TOLERANCE, "max |PyTorch - OnnxRuntime| = " + diff);
    }

    @Test
    void flattenNonSquarePoolingAndBiasFreeLinearMatchPyTorch() throws Exception {
        assertParity(TestNetworks.flattenHead(3), "flatten", 11);
    }

    @Test
    void meanMaxPoolingMatchesPyTorch() throws Exception {
        assertParity(TestNetworks.meanMaxHead(3), "meanmax", 13);
    }

    private void assertParity(Block net, String name, long seed) throws Exception {
        Path dir = tmp.resolve(name);
        try (Model model = TestNetworks.train(net, 3, 3, seed)) {
            OnnxExporter.export(model.getBlock(), TestNetworks.INPUT_SHAPE, dir.resolve(ModelDirectory.MODEL_FILE), true);
            float[][] expected = TestNetworks.sigmoid(TestNetworks.pytorchLogits(model, patches));
            try (OnnxClassifier classifier = OnnxClassifier.load(dir)) {
                double diff = TestNetworks.maxAbsDiff(expected, classifier.classify(patches));
                assertSpread(expected);
                assertTrue(diff < TOLERANCE, "max |PyTorch - OnnxRuntime| = " + diff);
            }
        }
    }

    @Test
    void servesInAJvmWithoutPyTorch() throws Exception {
        // Surefire runs tests from a manifest-only jar, so java.class.path may be that one jar; it publishes the
        // real test class path separately.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> all = Arrays.asList(classPath.split(File.pathSeparator));
        List<String> withoutPyTorch = all.stream()
                // By file name, so that a checkout under a directory called "pytorch" keeps its own classes.
                .filter(entry -> !Path.of(entry).getFileName().toString().toLowerCase().contains("pytorch"))
                .collect(Collectors.toList());
        assertTrue(withoutPyTorch.size() < all.size(), "no PyTorch entry found to remove in " + classPath);

        Path log = tmp.resolve("child.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dai.djl.offline=true",
                "-cp", String.join(File.pathSeparator, withoutPyTorch),
                ServeWithoutPyTorchMain.class.getName(),
                probabilityDir.toString(), Long.toString(PATCH_SEED), Integer.toString(PATCH_COUNT)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = child.waitFor(5, TimeUnit.MINUTES);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(exited, "child JVM did not finish:\n" + output);
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);

        List<String> lines = output.lines().collect(Collectors.toList());
        assertTrue(lines.contains("pytorch-classes=false"), output);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("engines=") && l.contains("OnnxRuntime") && !l.contains("PyTorch")), output);
        float[][] childScores = lines.stream()
                .filter(l -> l.startsWith("scores="))
                .map(l -> parseRow(l.substring("scores=".length())))
                .toArray(float[][]::new);
        double diff = TestNetworks.maxAbsDiff(TestNetworks.sigmoid(pytorchLogits), childScores);
        assertTrue(diff < TOLERANCE, "max |PyTorch - child OnnxRuntime| = " + diff + "\n" + output);
    }

    /** Guards against a parity that holds only because every score sits at 0.5. */
    private static void assertSpread(float[][] probabilities) {
        double spread = Arrays.stream(probabilities)
                .flatMap(row -> Arrays.stream(box(row)))
                .mapToDouble(p -> Math.abs(p - 0.5))
                .max()
                .orElse(0);
        assertTrue(spread > 0.01, "PyTorch scores are all about 0.5: " + Arrays.deepToString(probabilities));
    }

    private static float[] parseRow(String csv) {
        String[] parts = csv.split(",");
        float[] row = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            row[i] = Float.parseFloat(parts[i]);
        }
        return row;
    }

    private static Float[] box(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }
}
