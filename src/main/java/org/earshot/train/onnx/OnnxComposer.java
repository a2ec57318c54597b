package org.earshot.train.onnx;

import org.earshot.dsp.FrontEndSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.earshot.train.onnx.OnnxExporter.*;

/**
 * Puts a head on top of a pretrained ONNX backbone and writes the result as one ONNX classifier with the serving
 * contract of {@link OnnxExporter}'s models (input {@value OnnxExporter#INPUT_NAME}, N x 1 x mel bands x frames;
 * output N x classes probabilities), so that detection, serving and the live path load it like any other model. The
 * backbone's graph is copied as it is, field by field, with its inputs and outputs replaced: a Reshape feeds the
 * backbone's patch input from the classifier input, and the head reads the backbone's tensors. A trained head
 * ({@link #compose}) is dense layers (Gemm, Relu) and a Sigmoid on the backbone's features ({@link Feature}); a
 * zero-shot head ({@link #composeMaxOver}) is, per class, the maximum of some of the backbone's own class scores. The
 * backbone's own outputs stop being graph outputs.
 */
public final class OnnxComposer {
    /** The name of the composed graph's output (its first and only one, which serving reads). */
    public static final String OUTPUT = "event_scores";
    /** A {@link Feature#logit} clips probabilities to [{@value}, 1 - {@value}] first (logits within about ±9.2). */
    public static final float LOGIT_EPSILON = 1e-4f;

    /** A dense layer {@code y = W x + b}, {@code weight} row-major [out][in], optionally followed by a ReLU. */
    public record Dense(int in, int out, float[] weight, float[] bias, boolean relu) {
        public Dense {
            if (weight.length != in * out || bias.length != out) {
                throw new IllegalArgumentException("dense layer " + in + " -> " + out + " has " + weight.length
                        + " weights and " + bias.length + " biases");
            }
        }
    }

    /**
     * A backbone tensor (N x width) that a trained head reads: as it is, or ({@code logit}) as the logit of the
     * probabilities it holds, {@code log(p / (1 - p))} with p clipped to [{@value #LOGIT_EPSILON}, 1 -
     * {@value #LOGIT_EPSILON}]. Several features are concatenated in order.
     */
    public record Feature(String tensor, boolean logit) {
        /** The value the composed graph computes from one element of the tensor. */
        public float apply(float value) {
            if (!logit) {
                return value;
            }
            float p = Math.min(1 - LOGIT_EPSILON, Math.max(LOGIT_EPSILON, value));
            return (float) (Math.log(p) - Math.log(1 - p));
        }
    }

    /** Writes a head's nodes and initializers; returns its output's width. */
    private interface HeadWriter {
        long write(ProtoWriter graph, List<ProtoWriter> initializers);
    }

    private OnnxComposer() {}

    /**
     * The backbone with a trained head on top.
     *
     * @param backbone an ONNX model whose graph has an input {@code patchInput} (N x mel bands x frames, mel-major;
     *                 or, named {@value OnnxExporter#INPUT_NAME}, the classifier input itself) and a tensor
     *                 {@code embedding} (N x features)
     * @param head the head's layers, the first taking the embedding's features; a Sigmoid follows the last
     */
    public static byte[] compose(byte[] backbone, String patchInput, String embedding, List<Dense> head) {
        return compose(backbone, patchInput, List.of(new Feature(embedding, false)), head);
    }

    /** The backbone with a trained head on top that reads {@code features}, concatenated (see {@link Feature}). */
    public static byte[] compose(byte[] backbone, String patchInput, List<Feature> features, List<Dense> head) {
        if (head.isEmpty()) {
            throw new IllegalArgumentException("the head needs at least one layer");
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException("the head needs at least one feature");
        }
        return build(backbone, patchInput, (graph, initializers) -> {
            List<String> inputs = new ArrayList<>();
            for (int f = 0; f < features.size(); f++) {
                Feature feature = features.get(f);
                inputs.add(feature.logit() ? logit(graph, initializers, feature.tensor(), "head/feature" + f)
                        : feature.tensor());
            }
            String x = inputs.get(0);
            if (inputs.size() > 1) {
                x = "head/features:Concat";
                graph.message(GRAPH_NODE, node("Concat", "head/features", inputs, x, List.of(intAttr("axis", 1))));
            }
            for (int i = 0; i < head.size(); i++) {
                Dense d = head.get(i);
                String name = "head/dense" + i;
                String w = floatInitializer(initializers, name + ".weight", new long[] {d.out(), d.in()},
                        d.weight());
                String b = floatInitializer(initializers, name + ".bias", new long[] {d.out()}, d.bias());
                graph.message(GRAPH_NODE, node("Gemm", name, List.of(x, w, b), name + ":Gemm",
                        List.of(intAttr("transB", 1))));
                x = name + ":Gemm";
                if (d.relu()) {
                    graph.message(GRAPH_NODE, node("Relu", name + "/relu", List.of(x), name + ":Relu", List.of()));
                    x = name + ":Relu";
                }
            }
            graph.message(GRAPH_NODE, node("Sigmoid", "head/sigmoid", List.of(x), OUTPUT, List.of()));
            return head.get(head.size() - 1).out();
        });
    }

    /**
     * The backbone with a fixed, untrained head: class {@code c}'s score is the maximum of the backbone's
     * {@code scores} (N x backbone classes, probabilities) at {@code classes.get(c)} (Gather and Max nodes).
     */
    public static byte[] composeMaxOver(byte[] backbone, String patchInput, String scores, List<int[]> classes) {
        if (classes.isEmpty() || classes.stream().anyMatch(c -> c.length == 0)) {
            throw new IllegalArgumentException("every class needs at least one backbone class");
        }
        return build(backbone, patchInput, (graph, initializers) -> {
            List<String> columns = new ArrayList<>();
            for (int c = 0; c < classes.size(); c++) {
                List<String> gathered = new ArrayList<>();
                for (int index : classes.get(c)) {
                    String name = "head/class" + c + "/gather" + index;
                    String indices = int64Initializer(initializers, name + ".indices", new long[] {index});
                    graph.message(GRAPH_NODE, node("Gather", name, List.of(scores, indices), name + ":Gather",
                            List.of(intAttr("axis", 1))));
                    gathered.add(name + ":Gather");
                }
                String max = "head/class" + c + "/max";
                graph.message(GRAPH_NODE, node("Max", max, gathered, max + ":Max", List.of()));
                columns.add(max + ":Max");
            }
            graph.message(GRAPH_NODE, node("Concat", "head/concat", columns, OUTPUT, List.of(intAttr("axis", 1))));
            return classes.size();
        });
    }

    private static byte[] build(byte[] backbone, String patchInput, HeadWriter head) {
        List<ProtoReader.Field> model = ProtoReader.fields(backbone);
        ProtoReader.Field graphField = model.stream().filter(f -> f.number() == MODEL_GRAPH).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not an ONNX model: no graph"));
        boolean hasInput = false;
        for (ProtoReader.Field f : ProtoReader.fields(graphField.payload())) {
            if (f.number() == GRAPH_INPUT) {
                hasInput |= valueInfoName(f.payload()).equals(patchInput);
            }
        }
        if (!hasInput) {
            throw new IllegalArgumentException("the backbone has no graph input '" + patchInput + "'");
        }
        ProtoWriter graph = new ProtoWriter();
        List<ProtoWriter> initializers = new ArrayList<>();
        // The Reshape goes first: ONNX wants nodes in topological order, and the backbone's nodes read its output.
        // A backbone exported by OnnxExporter already takes the classifier input as it is.
        if (!patchInput.equals(INPUT_NAME)) {
            graph.message(GRAPH_NODE, node("Reshape", "head/reshape", List.of(INPUT_NAME,
                    int64Initializer(initializers, "head/reshape.shape",
                            new long[] {-1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES})), patchInput,
                    List.of()));
        }
        for (ProtoReader.Field f : ProtoReader.fields(graphField.payload())) {
            if (f.number() == GRAPH_INPUT || f.number() == GRAPH_OUTPUT) {
                continue;
            }
            graph.raw(f.encoded());
        }
        long width = head.write(graph, initializers);
        for (ProtoWriter init : initializers) {
            graph.message(GRAPH_INITIALIZER, init);
        }
        graph.message(GRAPH_INPUT, valueInfo(INPUT_NAME,
                new long[] {-1, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES}));
        graph.message(GRAPH_OUTPUT, valueInfo(OUTPUT, new long[] {-1, width}));

        ProtoWriter out = new ProtoWriter();
        for (ProtoReader.Field f : model) {
            if (f.number() == MODEL_GRAPH) {
                out.message(MODEL_GRAPH, graph);
            } else {
                out.raw(f.encoded());
            }
        }
        return out.toByteArray();
    }

    /** Nodes computing the logit of {@code probabilities} (see {@link Feature}); returns the result's name. */
    private static String logit(ProtoWriter graph, List<ProtoWriter> initializers, String probabilities,
            String name) {
        String low = floatInitializer(initializers, name + ".low", new long[0], new float[] {LOGIT_EPSILON});
        String high = floatInitializer(initializers, name + ".high", new long[0], new float[] {1 - LOGIT_EPSILON});
        String one = floatInitializer(initializers, name + ".one", new long[0], new float[] {1f});
        graph.message(GRAPH_NODE, node("Clip", name + "/clip", List.of(probabilities, low, high), name + ":p",
                List.of()));
        graph.message(GRAPH_NODE, node("Sub", name + "/complement", List.of(one, name + ":p"), name + ":q",
                List.of()));
        graph.message(GRAPH_NODE, node("Log", name + "/logp", List.of(name + ":p"), name + ":logp", List.of()));
        graph.message(GRAPH_NODE, node("Log", name + "/logq", List.of(name + ":q"), name + ":logq", List.of()));
        graph.message(GRAPH_NODE, node("Sub", name + "/logit", List.of(name + ":logp", name + ":logq"),
                name + ":logit", List.of()));
        return name + ":logit";
    }

    /** {@link #compose} written to {@code out}, replacing it atomically. */
    public static void write(Path backboneFile, String patchInput, String embedding, List<Dense> head, Path out)
            throws IOException {
        writeAtomically(compose(Files.readAllBytes(backboneFile), patchInput, embedding, head), out);
    }

    /** {@link #compose} with features, written to {@code out}, replacing it atomically. */
    public static void write(Path backboneFile, String patchInput, List<Feature> features, List<Dense> head,
            Path out) throws IOException {
        writeAtomically(compose(Files.readAllBytes(backboneFile), patchInput, features, head), out);
    }

    /** {@link #composeMaxOver} written to {@code out}, replacing it atomically. */
    public static void writeMaxOver(Path backboneFile, String patchInput, String scores, List<int[]> classes,
            Path out) throws IOException {
        writeAtomically(composeMaxOver(Files.readAllBytes(backboneFile), patchInput, scores, classes), out);
    }

    private static String valueInfoName(byte[] valueInfo) {
        for (ProtoReader.Field f : ProtoReader.fields(valueInfo)) {
            if (f.number() == VALUE_INFO_NAME) {
                return f.string();
            }
        }
        return "";
    }

    private static String floatInitializer(List<ProtoWriter> into, String name, long[] dims, float[] values) {
        into.add(floatTensor(name, dims, values));
        return name;
    }

    private static String int64Initializer(List<ProtoWriter> into, String name, long[] values) {
        into.add(int64Tensor(name, values));
        return name;
    }
}
