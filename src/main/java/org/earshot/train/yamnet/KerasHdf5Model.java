package org.earshot.train.yamnet;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parts of a Keras (TF 2.x, Keras 2) whole-model HDF5 file the importer needs: the layer graph from the root
 * attribute {@code model_config} and every weight listed in the {@code weight_names} attribute of each group under
 * {@code model_weights}. Weights are read eagerly (YAMNet-256 has about 130 k floats) so the file is closed on return;
 * the model tracks which weights the translation consumed, so that a weight nobody mapped is an error, not a silent
 * loss.
 */
final class KerasHdf5Model {
    /** One stored variable, row-major as Keras wrote it. */
    record Weight(String path, int[] dims, float[] data) {
        long size() {
            return data.length;
        }
    }

    private final Path file;
    private final JsonObject modelConfig;
    /** weight group (top-level layer name) -> weight name (e.g. {@code layer1/conv/kernel:0}) -> weight. */
    private final Map<String, Map<String, Weight>> weights;
    private final Set<String> consumed = new HashSet<>();

    private KerasHdf5Model(Path file, JsonObject modelConfig, Map<String, Map<String, Weight>> weights) {
        this.file = file;
        this.modelConfig = modelConfig;
        this.weights = weights;
    }

    /**
     * A model given directly rather than read from a file (for tests of layer types the shipped files do not use);
     * {@code file} only names it in messages. {@code weights}: top-level layer -> weight name -> weight.
     */
    static KerasHdf5Model of(Path file, JsonObject modelConfig, Map<String, Map<String, Weight>> weights) {
        return new KerasHdf5Model(file, modelConfig, weights);
    }

    static KerasHdf5Model read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("Keras HDF5 model not found or not readable: " + file);
        }
        try (HdfFile hdf = new HdfFile(file)) {
            Attribute config = hdf.getAttribute("model_config");
            if (config == null) {
                throw new IllegalArgumentException(file + " is not a Keras whole-model HDF5 file: no root attribute"
                        + " 'model_config' (a weights-only file cannot be imported, its graph is missing)");
            }
            JsonObject json = JsonParser.parseString(attributeString(config)).getAsJsonObject();
            Node weightsNode = hdf.getChild("model_weights");
            if (!(weightsNode instanceof Group weightsGroup)) {
                throw new IllegalArgumentException(file + " has no 'model_weights' group");
            }
            Map<String, Map<String, Weight>> weights = new LinkedHashMap<>();
            for (Node child : weightsGroup.getChildren().values()) {
                if (!(child instanceof Group group)) {
                    continue;
                }
                Map<String, Weight> byName = new LinkedHashMap<>();
                for (String name : weightNames(group)) {
                    String path = "model_weights/" + group.getName() + "/" + name;
                    Dataset dataset = hdf.getDatasetByPath(path);
                    byName.put(name, new Weight(path, dataset.getDimensions(), toFloats(dataset)));
                }
                weights.put(group.getName(), byName);
            }
            return new KerasHdf5Model(file, json, weights);
        }
    }

    private static String attributeString(Attribute attribute) {
        Object data = attribute.getData();
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] array && array.length == 1) {
            return array[0];
        }
        throw new IllegalArgumentException("attribute '" + attribute.getName() + "' is not a string but "
                + (data == null ? "null" : data.getClass().getSimpleName()));
    }

    private static List<String> weightNames(Group group) {
        Attribute names = group.getAttribute("weight_names");
        if (names == null || names.isEmpty()) {
            return List.of();
        }
        Object data = names.getData();
        if (data instanceof String[] array) {
            return Arrays.asList(array);
        }
        if (data instanceof String single) {
            return List.of(single);
        }
        throw new IllegalArgumentException("weight_names of " + group.getPath() + " is not a string array");
    }

    private static float[] toFloats(Dataset dataset) {
        Object flat = dataset.getDataFlat();
        if (flat instanceof float[] f) {
            return f;
        }
        if (flat instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        throw new IllegalArgumentException(dataset.getPath() + " holds " + dataset.getJavaType()
                + ", expected float32 weights");
    }

    Path file() {
        return file;
    }

    JsonObject modelConfig() {
        return modelConfig;
    }

    /**
     * The variable {@code var} (e.g. {@code kernel}) of the Keras layer {@code layerName}, stored in the group of
     * the top-level layer {@code group}, checked against the shape the layer configuration implies.
     */
    Weight take(String group, String layerName, String var, int... expectedDims) {
        Map<String, Weight> byName = weights.getOrDefault(group, Map.of());
        String name = layerName + "/" + var + ":0";
        Weight weight = byName.get(name);
        if (weight == null) {
            List<String> ofLayer = new ArrayList<>();
            for (String candidate : byName.keySet()) {
                if (candidate.startsWith(layerName + "/")) {
                    ofLayer.add(candidate);
                }
            }
            throw new IllegalArgumentException(file + ": layer '" + layerName + "' needs weight '" + name
                    + "' in model_weights/" + group + ", found only " + ofLayer);
        }
        if (!Arrays.equals(weight.dims(), expectedDims)) {
            throw new IllegalArgumentException(file + ": " + weight.path() + " has shape "
                    + Arrays.toString(weight.dims()) + " but the layer configuration implies "
                    + Arrays.toString(expectedDims));
        }
        if (!consumed.add(group + "/" + name)) {
            throw new IllegalArgumentException(file + ": weight " + weight.path() + " is used twice (shared layers"
                    + " are not supported)");
        }
        return weight;
    }

    /** Fails if the file holds a weight that no translated layer took: the port would silently differ. */
    void requireAllConsumed() {
        Set<String> unused = new TreeSet<>();
        weights.forEach((group, byName) -> byName.keySet().forEach(name -> {
            if (!consumed.contains(group + "/" + name)) {
                unused.add("model_weights/" + group + "/" + name);
            }
        }));
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(file + ": weights not used by any translated layer: " + unused);
        }
    }

    /** Number of stored weight values, all groups together. */
    long weightCount() {
        return weights.values().stream().flatMap(m -> m.values().stream()).mapToLong(Weight::size).sum();
    }
}
