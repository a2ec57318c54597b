package org.earshot.train.onnx;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.train.nn.Layers;

import java.util.Random;

/** Small networks from the exportable vocabulary, trained briefly on DJL's PyTorch engine, and random patches. */
public final class TestNetworks {
    public static final String PYTORCH = "PyTorch";
    public static final int PATCH_SIZE = FrontEndSpec.MEL_BANDS * FrontEndSpec.PATCH_FRAMES;
    public static final Shape INPUT_SHAPE = new Shape(1, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES);

    private TestNetworks() {}

    /**
     * Conv + BN + relu, maxpool, a depthwise conv, relu6, Keras-style "same" padding before a stride-2 conv, a
     * non-square kernel, global average pooling, dropout and a linear head with {@code classes} outputs.
     */
    public static SequentialBlock mobileNetLike(int classes) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optPadding(new Shape(1, 1)).build())
                // A non-default epsilon, so that reading it by reflection is what makes the parity hold.
                .add(BatchNorm.builder().optEpsilon(1e-2f).build())
                .add(Layers.relu())
                .add(Layers.maxPool(2, 2, 2, 2))
                .add(new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optGroups(8)
                                .optPadding(new Shape(1, 1)).optBias(false).build())
                        .add(BatchNorm.builder().build())
                        .add(Layers.relu6())
                        .add(Layers.pad(0, 1, 0, 1))
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(12)
                                .optStride(new Shape(2, 2)).optBias(false).build())
                        .add(BatchNorm.builder().build())
                        .add(Layers.relu6()))
                .add(Conv2d.builder().setKernelShape(new Shape(1, 3)).setFilters(16).optPadding(new Shape(0, 1)).build())
                .add(Layers.relu())
                .add(Layers.globalAvgPool())
                .add(Dropout.builder().optRate(0.5f).build())
                .add(Linear.builder().setUnits(classes).build());
    }

    /** Non-square pooling, flatten and a bias-free linear layer, the parts {@link #mobileNetLike} leaves out. */
    public static SequentialBlock flattenHead(int classes) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 3)).setFilters(4).optStride(new Shape(4, 4)).build())
                .add(BatchNorm.builder().optEpsilon(1e-3f).build())
                .add(Layers.relu())
                .add(Layers.maxPool(3, 2, 3, 2))
                .add(Layers.flatten())
                .add(Linear.builder().setUnits(classes).optBias(false).build());
    }

    /** Mean over bands, then max plus mean over time ({@link Layers#meanMaxPool}), on a non-square feature map. */
    public static SequentialBlock meanMaxHead(int classes) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(4, 4)).setFilters(6).optStride(new Shape(8, 4)).build())
                .add(BatchNorm.builder().build())
                .add(Layers.relu())
                .add(Layers.meanMaxPool())
                .add(Linear.builder().setUnits(classes).build());
    }

    /**
     * Initialises {@code net} on the PyTorch engine and runs a few Adam steps on random data, so that weights and
     * BatchNorm running statistics are far from their initial values. The returned model owns the parameters.
     */
    public static Model train(Block net, int classes, int steps, long seed) {
        Engine.getEngine(PYTORCH).setRandomSeed((int) seed);
        Model model = Model.newInstance("parity", PYTORCH);
        model.setBlock(net);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build());
        int batch = 4;
        Random random = new Random(seed);
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(batch, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES));
            for (int step = 0; step < steps; step++) {
                try (NDManager m = model.getNDManager().newSubManager()) {
                    NDArray x = toNd(m, randomPatches(random, batch));
                    float[] labels = new float[batch * classes];
                    for (int i = 0; i < labels.length; i++) {
                        labels[i] = random.nextBoolean() ? 1f : 0f;
                    }
                    NDArray y = m.create(labels, new Shape(batch, classes));
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                        collector.backward(config.getLossFunction().evaluate(new NDList(y), new NDList(logits)));
                    }
                    trainer.step();
                }
            }
        }
        return model;
    }

    /** Inference on the training engine: logits, N x classes, with BatchNorm on running stats and no dropout. */
    public static float[][] pytorchLogits(Model model, float[][] patches) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray logits = model.getBlock()
                    .forward(new ParameterStore(m, false), new NDList(toNd(m, patches)), false)
                    .singletonOrThrow();
            int cols = (int) logits.getShape().get(1);
            float[] flat = logits.toFloatArray();
            float[][] rows = new float[patches.length][cols];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(flat, r * cols, rows[r], 0, cols);
            }
            return rows;
        }
    }

    /** Log-mel-like values: mostly negative with a spread of a few nepers, like {@code log(mel + 0.001)}. */
    public static float[][] randomPatches(Random random, int count) {
        float[][] patches = new float[count][PATCH_SIZE];
        for (float[] patch : patches) {
            for (int i = 0; i < PATCH_SIZE; i++) {
                patch[i] = (float) (-4.0 + 2.0 * random.nextGaussian());
            }
        }
        return patches;
    }

    public static float[][] sigmoid(float[][] logits) {
        float[][] p = new float[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            p[r] = new float[logits[r].length];
            for (int c = 0; c < p[r].length; c++) {
                p[r][c] = (float) (1.0 / (1.0 + Math.exp(-logits[r][c])));
            }
        }
        return p;
    }

    public static double maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new AssertionError("row counts differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int r = 0; r < a.length; r++) {
            if (a[r].length != b[r].length) {
                throw new AssertionError("row " + r + " lengths differ: " + a[r].length + " vs " + b[r].length);
            }
            for (int c = 0; c < a[r].length; c++) {
                max = Math.max(max, Math.abs(a[r][c] - b[r][c]));
            }
        }
        return max;
    }

    private static NDArray toNd(NDManager m, float[][] patches) {
        float[] flat = new float[patches.length * PATCH_SIZE];
        for (int i = 0; i < patches.length; i++) {
            System.arraycopy(patches[i], 0, flat, i * PATCH_SIZE, PATCH_SIZE);
        }
        return m.create(flat, new Shape(patches.length, 1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES));
    }
}
