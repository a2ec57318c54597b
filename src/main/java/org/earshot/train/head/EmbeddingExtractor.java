package org.earshot.train.head;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.onnx.OnnxComposer.Feature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a pretrained ONNX backbone (such as YAMNet-AudioSet's {@code yamnet_patch.onnx}) on log-mel patches and
 * returns its embedding (or several of its outputs concatenated, each as it is or as a logit: the
 * {@link Feature}s that a composed head reads, computed as the composed graph computes them), on DJL's OnnxRuntime
 * engine. Only for training a head on top: one predictor, used by one
 * thread at a time.
 */
public final class EmbeddingExtractor implements AutoCloseable {
    private static final int PATCH_SIZE = FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES;

    private final ZooModel<float[][], float[][]> model;
    private final Predictor<float[][], float[][]> predictor;
    private final int width;

    /**
     * @param backbone the ONNX file
     * @param patchInput the graph input that takes N x mel bands x frames patches (or, named
     *                   {@value OnnxClassifier#INPUT_NAME}, N x 1 x mel bands x frames as the classifiers do)
     * @param embedding the graph output holding the embedding, N x features
     * @param threads OnnxRuntime intra-op threads
     */
    public EmbeddingExtractor(Path backbone, String patchInput, String embedding, int threads) throws IOException {
        this(backbone, patchInput, List.of(new Feature(embedding, false)), threads);
    }

    /**
     * @param features the graph outputs (N x width each) to concatenate, each as it is or as a logit
     */
    public EmbeddingExtractor(Path backbone, String patchInput, List<Feature> features, int threads)
            throws IOException {
        if (!Files.isRegularFile(backbone)) {
            throw new IOException("backbone not found: " + backbone);
        }
        Translator<float[][], float[][]> translator = new Translator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, float[][] patches) {
                float[] flat = new float[patches.length * PATCH_SIZE];
                for (int i = 0; i < patches.length; i++) {
                    System.arraycopy(patches[i], 0, flat, i * PATCH_SIZE, PATCH_SIZE);
                }
                NDArray x = ctx.getNDManager().create(flat, patchInput.equals(OnnxClassifier.INPUT_NAME)
                        ? new Shape(patches.length, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES)
                        : new Shape(patches.length, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES));
                x.setName(patchInput);
                return new NDList(x);
            }

            @Override
            public float[][] processOutput(TranslatorContext ctx, NDList list) {
                int width = 0;
                for (Feature feature : features) {
                    NDArray out = list.get(feature.tensor());
                    if (out == null) {
                        throw new IllegalStateException("the backbone has no output '" + feature.tensor() + "'");
                    }
                    width += Math.toIntExact(out.getShape().get(1));
                }
                float[][] result = null;
                int offset = 0;
                for (Feature feature : features) {
                    NDArray out = list.get(feature.tensor());
                    int rows = Math.toIntExact(out.getShape().get(0));
                    int cols = Math.toIntExact(out.getShape().get(1));
                    if (result == null) {
                        result = new float[rows][width];
                    }
                    float[] flat = out.toFloatArray();
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            result[r][offset + c] = feature.apply(flat[r * cols + c]);
                        }
                    }
                    offset += cols;
                }
                return result;
            }

            @Override
            public Batchifier getBatchifier() {
                return null;
            }
        };
        String file = backbone.getFileName().toString();
        Criteria<float[][], float[][]> criteria = Criteria.builder()
                .setTypes(float[][].class, float[][].class)
                .optEngine(OnnxClassifier.ENGINE)
                .optModelPath(backbone.toAbsolutePath().getParent())
                .optModelName(file.substring(0, file.lastIndexOf('.')))
                .optOption("intraOpNumThreads", Integer.toString(threads))
                .optOption("interOpNumThreads", "1")
                .optTranslator(translator)
                .build();
        try {
            model = criteria.loadModel();
        } catch (Exception e) {
            throw new IOException("cannot load backbone " + backbone + ": " + e.getMessage(), e);
        }
        predictor = model.newPredictor(translator);
        width = embed(new float[][] {new float[PATCH_SIZE]})[0].length;
    }

    /** Embedding width. */
    public int features() {
        return width;
    }

    /** One embedding per patch. */
    public float[][] embed(float[][] patches) {
        try {
            return predictor.predict(patches);
        } catch (TranslateException e) {
            throw new IllegalStateException("backbone inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
