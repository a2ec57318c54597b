package org.earshot.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.CosineTracker;
import org.earshot.detect.Labels;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.dsp.LogMel;
import org.earshot.train.eval.ClipMetrics;
import org.earshot.train.nn.Networks;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains a multi-label classifier (one sigmoid output per class) with DJL on the PyTorch engine, on the CPU, from a
 * train-v1-style dataset: group-disjoint validation split, on-the-fly augmented examples, one progress line per
 * epoch. Seeded: the same options give the same model.
 */
public final class ModelTrainer {
    private static final int CLASSES = Labels.CLASSES.size();

    /** A finished run: the trained network (still open: close the model) and the per-epoch history. */
    public record Result(Model model, Block block, List<EpochStats> history, DatasetManifest manifest,
            GroupSplit split, List<LoadedClip> validationClips) implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }

    /** Figures printed after each epoch. */
    public record EpochStats(int epoch, double loss, double[] validationAuc, double[] validationF1, double seconds) {}

    private final TrainOptions options;
    private final PrintStream progress;

    public ModelTrainer(TrainOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public Result train() throws IOException {
        DatasetManifest manifest = options.dataset().read();
        GroupSplit split = options.split().apply(manifest.clips());
        progress.printf("dataset %s: %d clips, %d for training, %d for validation (%s)%n", options.dataset(),
                manifest.clips().size(), split.train().size(), split.validation().size(), options.split().describe());
        List<LoadedClip> trainClips = load(split.train(), "training");
        List<LoadedClip> validationClips = load(split.validation(), "validation");

        ExampleFactory trainFactory = new ExampleFactory(trainClips, options.backgroundShare(), -6, 12);
        // Without a validation split (every group trains) the progress lines show the loss alone.
        List<ExampleFactory.Example> validation = validationClips.isEmpty() ? List.of()
                : new ExampleFactory(validationClips, options.backgroundShare(), 0, 0)
                        .validationExamples(options.seed());
        float[][] validationPatches = patches(validation);

        Engine.getInstance().setRandomSeed((int) options.seed());
        Block block = buildBlock();
        Model model = Model.newInstance("earshot-" + options.architecture(), "PyTorch");
        model.setBlock(block);
        int stepsPerEpoch = options.examplesPerEpoch() / options.batchSize();
        CosineTracker lr = CosineTracker.builder().setBaseValue((float) options.learningRate())
                .optFinalValue((float) options.learningRate() / 50).setMaxUpdates(stepsPerEpoch * options.epochs())
                .build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Adam.builder().optLearningRateTracker(lr).optWeightDecays(1e-4f).build());
        List<EpochStats> history = new ArrayList<>();
        ExecutorService producer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "example-producer");
            t.setDaemon(true);
            return t;
        });
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(options.batchSize(), 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES));
            if (options.freezeBackbone()) {
                // The network is backbone, dropout, head (YamnetImporter.fineTuneNetwork): only the head learns.
                block.getChildren().get(0).getValue().freezeParameters(true);
                progress.println("backbone frozen: training the head only");
            }
            Random rng = new Random(options.seed());
            Future<float[][][]> next = producer.submit(epochData(trainFactory, new Random(rng.nextLong())));
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                long start = System.nanoTime();
                float[][][] data = next.get();
                if (epoch < options.epochs()) {
                    next = producer.submit(epochData(trainFactory, new Random(rng.nextLong())));
                }
                String mined = "";
                if (epoch >= FIRST_MINING_EPOCH && options.hardNegatives() > 0) {
                    mined = mineHardNegatives(trainer, trainFactory, data, new Random(rng.nextLong()));
                }
                double loss = runEpoch(trainer, data[0], data[1]);
                float[][] scores = validation.isEmpty() ? new float[0][] : predict(trainer, validationPatches);
                EpochStats stats = evaluate(epoch, loss, scores, validation, (System.nanoTime() - start) / 1e9);
                history.add(stats);
                progress.println(format(stats, options.epochs()) + mined);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            model.close();
            throw new IOException("training interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            model.close();
            throw new IOException("making training examples failed: " + e.getCause(), e.getCause());
        } finally {
            producer.shutdownNow();
        }
        return new Result(model, block, history, manifest, split, validationClips);
    }

    /** Mining starts here: before it, the network's scores say little about which background is hard. */
    static final int FIRST_MINING_EPOCH = 3;

    /**
     * Hard-negative mining: scores a pool of fresh background segments (made like any background example: joins,
     * EQ, level) with the network as it stands, and puts the highest-scoring ones (by their highest class score) in
     * place of the epoch's first background examples. Returns a note for the progress line.
     */
    private String mineHardNegatives(Trainer trainer, ExampleFactory factory, float[][][] data, Random rng) {
        int wanted = options.hardNegatives();
        int poolSize = wanted * TrainOptions.HARD_NEGATIVE_POOL_FACTOR;
        LogMel logMel = new LogMel();
        float[][] pool = new float[poolSize][];
        for (int i = 0; i < poolSize; i++) {
            pool[i] = LogMel.toPatch(logMel.compute(factory.backgroundExample(rng)), 0);
        }
        float[][] scores = predict(trainer, pool);
        Integer[] order = new Integer[poolSize];
        double[] top = new double[poolSize];
        for (int i = 0; i < poolSize; i++) {
            order[i] = i;
            for (float v : scores[i]) {
                top[i] = Math.max(top[i], v);
            }
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(top[b], top[a]));
        // Spread over the epoch's background examples, not bunched in its first batches.
        List<Integer> backgroundRows = new ArrayList<>();
        for (int i = 0; i < data[0].length; i++) {
            boolean background = true;
            for (float v : data[1][i]) {
                background &= v == 0f;
            }
            if (background) {
                backgroundRows.add(i);
            }
        }
        int replaced = Math.min(wanted, backgroundRows.size());
        if (replaced == 0) {
            return "  hard negatives 0 (no background examples this epoch)";
        }
        for (int k = 0; k < replaced; k++) {
            data[0][backgroundRows.get((int) ((long) k * backgroundRows.size() / replaced))] = pool[order[k]];
        }
        return String.format(java.util.Locale.ROOT, "  hard negatives %d (scores %.2f-%.2f)", replaced,
                top[order[replaced - 1]], top[order[0]]);
    }

    /** The network; YAMNet's pretrained weights arrive through its parameter initialisers. */
    private Block buildBlock() throws IOException {
        return switch (options.architecture()) {
            case "cnn" -> Networks.smallCnn(CLASSES, options.cnnWidth(), options.pooling());
            case "yamnet" -> org.earshot.train.yamnet.YamnetImporter.fineTuneNetwork(options.yamnetWeights(), CLASSES,
                    options.seed(), options.pooling());
            default -> throw new IllegalStateException(options.architecture());
        };
    }

    private java.util.concurrent.Callable<float[][][]> epochData(ExampleFactory factory, Random rng) {
        return () -> {
            int n = options.examplesPerEpoch();
            float[][] x = new float[n][];
            float[][] y = new float[n][];
            LogMel logMel = new LogMel();
            for (int i = 0; i < n; i++) {
                ExampleFactory.Example e = factory.trainingExample(rng);
                x[i] = LogMel.toPatch(logMel.compute(e.waveform()), 0);
                y[i] = e.labels();
            }
            return new float[][][] {x, y};
        };
    }

    private double runEpoch(Trainer trainer, float[][] x, float[][] y) {
        int b = options.batchSize();
        double lossSum = 0;
        int steps = x.length / b;
        NDManager manager = trainer.getManager();
        for (int s = 0; s < steps; s++) {
            try (NDManager batch = manager.newSubManager()) {
                NDArray data = batch.create(flatten(x, s * b, b), new Shape(b, 1, FrontEndSpec.MEL_BANDS,
                        FrontEndSpec.PATCH_FRAMES));
                NDArray labels = batch.create(flatten(y, s * b, b), new Shape(b, CLASSES));
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDArray logits = trainer.forward(new NDList(data)).singletonOrThrow();
                    NDArray loss = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                    gc.backward(loss);
                    lossSum += loss.getFloat();
                }
                trainer.step();
            }
        }
        return lossSum / steps;
    }

    /** Sigmoid scores of the network in inference mode. */
    public static float[][] predict(Trainer trainer, float[][] patches) {
        float[][] out = new float[patches.length][];
        int b = 128;
        for (int s = 0; s < patches.length; s += b) {
            int n = Math.min(b, patches.length - s);
            try (NDManager batch = trainer.getManager().newSubManager()) {
                NDArray data = batch.create(flatten(patches, s, n), new Shape(n, 1, FrontEndSpec.MEL_BANDS,
                        FrontEndSpec.PATCH_FRAMES));
                float[] p = trainer.evaluate(new NDList(data)).singletonOrThrow().getNDArrayInternal().sigmoid()
                        .toFloatArray();
                for (int i = 0; i < n; i++) {
                    out[s + i] = java.util.Arrays.copyOfRange(p, i * CLASSES, (i + 1) * CLASSES);
                }
            }
        }
        return out;
    }

    private static float[] flatten(float[][] rows, int from, int count) {
        int width = rows[from].length;
        float[] flat = new float[count * width];
        for (int i = 0; i < count; i++) {
            System.arraycopy(rows[from + i], 0, flat, i * width, width);
        }
        return flat;
    }

    static float[][] patches(List<ExampleFactory.Example> examples) {
        LogMel logMel = new LogMel();
        float[][] out = new float[examples.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = LogMel.toPatch(logMel.compute(examples.get(i).waveform()), 0);
        }
        return out;
    }

    private static EpochStats evaluate(int epoch, double loss, float[][] scores, List<ExampleFactory.Example> examples,
            double seconds) {
        double[] auc = new double[CLASSES];
        double[] f1 = new double[CLASSES];
        if (examples.isEmpty()) {
            java.util.Arrays.fill(auc, Double.NaN);
            java.util.Arrays.fill(f1, Double.NaN);
            return new EpochStats(epoch, loss, auc, f1, seconds);
        }
        for (int c = 0; c < CLASSES; c++) {
            double[] s = new double[scores.length];
            boolean[] positive = new boolean[scores.length];
            for (int i = 0; i < scores.length; i++) {
                s[i] = scores[i][c];
                positive[i] = examples.get(i).labels()[c] > 0.5f;
            }
            auc[c] = ClipMetrics.rocAuc(s, positive);
            f1[c] = ClipMetrics.countsAt(s, positive, 0.5).f1();
        }
        return new EpochStats(epoch, loss, auc, f1, seconds);
    }

    static String format(EpochStats s, int epochs) {
        StringBuilder b = new StringBuilder(String.format("epoch %d/%d  loss %.4f", s.epoch(), epochs, s.loss()));
        for (int c = 0; c < CLASSES && !Double.isNaN(s.validationAuc()[c]); c++) {
            b.append(String.format("  %s AUC %.3f F1 %.3f", Labels.CLASSES.get(c), s.validationAuc()[c],
                    s.validationF1()[c]));
        }
        return b.append(String.format("  (%.0f s)", s.seconds())).toString();
    }

    private List<LoadedClip> load(List<ClipEntry> entries, String what) throws IOException {
        List<LoadedClip> clips = LoadedClip.loadAll(entries, options.threads());
        progress.printf("loaded %d %s clips%n", clips.size(), what);
        return clips;
    }
}
