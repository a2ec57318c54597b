package org.earshot.train.head;

import org.earshot.detect.Labels;
import org.earshot.dsp.LogMel;
import org.earshot.model.ModelManifest;
import org.earshot.train.DatasetManifest;
import org.earshot.train.ExampleFactory;
import org.earshot.train.GroupSplit;
import org.earshot.train.LoadedClip;
import org.earshot.train.TrainOptions;
import org.earshot.train.onnx.OnnxComposer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Trains the {@code audioset} architecture: a pretrained backbone (YAMNet-AudioSet, frozen) and a small head on its
 * embedding. The backbone is costly to run and never changes, so the augmented examples are made once (events mixed
 * into background at random ratios, EQ, gain, exactly as {@link ExampleFactory} makes them for the other
 * architectures), embedded once, and the head trains for several epochs on that fixed set. The result is one ONNX
 * classifier ({@link OnnxComposer}): backbone and head together, served like any other model.
 */
public final class EmbeddingHeadTrainer {
    /** The graph input and the embedding output of YAMNet-AudioSet's {@code yamnet_patch.onnx}. */
    public static final String PATCH_INPUT = "patch";
    public static final String EMBEDDING_OUTPUT = "embedding";
    private static final int CHUNK = 512;
    static final double DROPOUT = 0.3;
    static final double WEIGHT_DECAY = 1e-4;

    /** The cascade's screen network, written beside {@code model.onnx}. */
    public static final String SCREEN_FILE = "screen.onnx";
    /** Share of the training examples of each class that the screen must pass on to the backbone. */
    static final double SCREEN_RECALL = 0.99;
    static final int SCREEN_HIDDEN = 64;

    /**
     * A finished run: what it was trained and validated on, and the cascade it wrote (null: none). The other
     * architectures give the same record without a cascade.
     */
    public record Result(DatasetManifest manifest, GroupSplit split, List<LoadedClip> validationClips,
            ModelManifest.Cascade cascade) {}

    private final TrainOptions options;
    private final PrintStream progress;

    public EmbeddingHeadTrainer(TrainOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Trains and writes the composed network to {@code modelFile}. */
    public Result train(Path modelFile) throws IOException {
        DatasetManifest manifest = options.dataset().read();
        GroupSplit split = options.split().apply(manifest.clips());
        progress.printf("dataset %s: %d clips, %d for training, %d for validation (%s)%n", options.dataset(),
                manifest.clips().size(), split.train().size(), split.validation().size(), options.split().describe());
        List<LoadedClip> trainClips = LoadedClip.loadAll(split.train(), options.threads());
        List<LoadedClip> validationClips = LoadedClip.loadAll(split.validation(), options.threads());
        progress.printf("loaded %d training and %d validation clips%n", trainClips.size(), validationClips.size());

        ExampleFactory factory = new ExampleFactory(trainClips, options.backgroundShare(), -6, 12);
        int n = options.examplesPerEpoch();
        float[][] x = new float[n][];
        float[][] y = new float[n][];
        Random rng = new Random(options.seed());
        LogMel logMel = new LogMel();
        float[][] xs = options.cascade() ? new float[n][] : null;
        Path screenBackbone = options.cascade() ? ScreenBackbone.export(options.yamnetWeights()) : null;
        long start = System.nanoTime();
        try (EmbeddingExtractor backbone = new EmbeddingExtractor(options.backbone(), PATCH_INPUT, EMBEDDING_OUTPUT,
                options.threads());
             EmbeddingExtractor screen = screenBackbone == null ? null : new EmbeddingExtractor(screenBackbone,
                     ScreenBackbone.INPUT, ScreenBackbone.EMBEDDING, options.threads())) {
            for (int from = 0; from < n; from += CHUNK) {
                int count = Math.min(CHUNK, n - from);
                float[][] patches = new float[count][];
                for (int i = 0; i < count; i++) {
                    ExampleFactory.Example e = factory.trainingExample(rng);
                    patches[i] = LogMel.toPatch(logMel.compute(e.waveform()), 0);
                    y[from + i] = e.labels();
                }
                System.arraycopy(backbone.embed(patches), 0, x, from, count);
                if (screen != null) {
                    System.arraycopy(screen.embed(patches), 0, xs, from, count);
                }
                if ((from / CHUNK) % 16 == 15 || from + count == n) {
                    progress.printf(Locale.ROOT, "embedded %d of %d examples (%.0f s)%n", from + count, n,
                            (System.nanoTime() - start) / 1e9);
                }
            }
            DenseHeadTrainer.Settings settings = new DenseHeadTrainer.Settings(options.headHidden(), options.epochs(),
                    options.batchSize(), options.learningRate(), DROPOUT, WEIGHT_DECAY, 0.0, options.seed());
            List<OnnxComposer.Dense> head = DenseHeadTrainer.train(x, y, settings, progress);
            OnnxComposer.write(options.backbone(), PATCH_INPUT, EMBEDDING_OUTPUT, head, modelFile);
            progress.println("wrote " + modelFile + " (backbone " + options.backbone().getFileName() + " + head "
                    + describe(head) + ")");
            ModelManifest.Cascade cascade = null;
            if (screenBackbone != null) {
                DenseHeadTrainer.Settings screenSettings = new DenseHeadTrainer.Settings(SCREEN_HIDDEN,
                        options.epochs(), options.batchSize(), options.learningRate(), DROPOUT, WEIGHT_DECAY, 0.0,
                        options.seed() + 1);
                progress.println("screen: YAMNet-256 backbone + head");
                List<OnnxComposer.Dense> screenHead = DenseHeadTrainer.train(xs, y, screenSettings, progress);
                Path screenFile = modelFile.resolveSibling(SCREEN_FILE);
                OnnxComposer.write(screenBackbone, ScreenBackbone.INPUT, ScreenBackbone.EMBEDDING, screenHead,
                        screenFile);
                cascade = new ModelManifest.Cascade(SCREEN_FILE, screenThresholds(xs, y, screenHead));
            }
            return new Result(manifest, split, validationClips, cascade);
        } finally {
            if (screenBackbone != null) {
                java.nio.file.Files.deleteIfExists(screenBackbone);
            }
        }
    }

    /**
     * Per class, the screen score that {@value #SCREEN_RECALL} of the training examples holding that class reach;
     * reports the share of the training background that the screen would pass on.
     */
    private java.util.Map<String, Double> screenThresholds(float[][] xs, float[][] y, List<OnnxComposer.Dense> head) {
        int classes = Labels.CLASSES.size();
        float[][] scores = new float[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            scores[i] = DenseHeadTrainer.predict(head, xs[i]);
        }
        java.util.Map<String, Double> thresholds = new java.util.LinkedHashMap<>();
        double[] t = new double[classes];
        for (int c = 0; c < classes; c++) {
            final int cls = c;
            double[] positive = java.util.stream.IntStream.range(0, xs.length).filter(i -> y[i][cls] > 0.5f)
                    .mapToDouble(i -> scores[i][cls]).sorted().toArray();
            t[c] = positive.length == 0 ? 0.5
                    : Math.min(0.5, positive[(int) Math.floor((1 - SCREEN_RECALL) * positive.length)]);
            thresholds.put(Labels.CLASSES.get(c), Math.round(t[c] * 1e6) / 1e6);
        }
        int background = 0;
        int passed = 0;
        for (int i = 0; i < xs.length; i++) {
            boolean event = false;
            boolean pass = false;
            for (int c = 0; c < classes; c++) {
                event |= y[i][c] > 0.5f;
                pass |= scores[i][c] >= thresholds.get(Labels.CLASSES.get(c));
            }
            if (!event) {
                background++;
                passed += pass ? 1 : 0;
            }
        }
        progress.printf(Locale.ROOT, "screen thresholds %s: pass %.0f %% of each class's training examples and %.1f %%"
                + " of the training background%n", thresholds, SCREEN_RECALL * 100,
                background == 0 ? 0.0 : 100.0 * passed / background);
        return thresholds;
    }

    private static String describe(List<OnnxComposer.Dense> head) {
        StringBuilder b = new StringBuilder();
        for (OnnxComposer.Dense d : head) {
            b.append(b.length() == 0 ? d.in() : "").append(" -> ").append(d.out());
        }
        return b.toString();
    }
}
