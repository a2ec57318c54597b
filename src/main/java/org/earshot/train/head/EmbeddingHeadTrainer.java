package org.earshot.train.head;

import org.earshot.detect.Labels;
import org.earshot.dsp.LogMel;
import org.earshot.model.ModelManifest;
import org.earshot.train.ExampleFactory;
import org.earshot.train.LoadedClip;
import org.earshot.train.TrainOptions;
import org.earshot.train.onnx.OnnxComposer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Trains the {@code audioset} architecture: a pretrained backbone (YAMNet-AudioSet, frozen) and a small head on its
 * embedding, optionally behind a cheap screen (a cascade). The backbones are costly to run and never change, so the
 * augmented examples are made once (events mixed into background at random ratios, EQ, gain, exactly as
 * {@link ExampleFactory} makes them for the other architectures) and embedded once into a {@link Bank}; heads then
 * train for several epochs on it. One bank serves every fold of a leave-sources-out validation: a fold's heads train
 * on the examples that hold no clip of its held-out sources. The result is one ONNX classifier per network
 * ({@link OnnxComposer}): backbone and head together, served like any other model.
 */
public final class EmbeddingHeadTrainer implements AutoCloseable {
    /** The graph input and the embedding output of YAMNet-AudioSet's {@code yamnet_patch.onnx}. */
    public static final String PATCH_INPUT = "patch";
    public static final String EMBEDDING_OUTPUT = "embedding";
    /** The cascade's screen network, written beside {@code model.onnx}. */
    public static final String SCREEN_FILE = "screen.onnx";
    /** Share of the training examples of each class that the screen must pass on to the backbone. */
    static final double SCREEN_RECALL = 0.99;
    static final int SCREEN_HIDDEN = 64;
    private static final int CHUNK = 512;
    static final double DROPOUT = 0.3;
    static final double WEIGHT_DECAY = 1e-4;

    /**
     * Embedded examples: the backbone's and (for a cascade) the screen's embedding of each, its labels, and the
     * sources of the clips mixed into it.
     */
    public record Bank(float[][] embeddings, float[][] screenEmbeddings, float[][] labels, List<Set<String>> sources) {
        /** The examples that hold no clip of {@code heldOut}. */
        Bank without(Set<String> heldOut) {
            int[] keep = IntStream.range(0, labels.length)
                    .filter(i -> sources.get(i).stream().noneMatch(heldOut::contains)).toArray();
            return new Bank(pick(embeddings, keep), screenEmbeddings == null ? null : pick(screenEmbeddings, keep),
                    pick(labels, keep), IntStream.of(keep).mapToObj(sources::get).toList());
        }

        int size() {
            return labels.length;
        }

        private static float[][] pick(float[][] rows, int[] keep) {
            return IntStream.of(keep).mapToObj(i -> rows[i]).toArray(float[][]::new);
        }
    }

    private final TrainOptions options;
    private final PrintStream progress;
    /** YAMNet-256's backbone as ONNX, exported on first use for a cascade and deleted by {@link #close}. */
    private Path screenBackbone;

    public EmbeddingHeadTrainer(TrainOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** {@code options.examplesPerEpoch()} augmented examples made from {@code clips}, embedded. */
    public Bank embed(List<LoadedClip> clips) throws IOException {
        ExampleFactory factory = new ExampleFactory(clips, options.backgroundShare(), -6, 12);
        int n = options.examplesPerEpoch();
        float[][] x = new float[n][];
        float[][] xs = options.head().cascade() ? new float[n][] : null;
        float[][] y = new float[n][];
        List<Set<String>> sources = new ArrayList<>();
        Random rng = new Random(options.seed());
        LogMel logMel = new LogMel();
        long start = System.nanoTime();
        try (EmbeddingExtractor backbone = new EmbeddingExtractor(options.backbone(), PATCH_INPUT,
                options.head().features(), options.threads());
             EmbeddingExtractor screen = !options.head().cascade() ? null : new EmbeddingExtractor(screenBackbone(),
                     ScreenBackbone.INPUT, ScreenBackbone.EMBEDDING, options.threads())) {
            for (int from = 0; from < n; from += CHUNK) {
                int count = Math.min(CHUNK, n - from);
                float[][] patches = new float[count][];
                for (int i = 0; i < count; i++) {
                    ExampleFactory.Example e = factory.trainingExample(rng);
                    patches[i] = LogMel.toPatch(logMel.compute(e.waveform()), 0);
                    y[from + i] = e.labels();
                    sources.add(e.sources());
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
        }
        return new Bank(x, xs, y, sources);
    }

    /**
     * Trains the heads on the bank's examples that hold no clip of {@code heldOut}, writes {@code model.onnx} (and
     * for a cascade {@value #SCREEN_FILE}) into {@code modelDir}, and returns the cascade (null: none).
     */
    public ModelManifest.Cascade train(Bank all, Set<String> heldOut, Path modelDir) throws IOException {
        Bank bank = heldOut.isEmpty() ? all : all.without(heldOut);
        progress.printf(Locale.ROOT, "heads train on %d of %d embedded examples (those without held-out sources)%n",
                bank.size(), all.size());
        DenseHeadTrainer.Settings settings = new DenseHeadTrainer.Settings(options.head().hidden(), options.epochs(),
                options.batchSize(), options.learningRate(), DROPOUT, WEIGHT_DECAY, options.head().labelSmoothing(),
                options.seed());
        List<OnnxComposer.Dense> head = DenseHeadTrainer.train(bank.embeddings(), bank.labels(), settings, progress);
        Path modelFile = modelDir.resolve(org.earshot.model.ModelDirectory.MODEL_FILE);
        OnnxComposer.write(options.backbone(), PATCH_INPUT, options.head().features(), head, modelFile);
        progress.println("wrote " + modelFile + " (backbone " + options.backbone().getFileName() + " + head "
                + describe(head) + ")");
        if (bank.screenEmbeddings() == null) {
            return null;
        }
        DenseHeadTrainer.Settings screenSettings = new DenseHeadTrainer.Settings(SCREEN_HIDDEN, options.epochs(),
                options.batchSize(), options.learningRate(), DROPOUT, WEIGHT_DECAY, options.head().labelSmoothing(),
                options.seed() + 1);
        progress.println("screen: YAMNet-256 backbone + head");
        List<OnnxComposer.Dense> screenHead = DenseHeadTrainer.train(bank.screenEmbeddings(), bank.labels(),
                screenSettings, progress);
        OnnxComposer.write(screenBackbone(), ScreenBackbone.INPUT, ScreenBackbone.EMBEDDING, screenHead,
                modelDir.resolve(SCREEN_FILE));
        return new ModelManifest.Cascade(SCREEN_FILE, screenThresholds(bank, screenHead));
    }

    /**
     * Writes the zero-shot model into {@code modelDir}: the backbone with {@link ZeroShotHead}'s fixed head (no
     * examples, no training; the class map beside the backbone names its AudioSet classes).
     */
    public void zeroShot(Path modelDir) throws IOException {
        List<int[]> classes = ZeroShotHead.indices(ZeroShotHead.classMap(options.backbone()));
        Path modelFile = modelDir.resolve(org.earshot.model.ModelDirectory.MODEL_FILE);
        OnnxComposer.writeMaxOver(options.backbone(), PATCH_INPUT, ZeroShotHead.SCORES_OUTPUT, classes, modelFile);
        progress.println("wrote " + modelFile + " (backbone " + options.backbone().getFileName() + " + zero-shot head: "
                + "each class the maximum of the AudioSet scores " + ZeroShotHead.MAPPING + ")");
    }

    /**
     * Per class, the screen score that {@value #SCREEN_RECALL} of the training examples holding that class reach
     * (at most 0.5); reports the share of the training background that the screen would pass on.
     */
    private Map<String, Double> screenThresholds(Bank bank, List<OnnxComposer.Dense> head) {
        int classes = Labels.CLASSES.size();
        float[][] y = bank.labels();
        float[][] scores = new float[bank.size()][];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = DenseHeadTrainer.predict(head, bank.screenEmbeddings()[i]);
        }
        Map<String, Double> thresholds = new LinkedHashMap<>();
        for (int c = 0; c < classes; c++) {
            final int cls = c;
            double[] positive = IntStream.range(0, scores.length).filter(i -> y[i][cls] > 0.5f)
                    .mapToDouble(i -> scores[i][cls]).sorted().toArray();
            double t = positive.length == 0 ? 0.5
                    : Math.min(0.5, positive[(int) Math.floor((1 - SCREEN_RECALL) * positive.length)]);
            thresholds.put(Labels.CLASSES.get(c), Math.floor(t * 1e6) / 1e6);
        }
        int background = 0;
        int passed = 0;
        for (int i = 0; i < scores.length; i++) {
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

    private Path screenBackbone() throws IOException {
        if (screenBackbone == null) {
            screenBackbone = ScreenBackbone.export(options.yamnetWeights());
        }
        return screenBackbone;
    }

    /** Deletes the exported screen backbone, if any. */
    @Override
    public void close() throws IOException {
        if (screenBackbone != null) {
            ScreenBackbone.delete(screenBackbone);
            screenBackbone = null;
        }
    }

    private static String describe(List<OnnxComposer.Dense> head) {
        StringBuilder b = new StringBuilder();
        for (OnnxComposer.Dense d : head) {
            b.append(b.length() == 0 ? d.in() : "").append(" -> ").append(d.out());
        }
        return b.toString();
    }
}
