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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a pretrained ONNX backbone (such as YAMNet-AudioSet's {@code yamnet_patch.onnx}) on log-mel patches and
 * returns its embedding, on DJL's OnnxRuntime engine. Only for training a head on top: one predictor, used by one
 * thread at a time.
 */
public final class EmbeddingExtractor implements AutoCloseable {
    private static final int PATCH_SIZE = FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES;

    private final ZooModel<float[][], float[][]> model;
    private final Predictor<float[][], float[][]> predictor;
    private final int features;

    /**
     * @param backbone the ONNX file
     * @param patchInput the graph input that takes N x mel bands x frames patches (or, named
     *                   {@value OnnxClassifier#INPUT_NAME}, N x 1 x mel bands x frames as the classifiers do)
     * @param embedding the graph output holding the embedding, N x features
     * @param threads OnnxRuntime intra-op threads
     */
    public EmbeddingExtractor(Path backbone, String patchInput, String embedding, int threads) throws IOException {
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
                NDArray out = list.get(embedding);
                if (out == null) {
                    throw new IllegalStateException("the backbone has no output '" + embedding + "'");
                }
                int rows = Math.toIntExact(out.getShape().get(0));
                int cols = Math.toIntExact(out.getShape().get(1));
                float[] flat = out.toFloatArray();
                float[][] result = new float[rows][cols];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(flat, r * cols, result[r], 0, cols);
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
        features = embed(new float[][] {new float[PATCH_SIZE]})[0].length;
    }

    /** Embedding width. */
    public int features() {
        return features;
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
