package org.earshot.train.yamnet;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import org.earshot.dsp.FrontEndSpec;
import org.earshot.train.nn.Layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates the layer graph of a {@link KerasHdf5Model} into DJL blocks of the exportable set (SequentialBlock,
 * Conv2d, BatchNorm, Linear, Dropout and the {@link Layers} lambdas), installing a {@link PretrainedInitializer} on
 * every parameter.
 *
 * <p>The DJL network always takes N x 1 x 64 x 96 (H = mel bands, W = frames), the layout of
 * {@code LogMel.toPatch}. Keras tensors are tracked in their own (rows, cols, channels) order together with a flag
 * saying whether Keras rows run along DJL W. YAMNet's backbone works on 96 frames x 64 mels, so there the flag is set
 * and kernels, strides and paddings are transposed while loading; a Keras {@code Permute((2, 1, 3))} just flips the
 * flag. Convolution, batch norm, ReLU and global pooling commute with a spatial transpose, so the result is exact.
 */
final class KerasGraphTranslator {
    private final KerasHdf5Model model;
    private final List<String> layerSummary = new ArrayList<>();
    /** Keras shape without the batch axis: {rows, cols, channels} or {units}; null before the input layer. */
    private int[] shape;
    /** True when Keras rows run along DJL W (frames) and Keras cols along DJL H (mels). */
    private boolean transposed;
    private YamnetImporter.OutputActivation outputActivation = YamnetImporter.OutputActivation.NONE;
    private String lastLayer;

    KerasGraphTranslator(KerasHdf5Model model) {
        this.model = model;
    }

    YamnetImporter.Imported translate() {
        JsonObject root = model.modelConfig();
        SequentialBlock block = new SequentialBlock();
        translateContainer(root, block, null);
        model.requireAllConsumed();
        if (shape == null) {
            throw fail(str(root, "class_name"), "model", "the model has no input layer");
        }
        long outputSize = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        return new YamnetImporter.Imported(block, outputActivation, shape.length == 1, outputSize,
                List.copyOf(layerSummary));
    }

    // ---- containers -------------------------------------------------------------------------------------------

    /**
     * Translates a Sequential or Functional model. {@code weightGroup} is the top-level layer whose HDF5 group holds
     * the weights of everything nested in it; null for the outermost model, whose layers each have their own group.
     */
    private void translateContainer(JsonObject container, SequentialBlock into, String weightGroup) {
        String cls = str(container, "class_name");
        JsonObject config = container.getAsJsonObject("config");
        String name = config.has("name") ? str(config, "name") : cls;
        List<JsonObject> layers = switch (cls) {
            case "Sequential" -> objects(config.getAsJsonArray("layers"));
            case "Functional", "Model" -> linearChain(name, config);
            default -> throw fail(cls, name, "not a model container");
        };
        for (JsonObject layer : layers) {
            String layerName = str(layer.getAsJsonObject("config"), "name");
            translateLayer(layer, into, weightGroup != null ? weightGroup : layerName);
        }
    }

    /**
     * The layers of a Functional model in execution order, which must form a single chain: the importer emits a
     * SequentialBlock, and a branch or merge silently linearized would be a different network.
     */
    private List<JsonObject> linearChain(String modelName, JsonObject config) {
        List<JsonObject> layers = objects(config.getAsJsonArray("layers"));
        JsonArray inputs = config.getAsJsonArray("input_layers");
        JsonArray outputs = config.getAsJsonArray("output_layers");
        if (inputs.size() != 1 || outputs.size() != 1) {
            throw fail("Functional", modelName, "only single-input single-output models are supported");
        }
        Map<String, JsonObject> byName = new HashMap<>();
        Map<String, String> successor = new HashMap<>();
        for (JsonObject layer : layers) {
            String name = layerName(layer);
            byName.put(name, layer);
            JsonArray nodes = layer.has("inbound_nodes") ? layer.getAsJsonArray("inbound_nodes") : new JsonArray();
            if (nodes.isEmpty()) {
                continue;
            }
            if (nodes.size() != 1 || !nodes.get(0).isJsonArray() || nodes.get(0).getAsJsonArray().size() != 1
                    || !nodes.get(0).getAsJsonArray().get(0).isJsonArray()) {
                throw fail(str(layer, "class_name"), name, "expected exactly one inbound tensor in Keras 2 format,"
                        + " got " + nodes + " (branches, merges and shared layers are not supported)");
            }
            String inbound = nodes.get(0).getAsJsonArray().get(0).getAsJsonArray().get(0).getAsString();
            if (successor.put(inbound, name) != null) {
                throw fail(str(layer, "class_name"), name, "layer '" + inbound + "' feeds more than one layer");
            }
        }
        List<JsonObject> chain = new ArrayList<>();
        String current = inputs.get(0).getAsJsonArray().get(0).getAsString();
        String output = outputs.get(0).getAsJsonArray().get(0).getAsString();
        while (current != null) {
            JsonObject layer = byName.get(current);
            if (layer == null) {
                throw fail("Functional", modelName, "unknown layer '" + current + "' in the graph");
            }
            chain.add(layer);
            if (current.equals(output)) {
                break;
            }
            current = successor.get(current);
        }
        if (chain.size() != layers.size() || !layerName(chain.get(chain.size() - 1)).equals(output)) {
            throw fail("Functional", modelName, "the layers do not form one chain from "
                    + inputs + " to " + outputs);
        }
        return chain;
    }

    // ---- layers -----------------------------------------------------------------------------------------------

    private void translateLayer(JsonObject layer, SequentialBlock into, String group) {
        String cls = str(layer, "class_name");
        JsonObject cfg = layer.getAsJsonObject("config");
        String name = str(cfg, "name");
        if (outputActivation != YamnetImporter.OutputActivation.NONE) {
            throw fail(cls, name, "follows the output activation of '" + lastLayer + "'; softmax/sigmoid are only"
                    + " supported as the last operation (the network emits logits)");
        }
        switch (cls) {
            case "Sequential", "Functional", "Model" -> {
                SequentialBlock nested = new SequentialBlock();
                translateContainer(layer, nested, group);
                into.add(nested);
            }
            case "InputLayer" -> input(cls, name, cfg);
            case "Permute" -> permute(cls, name, cfg);
            case "Conv2D" -> conv2d(cls, name, cfg, into, group);
            case "DepthwiseConv2D" -> depthwiseConv2d(cls, name, cfg, into, group);
            case "BatchNormalization" -> batchNorm(cls, name, cfg, into, group);
            case "ReLU" -> relu(cls, name, cfg, into);
            case "Activation" -> activation(cls, name, str(cfg, "activation"), into);
            case "Softmax" -> {
                requireLastAxis(cls, name, cfg.get("axis"));
                activation(cls, name, "softmax", into);
            }
            case "ZeroPadding2D" -> zeroPadding(cls, name, cfg, into);
            case "MaxPooling2D" -> maxPooling(cls, name, cfg, into);
            case "GlobalAveragePooling2D" -> globalAveragePooling(cls, name, cfg, into);
            case "Flatten" -> flatten(cls, name, into);
            case "Reshape" -> reshape(cls, name, cfg);
            case "Dropout" -> dropout(cls, name, cfg, into);
            case "Dense" -> dense(cls, name, cfg, into, group);
            default -> throw fail(cls, name, "unsupported Keras layer type; the importer maps InputLayer, Permute,"
                    + " Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, Activation, Softmax, ZeroPadding2D,"
                    + " MaxPooling2D, GlobalAveragePooling2D, Flatten, Reshape (no-op), Dropout, Dense and nested"
                    + " Sequential/Functional models");
        }
        lastLayer = name;
    }

    private void input(String cls, String name, JsonObject cfg) {
        JsonElement shapeJson = cfg.has("batch_input_shape") ? cfg.get("batch_input_shape") : cfg.get("batch_shape");
        if (shapeJson == null) {
            throw fail(cls, name, "no batch_input_shape");
        }
        JsonArray dims = shapeJson.getAsJsonArray();
        int[] declared = new int[dims.size() - 1];
        for (int i = 1; i < dims.size(); i++) {
            if (dims.get(i).isJsonNull()) {
                throw fail(cls, name, "variable input dimension in " + dims + "; a fixed 64x96 patch is required");
            }
            declared[i - 1] = dims.get(i).getAsInt();
        }
        if (shape != null) {
            // A nested model's input: it must accept what flows into it.
            if (!Arrays.equals(shape, declared)) {
                throw fail(cls, name, "expects " + Arrays.toString(declared) + " but receives "
                        + Arrays.toString(shape));
            }
            return;
        }
        int mels = FrontEndSpec.MEL_BANDS;
        int frames = FrontEndSpec.PATCH_FRAMES;
        if (Arrays.equals(declared, new int[] {mels, frames, 1})) {
            transposed = false;
        } else if (Arrays.equals(declared, new int[] {frames, mels, 1})) {
            transposed = true;
        } else {
            throw fail(cls, name, "input " + Arrays.toString(declared) + " is neither " + mels + "x" + frames
                    + "x1 (mels x frames) nor " + frames + "x" + mels + "x1 (frames x mels)");
        }
        shape = declared;
        summary(cls, name, "input " + Arrays.toString(declared)
                + (transposed ? " (frames x mels: kernels transposed into the mels x frames DJL layout)" : ""));
    }

    private void permute(String cls, String name, JsonObject cfg) {
        int[] dims = ints(cfg, "dims");
        requireSpatial(cls, name);
        if (Arrays.equals(dims, new int[] {1, 2, 3})) {
            return;
        }
        if (!Arrays.equals(dims, new int[] {2, 1, 3})) {
            throw fail(cls, name, "only Permute((2, 1, 3)) (swap of the spatial axes) is supported, got "
                    + Arrays.toString(dims));
        }
        shape = new int[] {shape[1], shape[0], shape[2]};
        transposed = !transposed;
        summary(cls, name, "swap of rows and cols: no block, absorbed into the kernel layout");
    }

    private void conv2d(String cls, String name, JsonObject cfg, SequentialBlock into, String group) {
        requireSpatial(cls, name);
        requireChannelsLast(cls, name, cfg);
        requireNoDilation(cls, name, cfg);
        int filters = cfg.get("filters").getAsInt();
        int groups = cfg.has("groups") ? cfg.get("groups").getAsInt() : 1;
        int[] k = ints(cfg, "kernel_size");
        int[] s = ints(cfg, "strides");
        int cin = shape[2];
        if (cin % groups != 0 || filters % groups != 0) {
            throw fail(cls, name, "groups " + groups + " do not divide channels " + cin + " -> " + filters);
        }
        int cinPerGroup = cin / groups;
        float[] kernel = model.take(group, name, "kernel", k[0], k[1], cinPerGroup, filters).data();
        // Keras (rows, cols, in, out) -> DJL (out, in, H, W)
        int[] kDjl = djl(k);
        float[] weight = new float[filters * cinPerGroup * k[0] * k[1]];
        for (int o = 0; o < filters; o++) {
            for (int i = 0; i < cinPerGroup; i++) {
                for (int y = 0; y < kDjl[0]; y++) {
                    for (int x = 0; x < kDjl[1]; x++) {
                        int r = transposed ? x : y;
                        int c = transposed ? y : x;
                        weight[((o * cinPerGroup + i) * kDjl[0] + y) * kDjl[1] + x] =
                                kernel[((r * k[1] + c) * cinPerGroup + i) * filters + o];
                    }
                }
            }
        }
        emitConvolution(cls, name, cfg, into, group, k, s, filters, groups, cinPerGroup, weight);
    }

    private void depthwiseConv2d(String cls, String name, JsonObject cfg, SequentialBlock into, String group) {
        requireSpatial(cls, name);
        requireChannelsLast(cls, name, cfg);
        requireNoDilation(cls, name, cfg);
        int multiplier = cfg.has("depth_multiplier") ? cfg.get("depth_multiplier").getAsInt() : 1;
        int[] k = ints(cfg, "kernel_size");
        int[] s = ints(cfg, "strides");
        int cin = shape[2];
        int filters = cin * multiplier;
        float[] kernel = model.take(group, name, "depthwise_kernel", k[0], k[1], cin, multiplier).data();
        // Keras (rows, cols, in, multiplier) -> DJL (in * multiplier, 1, H, W); output channel c * multiplier + m.
        int[] kDjl = djl(k);
        float[] weight = new float[filters * k[0] * k[1]];
        for (int c = 0; c < cin; c++) {
            for (int m = 0; m < multiplier; m++) {
                int o = c * multiplier + m;
                for (int y = 0; y < kDjl[0]; y++) {
                    for (int x = 0; x < kDjl[1]; x++) {
                        int r = transposed ? x : y;
                        int q = transposed ? y : x;
                        weight[(o * kDjl[0] + y) * kDjl[1] + x] = kernel[((r * k[1] + q) * cin + c) * multiplier + m];
                    }
                }
            }
        }
        emitConvolution(cls, name, cfg, into, group, k, s, filters, cin, 1, weight);
    }

    private void emitConvolution(String cls, String name, JsonObject cfg, SequentialBlock into, String group,
            int[] k, int[] s, int filters, int groups, int cinPerGroup, float[] weight) {
        String padding = str(cfg, "padding");
        int[][] pads = new int[2][];
        int[] out = new int[2];
        for (int axis = 0; axis < 2; axis++) {
            pads[axis] = switch (padding) {
                case "same" -> samePadding(shape[axis], k[axis], s[axis]);
                case "valid" -> new int[] {0, 0};
                default -> throw fail(cls, name, "unsupported padding '" + padding + "'");
            };
            out[axis] = (shape[axis] + pads[axis][0] + pads[axis][1] - k[axis]) / s[axis] + 1;
        }
        int[] vertical = transposed ? pads[1] : pads[0];
        int[] horizontal = transposed ? pads[0] : pads[1];
        Shape convPadding;
        String padNote = "";
        if (vertical[0] == vertical[1] && horizontal[0] == horizontal[1]) {
            convPadding = new Shape(vertical[0], horizontal[0]);
        } else {
            // TF "same" puts the odd pixel at the bottom/right, which Conv2d's symmetric padding cannot express.
            into.add(Layers.pad(vertical[0], vertical[1], horizontal[0], horizontal[1]));
            convPadding = new Shape(0, 0);
            padNote = " after pad:" + vertical[0] + "," + vertical[1] + "," + horizontal[0] + "," + horizontal[1];
        }
        int[] kDjl = djl(k);
        int[] sDjl = djl(s);
        boolean useBias = cfg.get("use_bias").getAsBoolean();
        Conv2d conv = Conv2d.builder()
                .setKernelShape(new Shape(kDjl[0], kDjl[1]))
                .optStride(new Shape(sDjl[0], sDjl[1]))
                .optPadding(convPadding)
                .setFilters(filters)
                .optGroups(groups)
                .optBias(useBias)
                .build();
        set(conv, "weight", new Shape(filters, cinPerGroup, kDjl[0], kDjl[1]), weight,
                model.file() + ":" + group + "/" + name + " kernel");
        if (useBias) {
            set(conv, "bias", new Shape(filters), model.take(group, name, "bias", filters).data(),
                    model.file() + ":" + group + "/" + name + " bias");
        }
        into.add(conv);
        shape = new int[] {out[0], out[1], filters};
        summary(cls, name, "Conv2d " + kDjl[0] + "x" + kDjl[1] + " stride " + sDjl[0] + "x" + sDjl[1] + " padding "
                + convPadding + padNote + (groups > 1 ? " groups " + groups : "") + " -> " + describe());
        appendActivation(cls, name, cfg, into);
    }

    private void batchNorm(String cls, String name, JsonObject cfg, SequentialBlock into, String group) {
        requireLastAxis(cls, name, cfg.get("axis"));
        int channels = shape[shape.length - 1];
        boolean center = cfg.get("center").getAsBoolean();
        boolean scale = cfg.get("scale").getAsBoolean();
        float epsilon = cfg.get("epsilon").getAsFloat();
        float momentum = cfg.get("momentum").getAsFloat();
        BatchNorm bn = BatchNorm.builder()
                .optAxis(1)
                .optEpsilon(epsilon)
                // DJL and Keras share the convention running = momentum * running + (1 - momentum) * batch.
                .optMomentum(momentum)
                .optCenter(center)
                .optScale(scale)
                .build();
        Shape c = new Shape(channels);
        String prefix = model.file() + ":" + group + "/" + name + " ";
        // Without scale/center Keras has no gamma/beta; DJL keeps a frozen one (1 or 0) that must stay neutral.
        setParam(bn, "gamma", scale ? new PretrainedInitializer(prefix + "gamma", c,
                model.take(group, name, "gamma", channels).data())
                : PretrainedInitializer.constant("unscaled BatchNorm " + name, c, 1f));
        setParam(bn, "beta", center ? new PretrainedInitializer(prefix + "beta", c,
                model.take(group, name, "beta", channels).data())
                : PretrainedInitializer.constant("uncentered BatchNorm " + name, c, 0f));
        set(bn, "runningMean", c, model.take(group, name, "moving_mean", channels).data(), prefix + "moving_mean");
        set(bn, "runningVar", c, model.take(group, name, "moving_variance", channels).data(),
                prefix + "moving_variance");
        into.add(bn);
        summary(cls, name, "BatchNorm eps " + epsilon + " momentum " + momentum + (scale ? "" : " no gamma")
                + (center ? "" : " no beta"));
    }

    private void relu(String cls, String name, JsonObject cfg, SequentialBlock into) {
        JsonElement max = cfg.get("max_value");
        float slope = cfg.has("negative_slope") ? cfg.get("negative_slope").getAsFloat() : 0f;
        float threshold = cfg.has("threshold") ? cfg.get("threshold").getAsFloat() : 0f;
        if (slope != 0f || threshold != 0f) {
            throw fail(cls, name, "leaky or thresholded ReLU (negative_slope " + slope + ", threshold " + threshold
                    + ") is not in the exportable layer set");
        }
        if (max == null || max.isJsonNull()) {
            into.add(Layers.relu());
            summary(cls, name, Layers.RELU);
        } else if (max.getAsFloat() == 6f) {
            into.add(Layers.relu6());
            summary(cls, name, Layers.RELU6);
        } else {
            throw fail(cls, name, "ReLU with max_value " + max + " is not in the exportable layer set");
        }
    }

    private void activation(String cls, String name, String activation, SequentialBlock into) {
        switch (activation) {
            case "linear" -> { }
            case "relu" -> {
                into.add(Layers.relu());
                summary(cls, name, Layers.RELU);
            }
            case "relu6" -> {
                into.add(Layers.relu6());
                summary(cls, name, Layers.RELU6);
            }
            case "softmax", "sigmoid" -> {
                if (shape.length != 1) {
                    throw fail(cls, name, activation + " over a spatial tensor is not supported");
                }
                outputActivation = YamnetImporter.OutputActivation.valueOf(activation.toUpperCase(Locale.ROOT));
                summary(cls, name, activation + " (output activation, applied outside the network)");
            }
            default -> throw fail(cls, name, "unsupported activation '" + activation + "'");
        }
    }

    private void appendActivation(String cls, String name, JsonObject cfg, SequentialBlock into) {
        if (cfg.has("activation")) {
            activation(cls, name, str(cfg, "activation"), into);
        }
    }

    private void zeroPadding(String cls, String name, JsonObject cfg, SequentialBlock into) {
        requireSpatial(cls, name);
        requireChannelsLast(cls, name, cfg);
        JsonElement p = cfg.get("padding");
        int[][] pads;
        if (p.isJsonPrimitive()) {
            int v = p.getAsInt();
            pads = new int[][] {{v, v}, {v, v}};
        } else {
            JsonArray a = p.getAsJsonArray();
            if (a.get(0).isJsonPrimitive()) {
                pads = new int[][] {{a.get(0).getAsInt(), a.get(0).getAsInt()},
                    {a.get(1).getAsInt(), a.get(1).getAsInt()}};
            } else {
                pads = new int[][] {ints(a.get(0).getAsJsonArray()), ints(a.get(1).getAsJsonArray())};
            }
        }
        int[] vertical = transposed ? pads[1] : pads[0];
        int[] horizontal = transposed ? pads[0] : pads[1];
        into.add(Layers.pad(vertical[0], vertical[1], horizontal[0], horizontal[1]));
        shape = new int[] {shape[0] + pads[0][0] + pads[0][1], shape[1] + pads[1][0] + pads[1][1], shape[2]};
        summary(cls, name, "pad:" + vertical[0] + "," + vertical[1] + "," + horizontal[0] + "," + horizontal[1]);
    }

    private void maxPooling(String cls, String name, JsonObject cfg, SequentialBlock into) {
        requireSpatial(cls, name);
        requireChannelsLast(cls, name, cfg);
        int[] k = ints(cfg, "pool_size");
        int[] s = cfg.get("strides").isJsonNull() ? k : ints(cfg, "strides");
        int[] out = new int[2];
        for (int axis = 0; axis < 2; axis++) {
            if ("same".equals(str(cfg, "padding"))) {
                int[] pad = samePadding(shape[axis], k[axis], s[axis]);
                if (pad[0] + pad[1] != 0) {
                    throw fail(cls, name, "'same' max pooling that pads is not supported (pad with -inf)");
                }
            }
            out[axis] = (shape[axis] - k[axis]) / s[axis] + 1;
        }
        int[] kDjl = djl(k);
        int[] sDjl = djl(s);
        into.add(Layers.maxPool(kDjl[0], kDjl[1], sDjl[0], sDjl[1]));
        shape = new int[] {out[0], out[1], shape[2]};
        summary(cls, name, "maxpool " + kDjl[0] + "x" + kDjl[1] + " stride " + sDjl[0] + "x" + sDjl[1]);
    }

    private void globalAveragePooling(String cls, String name, JsonObject cfg, SequentialBlock into) {
        requireSpatial(cls, name);
        requireChannelsLast(cls, name, cfg);
        if (cfg.has("keepdims") && cfg.get("keepdims").getAsBoolean()) {
            throw fail(cls, name, "keepdims=True is not supported (gap yields N x C)");
        }
        into.add(Layers.globalAvgPool());
        shape = new int[] {shape[2]};
        summary(cls, name, Layers.GLOBAL_AVG_POOL + " -> " + describe());
    }

    private void flatten(String cls, String name, SequentialBlock into) {
        if (shape.length == 1) {
            return;
        }
        if (shape.length != 3 || shape[0] != 1 || shape[1] != 1) {
            throw fail(cls, name, "flattening " + Arrays.toString(shape) + " in channels-last order differs from"
                    + " NCHW flattening; only 1x1 spatial maps are supported");
        }
        into.add(Layers.flatten());
        shape = new int[] {shape[2]};
        summary(cls, name, Layers.FLATTEN);
    }

    private void reshape(String cls, String name, JsonObject cfg) {
        int[] target = ints(cfg, "target_shape");
        if (!Arrays.equals(target, shape)) {
            throw fail(cls, name, "only a no-op Reshape is supported, got " + Arrays.toString(shape) + " -> "
                    + Arrays.toString(target));
        }
    }

    private void dropout(String cls, String name, JsonObject cfg, SequentialBlock into) {
        if (cfg.has("noise_shape") && !cfg.get("noise_shape").isJsonNull()) {
            throw fail(cls, name, "Dropout with noise_shape is not supported");
        }
        float rate = cfg.get("rate").getAsFloat();
        into.add(Dropout.builder().optRate(rate).build());
        summary(cls, name, "Dropout " + rate);
    }

    private void dense(String cls, String name, JsonObject cfg, SequentialBlock into, String group) {
        if (shape.length != 1) {
            throw fail(cls, name, "Dense on " + Arrays.toString(shape) + ": only flat (N x C) inputs are supported");
        }
        int in = shape[0];
        int units = cfg.get("units").getAsInt();
        boolean useBias = cfg.get("use_bias").getAsBoolean();
        float[] kernel = model.take(group, name, "kernel", in, units).data();
        float[] weight = new float[units * in];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < units; o++) {
                weight[o * in + i] = kernel[i * units + o];
            }
        }
        Linear linear = Linear.builder().setUnits(units).optBias(useBias).build();
        String prefix = model.file() + ":" + group + "/" + name + " ";
        set(linear, "weight", new Shape(units, in), weight, prefix + "kernel");
        if (useBias) {
            set(linear, "bias", new Shape(units), model.take(group, name, "bias", units).data(), prefix + "bias");
        }
        into.add(linear);
        shape = new int[] {units};
        summary(cls, name, "Linear " + in + " -> " + units);
        appendActivation(cls, name, cfg, into);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** TensorFlow's "same" padding: the output is ceil(in / stride) and the odd pixel goes after. */
    static int[] samePadding(int in, int kernel, int stride) {
        int out = (in + stride - 1) / stride;
        int total = Math.max((out - 1) * stride + kernel - in, 0);
        return new int[] {total / 2, total - total / 2};
    }

    /** A Keras (rows, cols) pair in DJL (H, W) order. */
    private int[] djl(int[] keras) {
        return transposed ? new int[] {keras[1], keras[0]} : new int[] {keras[0], keras[1]};
    }

    private static void set(Block block, String param, Shape shape, float[] values, String source) {
        setParam(block, param, new PretrainedInitializer(source, shape, values));
    }

    private static void setParam(Block block, String param, PretrainedInitializer initializer) {
        Parameter parameter = block.getParameters().get(param);
        if (parameter == null) {
            throw new IllegalStateException(block + " has no parameter '" + param + "'");
        }
        parameter.setInitializer(initializer);
    }

    private String describe() {
        if (shape.length == 1) {
            return "N x " + shape[0];
        }
        int h = transposed ? shape[1] : shape[0];
        int w = transposed ? shape[0] : shape[1];
        return "N x " + shape[2] + " x " + h + " x " + w;
    }

    private void summary(String cls, String name, String what) {
        layerSummary.add(cls + " " + name + ": " + what);
    }

    private void requireSpatial(String cls, String name) {
        if (shape == null || shape.length != 3) {
            throw fail(cls, name, "needs a rows x cols x channels input, got "
                    + (shape == null ? "nothing (no input layer before it)" : Arrays.toString(shape)));
        }
    }

    private void requireChannelsLast(String cls, String name, JsonObject cfg) {
        if (cfg.has("data_format") && !"channels_last".equals(str(cfg, "data_format"))) {
            throw fail(cls, name, "data_format " + cfg.get("data_format") + " (only channels_last is supported)");
        }
    }

    private void requireNoDilation(String cls, String name, JsonObject cfg) {
        if (cfg.has("dilation_rate") && !Arrays.equals(ints(cfg, "dilation_rate"), new int[] {1, 1})) {
            throw fail(cls, name, "dilated convolution is not supported");
        }
    }

    private void requireLastAxis(String cls, String name, JsonElement axisJson) {
        int rank = shape.length + 1;
        int axis = axisJson.isJsonArray() ? single(cls, name, axisJson.getAsJsonArray()) : axisJson.getAsInt();
        if (axis != -1 && axis != rank - 1) {
            throw fail(cls, name, "axis " + axisJson + " is not the channel axis of a rank-" + rank + " tensor");
        }
    }

    private int single(String cls, String name, JsonArray array) {
        if (array.size() != 1) {
            throw fail(cls, name, "multi-axis " + array + " is not supported");
        }
        return array.get(0).getAsInt();
    }

    private IllegalArgumentException fail(String cls, String name, String why) {
        return new IllegalArgumentException(model.file() + ": cannot import Keras layer " + cls + " '" + name + "': "
                + why);
    }

    private static String layerName(JsonObject layer) {
        return layer.has("name") ? str(layer, "name") : str(layer.getAsJsonObject("config"), "name");
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("missing '" + key + "' in " + abbreviate(o));
        }
        return e.getAsString();
    }

    private static String abbreviate(JsonObject o) {
        String s = o.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static int[] ints(JsonObject o, String key) {
        return ints(o.getAsJsonArray(key));
    }

    private static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsInt();
        }
        return v;
    }

    private static List<JsonObject> objects(JsonArray a) {
        List<JsonObject> list = new ArrayList<>();
        a.forEach(e -> list.add(e.getAsJsonObject()));
        return list;
    }
}
