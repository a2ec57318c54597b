package org.earshot.train.head;

import org.earshot.dsp.LogMel;
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

    /** A finished run: what it was trained and validated on. */
    public record Result(DatasetManifest manifest, GroupSplit split, List<LoadedClip> validationClips) {}

    private final TrainOptions options;
    private final PrintStream progress;

    public EmbeddingHeadTrainer(TrainOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Trains and writes the composed network to {@code modelFile}. */
    public Result train(Path modelFile) throws IOException {
        DatasetManifest manifest = DatasetManifest.read(options.dataset());
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
        long start = System.nanoTime();
        try (EmbeddingExtractor backbone = new EmbeddingExtractor(options.backbone(), PATCH_INPUT, EMBEDDING_OUTPUT,
                options.threads())) {
            for (int from = 0; from < n; from += CHUNK) {
                int count = Math.min(CHUNK, n - from);
                float[][] patches = new float[count][];
                for (int i = 0; i < count; i++) {
                    ExampleFactory.Example e = factory.trainingExample(rng);
                    patches[i] = LogMel.toPatch(logMel.compute(e.waveform()), 0);
                    y[from + i] = e.labels();
                }
                float[][] emb = backbone.embed(patches);
                System.arraycopy(emb, 0, x, from, count);
                if ((from / CHUNK) % 16 == 15 || from + count == n) {
                    progress.printf(Locale.ROOT, "embedded %d of %d examples (%.0f s)%n", from + count, n,
                            (System.nanoTime() - start) / 1e9);
                }
            }
        }
        DenseHeadTrainer.Settings settings = new DenseHeadTrainer.Settings(options.headHidden(), options.epochs(),
                options.batchSize(), options.learningRate(), DROPOUT, WEIGHT_DECAY, 0.0, options.seed());
        List<OnnxComposer.Dense> head = DenseHeadTrainer.train(x, y, settings, progress);
        OnnxComposer.write(options.backbone(), PATCH_INPUT, EMBEDDING_OUTPUT, head, modelFile);
        progress.println("wrote " + modelFile + " (backbone " + options.backbone().getFileName() + " + head "
                + describe(head) + ")");
        return new Result(manifest, split, validationClips);
    }

    private static String describe(List<OnnxComposer.Dense> head) {
        StringBuilder b = new StringBuilder();
        for (OnnxComposer.Dense d : head) {
            b.append(b.length() == 0 ? d.in() : "").append(" -> ").append(d.out());
        }
        return b.toString();
    }
}
