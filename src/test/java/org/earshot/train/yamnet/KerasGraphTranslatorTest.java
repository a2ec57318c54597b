package org.earshot.train.yamnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The translation rules on small synthetic Keras graphs, without the shared model files: layouts and kernels that
 * YAMNet itself does not exercise (non-square kernels, unequal strides, depth multiplier, BatchNorm with gamma,
 * ReLU6, Permute, valid padding) compared with the channels-last {@link KerasReference}, and the failures on
 * graphs the importer must refuse.
 */
class KerasGraphTranslatorTest {
    private static final Path NAME = Path.of("synthetic.h5");

    /** Weight group -> weight name -> weight, filled by {@link #weight}. */
    private final Map<String, Map<String, KerasHdf5Model.Weight>> weights = new LinkedHashMap<>();
    private final Random random = new Random(11);

    @Test
    void functionalGraphWithPermuteMatchesTheReference() {
        JsonObject config = parse("""
                {"class_name": "Functional", "config": {"name": "m", "layers": [
                  %s,
                  %s,
                  %s,
                  {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3], "momentum": 0.99,
                    "epsilon": 0.001, "center": true, "scale": true}, "inbound_nodes": [[["d1", 0, 0, {}]]]},
                  {"class_name": "ReLU", "config": {"name": "r6", "max_value": 6.0, "negative_slope": 0.0,
                    "threshold": 0.0}, "inbound_nodes": [[["bn", 0, 0, {}]]]},
                  {"class_name": "Permute", "config": {"name": "p", "dims": [2, 1, 3]},
                    "inbound_nodes": [[["r6", 0, 0, {}]]]},
                  %s,
                  {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap", "data_format": "channels_last",
                    "keepdims": false}, "inbound_nodes": [[["c2", 0, 0, {}]]]},
                  %s
                ], "input_layers": [["in", 0, 0]], "output_layers": [["head", 0, 0]]}}
                """.formatted(
                input("in", 64, 96),
                conv("c1", "Conv2D", 3, new int[] {3, 1}, new int[] {2, 1}, "same", true, "relu", "in"),
                depthwise("d1", 2, new int[] {1, 3}, new int[] {1, 2}, "c1"),
                conv("c2", "Conv2D", 4, new int[] {2, 3}, new int[] {1, 1}, "valid", true, "linear", "p"),
                dense("head", 3, "softmax", "gap")));
        weight("c1", "c1/kernel:0", 3, 1, 1, 3);
        weight("c1", "c1/bias:0", 3);
        weight("d1", "d1/depthwise_kernel:0", 1, 3, 3, 2);
        weight("bn", "bn/gamma:0", 6);
        weight("bn", "bn/beta:0", 6);
        weight("bn", "bn/moving_mean:0", 6);
        positiveWeight("bn", "bn/moving_variance:0", 6);
        weight("c2", "c2/kernel:0", 2, 3, 6, 4);
        weight("c2", "c2/bias:0", 4);
        weight("head", "head/kernel:0", 4, 3);
        weight("head", "head/bias:0", 3);

        YamnetImporter.Imported imported = YamnetImporter.importModel(KerasHdf5Model.of(NAME, config, weights));
        assertEquals(YamnetImporter.OutputActivation.SOFTMAX, imported.outputActivation());
        assertAgreesWithReference(config, imported);
    }

    @Test
    void framesMajorSequentialMatchesTheReference() {
        JsonObject config = parse("""
                {"class_name": "Sequential", "config": {"name": "s", "layers": [
                  %s, %s, %s,
                  {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": -1, "momentum": 0.9,
                    "epsilon": 0.0001, "center": true, "scale": false}},
                  {"class_name": "ReLU", "config": {"name": "r", "max_value": null, "negative_slope": 0.0,
                    "threshold": 0.0}},
                  {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap", "data_format": "channels_last",
                    "keepdims": false}},
                  {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.3, "noise_shape": null}},
                  %s
                ]}}
                """.formatted(
                input("in", 96, 64),
                conv("c1", "Conv2D", 5, new int[] {3, 2}, new int[] {2, 1}, "same", false, "linear", null),
                depthwise("d1", 1, new int[] {3, 1}, new int[] {1, 2}, null),
                dense("head", 2, "linear", null)));
        weight("c1", "c1/kernel:0", 3, 2, 1, 5);
        weight("d1", "d1/depthwise_kernel:0", 3, 1, 5, 1);
        weight("bn", "bn/beta:0", 5);
        weight("bn", "bn/moving_mean:0", 5);
        positiveWeight("bn", "bn/moving_variance:0", 5);
        weight("head", "head/kernel:0", 5, 2);
        weight("head", "head/bias:0", 2);

        YamnetImporter.Imported imported = YamnetImporter.importModel(KerasHdf5Model.of(NAME, config, weights));
        assertEquals(YamnetImporter.OutputActivation.NONE, imported.outputActivation());
        assertTrue(imported.layers().get(0).contains("frames x mels"), imported.layers().get(0));
        assertAgreesWithReference(config, imported);
    }

    @Test
    void unknownLayerIsRefusedByName() {
        JsonObject config = parse("""
                {"class_name": "Sequential", "config": {"name": "s", "layers": [%s,
                  {"class_name": "LSTM", "config": {"name": "memory", "units": 8}}]}}
                """.formatted(input("in", 64, 96)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> YamnetImporter.importModel(KerasHdf5Model.of(NAME, config, weights)));
        assertTrue(e.getMessage().contains("LSTM 'memory'") && e.getMessage().contains("unsupported"),
                e.getMessage());
    }

    @Test
    void unusedAndMisshapenWeightsAreRefused() {
        String layers = """
                {"class_name": "Sequential", "config": {"name": "s", "layers": [%s, %s]}}
                """.formatted(input("in", 64, 96),
                conv("c1", "Conv2D", 2, new int[] {3, 3}, new int[] {1, 1}, "same", false, "linear", null));
        weight("c1", "c1/kernel:0", 3, 3, 1, 2);
        weight("c1", "c1/stray:0", 2);
        IllegalArgumentException unused = assertThrows(IllegalArgumentException.class,
                () -> YamnetImporter.importModel(KerasHdf5Model.of(NAME, parse(layers), weights)));
        assertTrue(unused.getMessage().contains("c1/stray:0"), unused.getMessage());

        weights.clear();
        weight("c1", "c1/kernel:0", 3, 3, 2, 1);
        IllegalArgumentException misshapen = assertThrows(IllegalArgumentException.class,
                () -> YamnetImporter.importModel(KerasHdf5Model.of(NAME, parse(layers), weights)));
        assertTrue(misshapen.getMessage().contains("[3, 3, 2, 1]"), misshapen.getMessage());
    }

    @Test
    void inputOtherThanAMelPatchIsRefused() {
        JsonObject config = parse("""
                {"class_name": "Sequential", "config": {"name": "s", "layers": [%s]}}
                """.formatted(input("in", 128, 96)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> YamnetImporter.importModel(KerasHdf5Model.of(NAME, config, weights)));
        assertTrue(e.getMessage().contains("[128, 96, 1]"), e.getMessage());
    }

    @Test
    void samePaddingPutsTheOddPixelAfter() {
        assertEquals("[0, 1]", java.util.Arrays.toString(KerasGraphTranslator.samePadding(64, 3, 2)));
        assertEquals("[1, 1]", java.util.Arrays.toString(KerasGraphTranslator.samePadding(48, 3, 1)));
        assertEquals("[1, 1]", java.util.Arrays.toString(KerasGraphTranslator.samePadding(65, 3, 2)));
        assertEquals("[0, 0]", java.util.Arrays.toString(KerasGraphTranslator.samePadding(48, 1, 1)));
    }

    private void assertAgreesWithReference(JsonObject config, YamnetImporter.Imported imported) {
        float[] patch = new float[64 * 96];
        for (int i = 0; i < patch.length; i++) {
            patch[i] = (float) random.nextGaussian();
        }
        double[] expected = new KerasReference(config, (group, layer, var) ->
                weights.get(group).get(layer + "/" + var + ":0").data()).run(patch);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            imported.block().initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(1));
            float[] actual = imported.outputActivation().apply(imported.block()
                    .forward(new ParameterStore(manager, false),
                            new NDList(manager.create(patch, YamnetImporter.inputShape(1))), false)
                    .singletonOrThrow()).toFloatArray();
            YamnetImporterTest.assertClose(expected, actual, 1e-5);
        }
    }

    private void weight(String group, String name, int... dims) {
        float[] data = new float[java.util.Arrays.stream(dims).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian() * 0.5f;
        }
        weights.computeIfAbsent(group, g -> new LinkedHashMap<>())
                .put(name, new KerasHdf5Model.Weight("model_weights/" + group + "/" + name, dims, data));
    }

    private void positiveWeight(String group, String name, int... dims) {
        weight(group, name, dims);
        float[] data = weights.get(group).get(name).data();
        for (int i = 0; i < data.length; i++) {
            data[i] = 0.5f + Math.abs(data[i]);
        }
    }

    private static String input(String name, int rows, int cols) {
        return """
                {"class_name": "InputLayer", "name": "%s", "config": {"name": "%s",
                  "batch_input_shape": [null, %d, %d, 1]}, "inbound_nodes": []}""".formatted(name, name, rows, cols);
    }

    private static String conv(String name, String cls, int filters, int[] kernel, int[] strides, String padding,
            boolean bias, String activation, String inbound) {
        return """
                {"class_name": "%s", "name": "%s", "config": {"name": "%s", "filters": %d, "kernel_size": [%d, %d],
                  "strides": [%d, %d], "padding": "%s", "data_format": "channels_last", "dilation_rate": [1, 1],
                  "groups": 1, "activation": "%s", "use_bias": %b}%s}""".formatted(cls, name, name, filters,
                kernel[0], kernel[1], strides[0], strides[1], padding, activation, bias, inbound(inbound));
    }

    private static String depthwise(String name, int multiplier, int[] kernel, int[] strides, String inbound) {
        return """
                {"class_name": "DepthwiseConv2D", "name": "%s", "config": {"name": "%s", "kernel_size": [%d, %d],
                  "strides": [%d, %d], "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
                  "activation": "linear", "use_bias": false, "depth_multiplier": %d}%s}""".formatted(name, name,
                kernel[0], kernel[1], strides[0], strides[1], multiplier,
                inbound(inbound));
    }

    private static String dense(String name, int units, String activation, String inbound) {
        return """
                {"class_name": "Dense", "name": "%s", "config": {"name": "%s", "units": %d, "activation": "%s",
                  "use_bias": true}%s}""".formatted(name, name, units, activation, inbound(inbound));
    }

    private static String inbound(String from) {
        return from == null ? "" : ", \"inbound_nodes\": [[[\"" + from + "\", 0, 0, {}]]]";
    }

    private static JsonObject parse(String json) {
        return JsonParser.parseString(json).getAsJsonObject();
    }
}
