package org.earshot.train.yamnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import org.earshot.dsp.LogMel;
import org.earshot.train.nn.Layers;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the imported YAMNet-256 networks against the Keras files themselves: every stored weight is used once,
 * the blocks are only the exportable ones, and the outputs equal those of an independent channels-last reference
 * interpreter ({@link KerasReference}) on a log-mel patch of a generated signal.
 */
class YamnetImporterTest {
    private static final int BATCH = 3;

    @Test
    void backboneHoldsExactlyTheStoredWeightsAndEmitsA256Embedding() throws Exception {
        Path h5 = SharedModels.backbone();
        SequentialBlock block = YamnetImporter.backbone(h5);
        try (Model model = Model.newInstance("yamnet", "PyTorch")) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, YamnetImporter.inputShape(BATCH));
            long imported = 0;
            long neutral = 0;
            for (Pair<String, Parameter> p : block.getParameters()) {
                Parameter parameter = p.getValue();
                if (!parameter.requiresGradient() && (parameter.getType() == Parameter.Type.GAMMA)) {
                    // Keras BatchNormalization(scale=False) has no gamma; DJL's stays a frozen 1.
                    assertTrue(parameter.getArray().eq(1f).all().getBoolean(), p.getKey() + " is not neutral");
                    neutral += parameter.getArray().size();
                } else {
                    imported += parameter.getArray().size();
                }
            }
            assertEquals(storedWeightCount(h5), imported);
            assertTrue(imported > 100_000, "YAMNet-256 has about 130 k weights, got " + imported);
            // One frozen gamma per channel of the 11 BatchNorms: 32+32+64+64+128+128+128+128+256+256+256.
            assertEquals(1472, neutral);

            NDArray x = model.getNDManager().randomNormal(YamnetImporter.inputShape(BATCH));
            NDArray y = forward(block, model.getNDManager(), x);
            assertEquals(new Shape(BATCH, 256), y.getShape());
        }
    }

    @Test
    void networksUseOnlyTheExportableBlocks() throws Exception {
        List<String> found = new ArrayList<>();
        for (Block block : List.of(YamnetImporter.backbone(SharedModels.backbone()),
                YamnetImporter.withHead(SharedModels.fsd50k()).block(),
                YamnetImporter.fineTuneNetwork(SharedModels.backbone(), 3, 1L))) {
            collectLeaves(block, found);
        }
        List<String> lambdaNames = List.of(Layers.RELU, Layers.RELU6, Layers.FLATTEN, Layers.GLOBAL_AVG_POOL);
        for (String leaf : found) {
            assertTrue(leaf.equals("Conv2d") || leaf.equals("BatchNorm") || leaf.equals("Linear")
                    || leaf.equals("Dropout") || lambdaNames.contains(leaf) || leaf.startsWith(Layers.PAD_PREFIX)
                    || leaf.startsWith(Layers.MAX_POOL_PREFIX), "not exportable: " + leaf);
        }
        assertTrue(found.contains("pad:0,1,0,1"), "stride-2 'same' convolutions pad bottom/right only: " + found);
    }

    @Test
    void backboneMatchesTheChannelsLastReference() throws Exception {
        Path h5 = SharedModels.backbone();
        float[] patch = generatedPatch();
        double[] expected = reference(h5).run(patch);
        float[] actual = runDjl(YamnetImporter.backbone(h5), patch);
        assertClose(expected, actual, 1e-4);

        // The comparison notices a layout mistake: the same buffer read frames-major gives a very different embedding.
        double[] transposed = reference(h5).run(readAsFramesMajor(patch));
        assertTrue(maxAbsDiff(expected, transposed) > 100 * 1e-4 * (1 + maxAbs(expected)),
                "the generated patch does not distinguish the layouts");
    }

    @Test
    void fsd50kClassifierMatchesTheChannelsLastReference() throws Exception {
        Path h5 = SharedModels.fsd50k();
        YamnetImporter.Imported imported = YamnetImporter.withHead(h5);
        assertEquals(YamnetImporter.OutputActivation.SOFTMAX, imported.outputActivation());
        assertEquals(YamnetImporter.FSD50K_CLASSES.size(), imported.outputSize());
        float[] patch = generatedPatch();
        double[] expected = reference(h5).run(patch);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            SequentialBlock block = imported.block();
            block.initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(1));
            NDArray logits = forward(block, manager, manager.create(patch, YamnetImporter.inputShape(1)));
            float[] probabilities = imported.outputActivation().apply(logits).toFloatArray();
            assertClose(expected, probabilities, 1e-5);
        }
    }

    @Test
    void fineTuneNetworkStartsFromThePretrainedBackboneAndTrains() throws Exception {
        Path h5 = SharedModels.backbone();
        SequentialBlock network = YamnetImporter.fineTuneNetwork(h5, 3, 42L);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build());
        try (Model model = Model.newInstance("fine-tune", "PyTorch");
                NDManager reference = NDManager.newBaseManager("PyTorch")) {
            model.setBlock(network);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(YamnetImporter.inputShape(4));
                NDManager manager = trainer.getManager();
                NDArray x = manager.randomNormal(YamnetImporter.inputShape(4)).sub(4);

                SequentialBlock pretrained = YamnetImporter.backbone(h5);
                pretrained.initialize(reference, DataType.FLOAT32, YamnetImporter.inputShape(4));
                Block backbone = network.getChildren().get(0).getValue();
                float[] expected = forward(pretrained, reference, reference.create(x.toFloatArray(), x.getShape()))
                        .toFloatArray();
                assertArrayEquals(expected, forward(backbone, manager, x).toFloatArray(), 1e-5f,
                        "the trainer's initialization replaced the pretrained weights");

                Parameter headWeight = network.getChildren().get(network.getChildren().size() - 1).getValue()
                        .getParameters().get("weight");
                float[] before = headWeight.getArray().toFloatArray();
                assertArrayEquals(before, headOf(h5, 42L), "the head is not reproducible from its seed");
                assertFalse(java.util.Arrays.equals(before, headOf(h5, 43L)), "the seed does not matter");

                NDArray labels = manager.create(new float[] {0, 1, 2, 1});
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                    assertEquals(new Shape(4, 3), logits.getShape());
                    NDArray loss = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                    assertTrue(Float.isFinite(loss.getFloat()), "loss " + loss);
                    collector.backward(loss);
                }
                trainer.step();
                assertFalse(java.util.Arrays.equals(before, headWeight.getArray().toFloatArray()),
                        "one optimizer step left the head unchanged");
            }
        }
    }

    @Test
    void meanMaxPoolingReplacesTheBackbonesAveragePoolingAndExports() throws Exception {
        Path h5 = SharedModels.backbone();
        SequentialBlock network = YamnetImporter.fineTuneNetwork(h5, 3, 42L, "meanmax");
        SequentialBlock backbone = (SequentialBlock) network.getChildren().get(0).getValue();
        Block last = backbone.getChildren().get(backbone.getChildren().size() - 1).getValue();
        assertEquals(org.earshot.train.nn.Layers.MEAN_MAX_POOL, ((ai.djl.nn.LambdaBlock) last).getName());
        try (Model model = Model.newInstance("meanmax", "PyTorch")) {
            model.setBlock(network);
            network.initialize(model.getNDManager(), DataType.FLOAT32, YamnetImporter.inputShape(1));
            Path onnx = java.nio.file.Files.createTempDirectory("meanmax").resolve("model.onnx");
            org.earshot.train.onnx.OnnxExporter.export(network, YamnetImporter.inputShape(1), onnx, true);
            float[] patch = generatedPatch();
            float[] expected = forward(network, model.getNDManager(), model.getNDManager().create(patch,
                    YamnetImporter.inputShape(1))).toFloatArray();
            try (org.earshot.model.OnnxClassifier classifier = org.earshot.model.OnnxClassifier.load(onnx.getParent())) {
                float[] actual = classifier.classify(new float[][] {patch})[0];
                for (int c = 0; c < 3; c++) {
                    assertEquals(1 / (1 + Math.exp(-expected[c])), actual[c], 1e-4, "class " + c);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> YamnetImporter.fineTuneNetwork(h5, 3, 42L, "median"));
    }

    private static float[] headOf(Path h5, long seed) throws Exception {
        SequentialBlock network = YamnetImporter.fineTuneNetwork(h5, 3, seed);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            network.initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(1));
            return network.getChildren().get(network.getChildren().size() - 1).getValue().getParameters()
                    .get("weight").getArray().toFloatArray();
        }
    }

    /** A log-mel patch of a chirp with clicks and noise: real front-end values, deterministic. */
    static float[] generatedPatch() {
        float[] samples = new float[16_000];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < samples.length; i++) {
            double t = i / 16_000.0;
            samples[i] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 1500 * t) * t)
                    + (i % 4000 < 40 ? 0.5 : 0) + 0.02 * random.nextGaussian());
        }
        return LogMel.toPatch(new LogMel().compute(samples), 0);
    }

    /** What a layout bug does: the mel-major buffer taken as [frame][mel]. */
    static float[] readAsFramesMajor(float[] melMajor) {
        float[] t = new float[melMajor.length];
        for (int mel = 0; mel < 64; mel++) {
            for (int frame = 0; frame < 96; frame++) {
                t[mel * 96 + frame] = melMajor[frame * 64 + mel];
            }
        }
        return t;
    }

    /** The reference on the file's own graph and weights, read here with jhdf, not through the importer. */
    static KerasReference reference(Path h5) {
        Map<String, float[]> weights = new HashMap<>();
        JsonObject config;
        try (HdfFile hdf = new HdfFile(h5)) {
            config = JsonParser.parseString((String) hdf.getAttribute("model_config").getData()).getAsJsonObject();
            collect((Group) hdf.getChild("model_weights"), weights);
        }
        return new KerasReference(config, (group, layer, var) -> {
            String path = "/model_weights/" + group + "/" + layer + "/" + var + ":0";
            float[] w = weights.get(path);
            if (w == null) {
                throw new IllegalArgumentException("no " + path + " in " + weights.keySet());
            }
            return w;
        });
    }

    private static void collect(Group group, Map<String, float[]> out) {
        for (Node node : group.getChildren().values()) {
            if (node instanceof Group g) {
                collect(g, out);
            } else {
                out.put(node.getPath(), (float[]) ((Dataset) node).getDataFlat());
            }
        }
    }

    private static float[] runDjl(SequentialBlock block, float[] patch) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            block.initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(1));
            return forward(block, manager, manager.create(patch, YamnetImporter.inputShape(1))).toFloatArray();
        }
    }

    private static NDArray forward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
    }

    private static long storedWeightCount(Path h5) {
        try (HdfFile hdf = new HdfFile(h5)) {
            return count((Group) hdf.getChild("model_weights"));
        }
    }

    private static long count(Group group) {
        long n = 0;
        for (Node node : group.getChildren().values()) {
            n += node instanceof Group g ? count(g) : ((Dataset) node).getSize();
        }
        return n;
    }

    private static void collectLeaves(Block block, List<String> out) {
        if (block instanceof SequentialBlock sequential) {
            sequential.getChildren().values().forEach(child -> collectLeaves(child, out));
        } else if (block instanceof LambdaBlock) {
            out.add(block.toString().replaceAll("\\(.*", ""));
        } else if (block instanceof Conv2d || block instanceof BatchNorm || block instanceof Linear
                || block instanceof Dropout) {
            out.add(block.getClass().getSimpleName());
        } else {
            out.add("unexpected " + block.getClass().getName());
        }
    }

    static void assertClose(double[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, "output size");
        double scale = 1 + maxAbs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * scale, "output " + i);
        }
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
