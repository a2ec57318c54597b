package org.earshot.model;

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
import org.earshot.detect.Classifier;
import org.earshot.detect.Labels;
import org.earshot.dsp.FrontEndSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Scores log-mel patches with an ONNX network on DJL's OnnxRuntime engine, which is all that serving needs (no
 * PyTorch native library). The model is loaded once; each calling thread gets its own {@link Predictor}, because
 * predictors are not thread-safe, while they share one OnnxRuntime session, whose {@code run} is. Intra-op
 * threads default to one so that throughput scales with the worker pool, not inside each call, and a one-core
 * benchmark measures one core. The network takes N x 1 x {@value FrontEndSpec#MEL_BANDS} x
 * {@value FrontEndSpec#PATCH_FRAMES} and returns N x {@code Labels.CLASSES.size()} probabilities, or logits when
 * {@link Options#outputsLogits()} says so; the sigmoid is then applied here. A predictor lives until
 * {@link #close}, so use a fixed worker pool rather than short-lived threads; callers stop calling
 * {@link #classify} before {@link #close}.
 */
public final class OnnxClassifier implements Classifier {
    /** The DJL engine name of OnnxRuntime. */
    public static final String ENGINE = "OnnxRuntime";
    private static final int PATCH_SIZE = FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES;
    /** The graph's input, N x 1 x mel bands x frames; OnnxRuntime matches DJL inputs to graph inputs by name. */
    public static final String INPUT_NAME = "logmel";
    /** The graph's output, N x classes. */
    public static final String OUTPUT_NAME = "scores";

    /**
     * How to run the model.
     *
     * @param intraOpThreads OnnxRuntime threads inside one inference call, at least 1
     * @param outputsLogits whether the network ends without a sigmoid, so that it must be applied here
     */
    public record Options(int intraOpThreads, boolean outputsLogits) {
        public static final Options DEFAULTS = new Options(1, false);

        public Options {
            if (intraOpThreads < 1) {
                throw new IllegalArgumentException("intraOpThreads must be at least 1, got " + intraOpThreads);
            }
        }

        public Options withIntraOpThreads(int threads) {
            return new Options(threads, outputsLogits);
        }

        public Options withOutputsLogits(boolean logits) {
            return new Options(intraOpThreads, logits);
        }
    }

    private final Path modelFile;
    private final ZooModel<float[][], float[][]> model;
    private final PatchTranslator translator;
    private final List<Predictor<float[][], float[][]>> predictors = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Predictor<float[][], float[][]>> threadPredictor;
    private volatile boolean closed;

    private OnnxClassifier(Path modelFile, ZooModel<float[][], float[][]> model, PatchTranslator translator) {
        this.modelFile = modelFile;
        this.model = model;
        this.translator = translator;
        this.threadPredictor = ThreadLocal.withInitial(() -> {
            Predictor<float[][], float[][]> p = model.newPredictor(translator);
            predictors.add(p);
            return p;
        });
    }

    /** Loads {@code <dir>/model.onnx} with {@link Options#DEFAULTS}. */
    public static OnnxClassifier load(Path modelDirectory) {
        return load(ModelDirectory.of(modelDirectory), Options.DEFAULTS);
    }

    /**
     * Loads the directory's ONNX model and checks, with one all-zero patch, that it takes this front end's patches
     * and returns one score per class.
     *
     * @throws ModelLoadException naming the file when it is missing, not an ONNX model, or of the wrong shape
     */
    public static OnnxClassifier load(ModelDirectory directory, Options options) {
        return load(directory, ModelDirectory.MODEL_FILE, options);
    }

    /** As {@link #load(ModelDirectory, Options)}, for another network of the directory (a cascade's screen). */
    public static OnnxClassifier load(ModelDirectory directory, String fileName, Options options) {
        Path modelFile = directory.requireFile(fileName, "ONNX model");
        PatchTranslator translator = new PatchTranslator(options.outputsLogits());
        Criteria<float[][], float[][]> criteria = Criteria.builder()
                .setTypes(float[][].class, float[][].class)
                .optEngine(ENGINE)
                .optModelPath(directory.root())
                .optModelName(stripExtension(fileName))
                // OrtModel reads these as strings; inter-op threads matter only for parallel execution mode.
                .optOption("intraOpNumThreads", Integer.toString(options.intraOpThreads()))
                .optOption("interOpNumThreads", "1")
                .optTranslator(translator)
                .build();
        ZooModel<float[][], float[][]> model;
        try {
            model = criteria.loadModel();
        } catch (Exception e) {
            throw new ModelLoadException("Cannot load ONNX model " + modelFile + ": " + rootCauseMessage(e), e);
        }
        OnnxClassifier classifier = new OnnxClassifier(modelFile, model, translator);
        try {
            classifier.checkShapes();
        } catch (RuntimeException e) {
            classifier.close();
            throw new ModelLoadException("ONNX model " + modelFile + " does not fit the classifier: " + e.getMessage(), e);
        }
        return classifier;
    }

    /** The file the model was loaded from. */
    public Path modelFile() {
        return modelFile;
    }

    @Override
    public float[][] classify(float[][] patches) {
        if (closed) {
            throw new IllegalStateException("Classifier for " + modelFile + " is closed");
        }
        for (int i = 0; i < patches.length; i++) {
            if (patches[i].length != PATCH_SIZE) {
                throw new IllegalArgumentException(
                        "Patch " + i + " has " + patches[i].length + " values, expected " + PATCH_SIZE);
            }
        }
        if (patches.length == 0) {
            return new float[0][];
        }
        try {
            return threadPredictor.get().predict(patches);
        } catch (TranslateException e) {
            throw new IllegalStateException("Inference with " + modelFile + " failed: " + e.getMessage(), e);
        }
    }

    private void checkShapes() {
        float[][] scores;
        try (Predictor<float[][], float[][]> probe = model.newPredictor(translator)) {
            scores = probe.predict(new float[][] {new float[PATCH_SIZE]});
        } catch (TranslateException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        if (scores.length != 1 || scores[0].length != Labels.CLASSES.size()) {
            throw new IllegalStateException("one patch gave " + scores.length + " x "
                    + (scores.length == 0 ? 0 : scores[0].length) + " scores, expected 1 x " + Labels.CLASSES.size());
        }
    }

    /** Closes every thread's predictor and the model; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Predictor<float[][], float[][]> p : predictors) {
            p.close();
        }
        predictors.clear();
        threadPredictor.remove();
        model.close();
    }

    /** DJL wraps OnnxRuntime's specific reason (say, ORT_INVALID_PROTOBUF) in a generic "cannot be loaded". */
    private static String rootCauseMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    private static String stripExtension(String fileName) {
        return fileName.substring(0, fileName.lastIndexOf('.'));
    }

    /** Patches in, per-class scores out, as plain arrays; the batch is the whole call, so no batchifier. */
    private static final class PatchTranslator implements Translator<float[][], float[][]> {
        private final boolean applySigmoid;

        PatchTranslator(boolean applySigmoid) {
            this.applySigmoid = applySigmoid;
        }

        /**
         * One direct input buffer per inference thread, reused: ONNX Runtime copies a heap array into a fresh direct
         * buffer on every call, which only the garbage collector frees; under load those buffers pile up outside
         * the heap (and a full collection is forced to reclaim them) while the network needs the same memory.
         */
        private final ThreadLocal<java.nio.FloatBuffer> inputBuffer = new ThreadLocal<>();

        @Override
        public NDList processInput(TranslatorContext ctx, float[][] patches) {
            int size = patches.length * PATCH_SIZE;
            java.nio.FloatBuffer buffer = inputBuffer.get();
            if (buffer == null || buffer.capacity() < size) {
                buffer = java.nio.ByteBuffer.allocateDirect(Math.max(size, 8 * PATCH_SIZE) * Float.BYTES)
                        .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                inputBuffer.set(buffer);
            }
            buffer.clear();
            for (float[] patch : patches) {
                buffer.put(patch);
            }
            buffer.flip();
            NDArray input = ctx.getNDManager().create(
                    buffer, new Shape(patches.length, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES));
            input.setName(INPUT_NAME);
            return new NDList(input);
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            NDArray output = list.get(0);
            Shape shape = output.getShape();
            if (shape.dimension() != 2) {
                throw new IllegalStateException("model output has shape " + shape + ", expected N x classes");
            }
            int rows = Math.toIntExact(shape.get(0));
            int cols = Math.toIntExact(shape.get(1));
            float[] flat = output.toFloatArray();
            float[][] scores = new float[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float v = flat[r * cols + c];
                    scores[r][c] = applySigmoid ? sigmoid(v) : v;
                }
            }
            return scores;
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }

        private static float sigmoid(float x) {
            return (float) (1.0 / (1.0 + Math.exp(-x)));
        }
    }
}
