package org.earshot.train.onnx;

import ai.djl.ndarray.NDArray;
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
import ai.djl.util.Pair;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.nn.Layers;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a trained DJL network as an ONNX model (IR version 8, opset 13) so that serving needs only the OnnxRuntime
 * engine. DJL cannot export ONNX itself, so this walks the block tree and encodes the protobuf by hand. It accepts
 * exactly the vocabulary the training code builds networks from: {@link SequentialBlock} (nested), {@link Conv2d},
 * {@link BatchNorm} on axis 1, {@link Linear} on N x features, {@link Dropout} (dropped: identity at inference) and
 * the named lambdas of {@link Layers}. Anything else, including subclasses of these, is rejected rather than guessed
 * at. The graph has one input {@value #INPUT_NAME} (N x C x H x W, N dynamic) and one output {@value #OUTPUT_NAME}
 * (N x classes), logits or, with {@code appendSigmoid}, probabilities.
 *
 * <p>BatchNorm is exported as an ONNX BatchNormalization node with DJL's running statistics. DJL keeps the epsilon in
 * a private field without a getter, so it is read by reflection (this works on the class path, where DJL runs here);
 * OnnxRuntime folds the node into the preceding Conv itself when it optimises the graph.
 */
public final class OnnxExporter {
    public static final String INPUT_NAME = OnnxClassifier.INPUT_NAME;
    public static final String OUTPUT_NAME = OnnxClassifier.OUTPUT_NAME;
    public static final String PRODUCER_NAME = "earshot";
    public static final String BATCH_DIM = "N";
    static final long IR_VERSION = 8;
    static final long OPSET_VERSION = 13;

    // onnx.proto field numbers (proto2, onnx/onnx.proto).
    static final int MODEL_IR_VERSION = 1;
    static final int MODEL_PRODUCER_NAME = 2;
    static final int MODEL_PRODUCER_VERSION = 3;
    static final int MODEL_DOC_STRING = 6;
    static final int MODEL_GRAPH = 7;
    static final int MODEL_OPSET_IMPORT = 8;
    static final int MODEL_METADATA_PROPS = 14;
    static final int OPSET_DOMAIN = 1;
    static final int OPSET_VERSION_FIELD = 2;
    static final int ENTRY_KEY = 1;
    static final int ENTRY_VALUE = 2;
    static final int GRAPH_NODE = 1;
    static final int GRAPH_NAME = 2;
    static final int GRAPH_INITIALIZER = 5;
    static final int GRAPH_INPUT = 11;
    static final int GRAPH_OUTPUT = 12;
    static final int NODE_INPUT = 1;
    static final int NODE_OUTPUT = 2;
    static final int NODE_NAME = 3;
    static final int NODE_OP_TYPE = 4;
    static final int NODE_ATTRIBUTE = 5;
    static final int ATTR_NAME = 1;
    static final int ATTR_F = 2;
    static final int ATTR_I = 3;
    static final int ATTR_S = 4;
    static final int ATTR_INTS = 8;
    static final int ATTR_TYPE = 20;
    static final int ATTR_TYPE_FLOAT = 1;
    static final int ATTR_TYPE_INT = 2;
    static final int ATTR_TYPE_STRING = 3;
    static final int ATTR_TYPE_INTS = 7;
    static final int TENSOR_DIMS = 1;
    static final int TENSOR_DATA_TYPE = 2;
    static final int TENSOR_NAME = 8;
    static final int TENSOR_RAW_DATA = 9;
    static final int DATA_TYPE_FLOAT = 1;
    static final int DATA_TYPE_INT64 = 7;
    static final int VALUE_INFO_NAME = 1;
    static final int VALUE_INFO_TYPE = 2;
    static final int TYPE_TENSOR_TYPE = 1;
    static final int TENSOR_TYPE_ELEM_TYPE = 1;
    static final int TENSOR_TYPE_SHAPE = 2;
    static final int SHAPE_DIM = 1;
    static final int DIM_VALUE = 1;
    static final int DIM_PARAM = 2;

    private OnnxExporter() {}

    /** Exports with the default doc string and no metadata; see {@link #export(Block, Shape, Path, boolean, String, Map)}. */
    public static void export(Block block, Shape inputShape, Path out, boolean appendSigmoid) throws IOException {
        export(block, inputShape, out, appendSigmoid, "Earshot event classifier", Map.of());
    }

    /**
     * Writes {@code block} as an ONNX model to {@code out}, replacing it atomically so that a server never reads a
     * half-written file.
     *
     * @param block an initialised network built from the supported blocks
     * @param inputShape N x C x H x W; N is ignored and written as the dynamic dimension {@value #BATCH_DIM}
     * @param appendSigmoid whether to end the graph with a Sigmoid, so that it outputs probabilities
     * @param metadata written as ONNX metadata_props, sorted by key so that the same network gives the same bytes
     * @throws IllegalArgumentException for a block, shape or parameter the exporter cannot translate
     */
    public static void export(
            Block block,
            Shape inputShape,
            Path out,
            boolean appendSigmoid,
            String docString,
            Map<String, String> metadata)
            throws IOException {
        writeAtomically(toModelProto(block, inputShape, appendSigmoid, docString, metadata), out);
    }

    /** Writes an encoded model to {@code out}, replacing it atomically so that a server never reads a half-written file. */
    static void writeAtomically(byte[] model, Path out) throws IOException {
        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        // Not Files.createTempFile: its owner-only permissions would stick to the model; CREATE_NEW honours umask.
        Path tmp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, model, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static byte[] toModelProto(
            Block block, Shape inputShape, boolean appendSigmoid, String docString, Map<String, String> metadata) {
        if (inputShape.dimension() != 4) {
            throw new IllegalArgumentException("Input shape must be N x C x H x W, got " + inputShape);
        }
        for (int axis = 1; axis < 4; axis++) {
            if (inputShape.get(axis) <= 0) {
                throw new IllegalArgumentException("Input shape needs fixed C, H and W, got " + inputShape);
            }
        }
        long[] dims = inputShape.getShape().clone();
        dims[0] = -1;
        Graph graph = new Graph();
        Value result = graph.visit(block, "net", new Value(INPUT_NAME, dims));
        if (appendSigmoid) {
            result = graph.add("Sigmoid", "sigmoid", List.of(result.name()), result.dims(), List.of());
        }
        graph.nameOutput(result);

        ProtoWriter g = new ProtoWriter();
        for (Node node : graph.nodes) {
            g.message(GRAPH_NODE, node.encode());
        }
        g.string(GRAPH_NAME, "earshot");
        for (ProtoWriter initializer : graph.initializers) {
            g.message(GRAPH_INITIALIZER, initializer);
        }
        g.message(GRAPH_INPUT, valueInfo(INPUT_NAME, dims));
        g.message(GRAPH_OUTPUT, valueInfo(OUTPUT_NAME, result.dims()));

        ProtoWriter m = new ProtoWriter()
                .int64(MODEL_IR_VERSION, IR_VERSION)
                .string(MODEL_PRODUCER_NAME, PRODUCER_NAME)
                .string(MODEL_PRODUCER_VERSION, producerVersion())
                .string(MODEL_DOC_STRING, docString)
                .message(MODEL_OPSET_IMPORT, new ProtoWriter().string(OPSET_DOMAIN, "").int64(OPSET_VERSION_FIELD, OPSET_VERSION));
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            m.message(MODEL_METADATA_PROPS, new ProtoWriter().string(ENTRY_KEY, e.getKey()).string(ENTRY_VALUE, e.getValue()));
        }
        m.message(MODEL_GRAPH, g);
        return m.toByteArray();
    }

    private static String producerVersion() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static ProtoWriter valueInfo(String name, long[] dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) {
            shape.message(SHAPE_DIM, d < 0 ? new ProtoWriter().string(DIM_PARAM, BATCH_DIM) : new ProtoWriter().int64(DIM_VALUE, d));
        }
        ProtoWriter tensorType = new ProtoWriter().int64(TENSOR_TYPE_ELEM_TYPE, DATA_TYPE_FLOAT).message(TENSOR_TYPE_SHAPE, shape);
        return new ProtoWriter()
                .string(VALUE_INFO_NAME, name)
                .message(VALUE_INFO_TYPE, new ProtoWriter().message(TYPE_TENSOR_TYPE, tensorType));
    }

    static ProtoWriter node(String opType, String name, List<String> inputs, String output,
            List<ProtoWriter> attributes) {
        ProtoWriter w = new ProtoWriter();
        for (String input : inputs) {
            w.string(NODE_INPUT, input);
        }
        w.string(NODE_OUTPUT, output).string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
        for (ProtoWriter attribute : attributes) {
            w.message(NODE_ATTRIBUTE, attribute);
        }
        return w;
    }

    /** A tensor flowing through the graph; batch is -1 in {@code dims}. */
    private record Value(String name, long[] dims) {}

    private static final class Node {
        final String opType;
        final String name;
        final List<String> inputs;
        String output;
        final List<ProtoWriter> attributes;

        Node(String opType, String name, List<String> inputs, String output, List<ProtoWriter> attributes) {
            this.opType = opType;
            this.name = name;
            this.inputs = inputs;
            this.output = output;
            this.attributes = attributes;
        }

        ProtoWriter encode() {
            return node(opType, name, inputs, output, attributes);
        }
    }

    private static final class Graph {
        final List<Node> nodes = new ArrayList<>();
        final List<ProtoWriter> initializers = new ArrayList<>();

        Value visit(Block block, String path, Value in) {
            Class<?> type = block.getClass();
            if (type == SequentialBlock.class) {
                Value v = in;
                for (Pair<String, Block> child : block.getChildren()) {
                    v = visit(child.getValue(), path + "/" + child.getKey(), v);
                }
                return v;
            } else if (type == Conv2d.class) {
                return conv((Conv2d) block, path, in);
            } else if (type == BatchNorm.class) {
                return batchNorm((BatchNorm) block, path, in);
            } else if (type == Linear.class) {
                return linear(block, path, in);
            } else if (type == Dropout.class) {
                return in;
            } else if (type == LambdaBlock.class) {
                return lambda((LambdaBlock) block, path, in);
            }
            throw new IllegalArgumentException(
                    "Cannot export block " + path + " of type " + type.getName() + ": not in the exportable set");
        }

        private Value conv(Conv2d conv, String path, Value in) {
            requireRank(in, 4, path);
            long[] kernel = conv.getKernelShape().getShape();
            long[] stride = conv.getStride().getShape();
            long[] padding = conv.getPadding().getShape();
            long[] dilation = conv.getDilation().getShape();
            Parameter weight = param(conv, "weight", path);
            long[] weightDims = weight.getShape().getShape();
            long groups = conv.getGroups();
            if (weightDims[1] * groups != in.dims()[1]) {
                throw new IllegalArgumentException(path + ": weight " + Arrays.toString(weightDims) + " with groups "
                        + groups + " does not fit " + in.dims()[1] + " input channels");
            }
            List<String> inputs = new ArrayList<>(List.of(in.name(), initializer(path + ".weight", weightDims, floats(weight, path + ".weight"))));
            if (conv.isIncludeBias()) {
                Parameter bias = param(conv, "bias", path);
                inputs.add(initializer(path + ".bias", bias.getShape().getShape(), floats(bias, path + ".bias")));
            }
            long[] out = {-1, weightDims[0], 0, 0};
            for (int i = 0; i < 2; i++) {
                out[2 + i] = (in.dims()[2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i] + 1;
                requirePositive(out[2 + i], path);
            }
            return add("Conv", path, inputs, out, List.of(
                    ints("kernel_shape", kernel),
                    ints("strides", stride),
                    ints("pads", new long[] {padding[0], padding[1], padding[0], padding[1]}),
                    ints("dilations", dilation),
                    intAttr("group", groups)));
        }

        private Value batchNorm(BatchNorm bn, String path, Value in) {
            int axis = (Integer) privateValue(bn, "axis");
            if (axis != 1) {
                throw new IllegalArgumentException(path + ": BatchNorm over axis " + axis + " is not exportable, only axis 1");
            }
            if (in.dims().length < 2) {
                throw new IllegalArgumentException(path + ": BatchNorm needs a channel axis, input is " + describe(in.dims()));
            }
            float epsilon = (Float) privateValue(bn, "epsilon");
            List<String> inputs = new ArrayList<>(List.of(in.name()));
            for (String name : List.of("gamma", "beta", "runningMean", "runningVar")) {
                Parameter p = param(bn, name, path);
                float[] values = floats(p, path + "." + name);
                if (values.length != in.dims()[1]) {
                    throw new IllegalArgumentException(path + "." + name + " has " + values.length + " values for "
                            + in.dims()[1] + " channels");
                }
                inputs.add(initializer(path + "." + name, new long[] {values.length}, values));
            }
            return add("BatchNormalization", path, inputs, in.dims(), List.of(floatAttr("epsilon", epsilon)));
        }

        private Value linear(Block linear, String path, Value in) {
            requireRank(in, 2, path);
            Parameter weight = param(linear, "weight", path);
            long[] weightDims = weight.getShape().getShape();
            if (weightDims[1] != in.dims()[1]) {
                throw new IllegalArgumentException(path + ": weight " + Arrays.toString(weightDims) + " does not fit "
                        + in.dims()[1] + " input features");
            }
            List<String> inputs = new ArrayList<>(List.of(in.name(),
                    initializer(path + ".weight", weightDims, floats(weight, path + ".weight"))));
            if (linear.getDirectParameters().contains("bias")) {
                Parameter bias = param(linear, "bias", path);
                inputs.add(initializer(path + ".bias", bias.getShape().getShape(), floats(bias, path + ".bias")));
            }
            // DJL stores Linear weights as [out, in]; Gemm computes A * B^T with transB.
            return add("Gemm", path, inputs, new long[] {-1, weightDims[0]}, List.of(intAttr("transB", 1)));
        }

        private Value lambda(LambdaBlock block, String path, Value in) {
            String name = block.getName();
            long[] d = in.dims();
            switch (name) {
                case Layers.RELU:
                    return add("Relu", path, List.of(in.name()), d, List.of());
                case Layers.RELU6:
                    return add("Clip", path, List.of(in.name(),
                            initializer(path + ".min", new long[0], new float[] {0f}),
                            initializer(path + ".max", new long[0], new float[] {6f})), d, List.of());
                case Layers.FLATTEN: {
                    if (d.length < 2) {
                        throw new IllegalArgumentException(path + ": flatten needs rank >= 2, input is " + describe(d));
                    }
                    long features = 1;
                    for (int i = 1; i < d.length; i++) {
                        features *= d[i];
                    }
                    return add("Flatten", path, List.of(in.name()), new long[] {-1, features}, List.of(intAttr("axis", 1)));
                }
                case Layers.GLOBAL_AVG_POOL:
                    requireRank(in, 4, path);
                    return add("ReduceMean", path, List.of(in.name()), new long[] {-1, d[1]},
                            List.of(ints("axes", new long[] {2, 3}), intAttr("keepdims", 0)));
                case Layers.MEAN_MAX_POOL: {
                    requireRank(in, 4, path);
                    Value bands = add("ReduceMean", path + ".bands", List.of(in.name()), new long[] {-1, d[1], d[3]},
                            List.of(ints("axes", new long[] {2}), intAttr("keepdims", 0)));
                    Value max = add("ReduceMax", path + ".max", List.of(bands.name()), new long[] {-1, d[1]},
                            List.of(ints("axes", new long[] {2}), intAttr("keepdims", 0)));
                    Value mean = add("ReduceMean", path + ".mean", List.of(bands.name()), new long[] {-1, d[1]},
                            List.of(ints("axes", new long[] {2}), intAttr("keepdims", 0)));
                    return add("Add", path, List.of(max.name(), mean.name()), new long[] {-1, d[1]}, List.of());
                }
                default:
                    break;
            }
            if (name.startsWith(Layers.MAX_POOL_PREFIX)) {
                requireRank(in, 4, path);
                long[] a = longs(Layers.args(name, Layers.MAX_POOL_PREFIX), 4, name);
                long[] out = {-1, d[1], (d[2] - a[0]) / a[2] + 1, (d[3] - a[1]) / a[3] + 1};
                requirePositive(out[2], path);
                requirePositive(out[3], path);
                return add("MaxPool", path, List.of(in.name()), out, List.of(
                        ints("kernel_shape", new long[] {a[0], a[1]}),
                        ints("strides", new long[] {a[2], a[3]}),
                        ints("pads", new long[] {0, 0, 0, 0}),
                        intAttr("ceil_mode", 0)));
            }
            if (name.startsWith(Layers.PAD_PREFIX)) {
                requireRank(in, 4, path);
                long[] a = longs(Layers.args(name, Layers.PAD_PREFIX), 4, name);
                long[] out = {-1, d[1], d[2] + a[0] + a[1], d[3] + a[2] + a[3]};
                // ONNX orders pads as all begins, then all ends: [N, C, top, left, N, C, bottom, right].
                long[] pads = {0, 0, a[0], a[2], 0, 0, a[1], a[3]};
                return add("Pad", path, List.of(in.name(), int64Initializer(path + ".pads", pads)), out,
                        List.of(stringAttr("mode", "constant")));
            }
            throw new IllegalArgumentException("Cannot export block " + path + ": unknown LambdaBlock name '" + name + "'");
        }

        Value add(String opType, String name, List<String> inputs, long[] dims, List<ProtoWriter> attributes) {
            String output = name + ":" + opType;
            nodes.add(new Node(opType, name, inputs, output, attributes));
            return new Value(output, dims);
        }

        /** Gives the graph's final tensor the public output name, adding an Identity if no node produced it. */
        void nameOutput(Value result) {
            if (nodes.isEmpty() || !nodes.get(nodes.size() - 1).output.equals(result.name())) {
                add("Identity", "output", List.of(result.name()), result.dims(), List.of());
            }
            nodes.get(nodes.size() - 1).output = OUTPUT_NAME;
        }

        private String initializer(String name, long[] dims, float[] values) {
            initializers.add(floatTensor(name, dims, values));
            return name;
        }

        private String int64Initializer(String name, long[] values) {
            initializers.add(int64Tensor(name, values));
            return name;
        }
    }

    static ProtoWriter floatTensor(String name, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return tensor(name, dims, DATA_TYPE_FLOAT, raw.array());
    }

    /** A one-dimensional int64 tensor, such as a Reshape's shape or a Pad's pads. */
    static ProtoWriter int64Tensor(String name, long[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return tensor(name, new long[] {values.length}, DATA_TYPE_INT64, raw.array());
    }

    private static ProtoWriter tensor(String name, long[] dims, int dataType, byte[] raw) {
        return new ProtoWriter()
                .repeatedInt64(TENSOR_DIMS, dims)
                .int64(TENSOR_DATA_TYPE, dataType)
                .string(TENSOR_NAME, name)
                .bytes(TENSOR_RAW_DATA, raw);
    }

    private static Parameter param(Block block, String name, String path) {
        if (!block.getDirectParameters().contains(name)) {
            throw new IllegalArgumentException(path + ": has no parameter '" + name + "'");
        }
        Parameter p = block.getDirectParameters().get(name);
        if (!p.isInitialized()) {
            throw new IllegalArgumentException(path + ": parameter '" + name + "' is not initialised");
        }
        return p;
    }

    private static float[] floats(Parameter p, String what) {
        NDArray array = p.getArray();
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(what + " is " + array.getDataType() + ", only float32 is exportable");
        }
        return array.toFloatArray();
    }

    private static long[] longs(int[] args, int count, String layer) {
        if (args.length != count) {
            throw new IllegalArgumentException("Layer '" + layer + "' needs " + count + " arguments");
        }
        return Arrays.stream(args).asLongStream().toArray();
    }

    private static void requireRank(Value in, int rank, String path) {
        if (in.dims().length != rank) {
            throw new IllegalArgumentException(path + ": needs a rank-" + rank + " input, got " + describe(in.dims()));
        }
    }

    private static void requirePositive(long size, String path) {
        if (size <= 0) {
            throw new IllegalArgumentException(path + ": output would be empty (size " + size + ")");
        }
    }

    private static String describe(long[] dims) {
        return Arrays.toString(dims).replace("-1", BATCH_DIM);
    }

    /** Reads a private field of BatchNorm, which DJL does not expose (its epsilon and axis have no getters). */
    private static Object privateValue(BatchNorm bn, String name) {
        try {
            Field f = BatchNorm.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(bn);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot read BatchNorm." + name + " of this DJL version by reflection", e);
        }
    }

    private static ProtoWriter ints(String name, long[] values) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_TYPE, ATTR_TYPE_INTS).repeatedInt64(ATTR_INTS, values);
    }

    static ProtoWriter intAttr(String name, long value) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_TYPE, ATTR_TYPE_INT).int64(ATTR_I, value);
    }

    private static ProtoWriter floatAttr(String name, float value) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_TYPE, ATTR_TYPE_FLOAT).float32(ATTR_F, value);
    }

    private static ProtoWriter stringAttr(String name, String value) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_TYPE, ATTR_TYPE_STRING).string(ATTR_S, value);
    }
}
