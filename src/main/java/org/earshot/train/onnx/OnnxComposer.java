package org.earshot.train.onnx;

import org.earshot.dsp.FrontEndSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.earshot.train.onnx.OnnxExporter.*;

/**
 * Puts a trained head on top of a pretrained ONNX backbone and writes the result as one ONNX classifier with the
 * serving contract of {@link OnnxExporter}'s models (input {@value OnnxExporter#INPUT_NAME}, N x 1 x mel bands x
 * frames; output N x classes probabilities), so that detection, serving and the live path load it like any other
 * model. The backbone's graph is copied as it is, field by field, with its inputs and outputs replaced: a Reshape
 * feeds the backbone's patch input from the classifier input, and the head's dense layers (Gemm, Relu) and a Sigmoid
 * read the backbone's embedding. The backbone's own outputs stop being graph outputs.
 */
public final class OnnxComposer {
    /** The name of the composed graph's output (its first and only one, which serving reads). */
    public static final String OUTPUT = "event_scores";

    /** A dense layer {@code y = W x + b}, {@code weight} row-major [out][in], optionally followed by a ReLU. */
    public record Dense(int in, int out, float[] weight, float[] bias, boolean relu) {
        public Dense {
            if (weight.length != in * out || bias.length != out) {
                throw new IllegalArgumentException("dense layer " + in + " -> " + out + " has " + weight.length
                        + " weights and " + bias.length + " biases");
            }
        }
    }

    private OnnxComposer() {}

    /**
     * The backbone with the head on top.
     *
     * @param backbone an ONNX model whose graph has an input {@code patchInput} (N x mel bands x frames, mel-major;
     *                 or, named {@value OnnxExporter#INPUT_NAME}, the classifier input itself) and a tensor
     *                 {@code embedding} (N x features)
     * @param head the head's layers, the first taking the embedding's features; a Sigmoid follows the last
     */
    public static byte[] compose(byte[] backbone, String patchInput, String embedding, List<Dense> head) {
        if (head.isEmpty()) {
            throw new IllegalArgumentException("the head needs at least one layer");
        }
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
        String x = embedding;
        for (int i = 0; i < head.size(); i++) {
            Dense d = head.get(i);
            String name = "head/dense" + i;
            String w = floatInitializer(initializers, name + ".weight", new long[] {d.out(), d.in()}, d.weight());
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
        for (ProtoWriter init : initializers) {
            graph.message(GRAPH_INITIALIZER, init);
        }
        graph.message(GRAPH_INPUT, valueInfo(INPUT_NAME,
                new long[] {-1, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES}));
        graph.message(GRAPH_OUTPUT, valueInfo(OUTPUT, new long[] {-1, head.get(head.size() - 1).out()}));

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

    /** {@link #compose} written to {@code out}, replacing it atomically. */
    public static void write(Path backboneFile, String patchInput, String embedding, List<Dense> head, Path out)
            throws IOException {
        writeAtomically(compose(Files.readAllBytes(backboneFile), patchInput, embedding, head), out);
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
