package org.earshot.train.yamnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.initializer.Initializer;

import org.earshot.dsp.FrontEndSpec;
import org.earshot.train.nn.Layers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Rebuilds the YAMNet-256 Keras HDF5 models of {@code ../shared/models/yamnet-256} as DJL blocks of the exportable set
 * (SequentialBlock, Conv2d, BatchNorm, Linear, Dropout and {@link Layers}), for inference checks and fine-tuning.
 *
 * <p>Input is always N x 1 x 64 x 96 (H = 64 mel bands, W = 96 frames, the mel-major layout of
 * {@code LogMel.toPatch}); see {@link #INPUT_SHAPE}. The pretrained weights travel with the returned block as
 * parameter initializers: the usual {@code model.setBlock(block); block.initialize(manager, FLOAT32, shape)} (or
 * {@code trainer.initialize(shape)}) gives the pretrained network, with arrays owned by the caller's manager. Two
 * consequences: a {@code TrainingConfig} that installs its own initializers for these parameters replaces the
 * pretrained values, and a block that was already initialized keeps whatever it has. Each block can be initialized
 * into one model; build a new one for another.
 */
public final class YamnetImporter {
    /** Per-sample input shape C x H x W: one log-mel patch, 64 mel bands by 96 frames. */
    public static final Shape INPUT_SHAPE = new Shape(1, FrontEndSpec.MEL_BANDS, FrontEndSpec.PATCH_FRAMES);
    /**
     * Output order of {@code fsd50k-5class/yamnet_256_64x96_tl.h5}. Its {@code _config.yaml} lists the classes as
     * Speech, Gunshot_and_gunfire, Crying_and_sobbing, Knock, Glass, but the model's outputs follow the sorted names
     * (measured on labelled clips: in the config order speech words come out as "Glass" and gunshots as "Crying").
     */
    public static final List<String> FSD50K_CLASSES =
            List.of("Crying_and_sobbing", "Glass", "Gunshot_and_gunfire", "Knock", "Speech");
    /** Dropout before the new head in {@link #fineTuneNetwork}, the rate of the FSD50K transfer-learning head. */
    public static final float FINE_TUNE_DROPOUT = 0.2f;

    private YamnetImporter() {}

    /** What the Keras model applied after its last Dense layer; the DJL network itself always emits logits. */
    public enum OutputActivation {
        NONE,
        SOFTMAX,
        SIGMOID;

        /** Turns the network's output (logits, N x classes) into what the Keras model would have output. */
        public NDArray apply(NDArray logits) {
            return switch (this) {
                case NONE -> logits;
                case SOFTMAX -> logits.softmax(-1);
                case SIGMOID -> Activation.sigmoid(logits);
            };
        }
    }

    /**
     * An imported network. {@code block} emits logits (or the embedding); {@code outputActivation} is what Keras
     * applied on top, kept outside the network because the exportable layer set has no softmax; {@code flatOutput}
     * says whether the output is N x {@code outputSize} (false: a feature map); {@code layers} describes each Keras
     * layer and what it became.
     */
    public record Imported(SequentialBlock block, OutputActivation outputActivation, boolean flatOutput,
            long outputSize, List<String> layers) {}

    /** Input shape for a batch of {@code batchSize} patches. */
    public static Shape inputShape(int batchSize) {
        return new Shape(batchSize, INPUT_SHAPE.get(0), INPUT_SHAPE.get(1), INPUT_SHAPE.get(2));
    }

    /**
     * Imports any model of the supported layer set. Fails with a message naming the layer on an unknown layer type or
     * configuration, on a weight whose shape disagrees with the configuration, and on a weight no layer uses.
     */
    public static Imported importModel(Path h5) throws IOException {
        return importModel(KerasHdf5Model.read(h5));
    }

    static Imported importModel(KerasHdf5Model model) {
        return new KerasGraphTranslator(model).translate();
    }

    /**
     * The backbone ({@code yamnet_256_f32_backbone.h5}): N x 1 x 64 x 96 log-mel patches to the N x 256 embedding,
     * pretrained once initialized (see the class comment).
     */
    public static SequentialBlock backbone(Path h5) throws IOException {
        Imported imported = importModel(h5);
        if (imported.outputActivation() != OutputActivation.NONE) {
            throw new IllegalArgumentException(h5 + " ends in a " + imported.outputActivation()
                    + " classifier, not an embedding: use withHead");
        }
        if (!imported.flatOutput()) {
            throw new IllegalArgumentException(h5 + " outputs a feature map, not an embedding vector");
        }
        return imported.block();
    }

    /**
     * A complete classifier such as {@code fsd50k-5class/yamnet_256_64x96_tl.h5}: backbone plus its Dense head. The
     * block emits logits; apply {@link Imported#outputActivation()} for the Keras probabilities. For fsd50k-5class
     * the outputs are in the order of {@link #FSD50K_CLASSES}, not that of its configuration file.
     */
    public static Imported withHead(Path h5WithHead) throws IOException {
        Imported imported = importModel(h5WithHead);
        if (!imported.flatOutput() || imported.block().getChildren().isEmpty()
                || !(lastLeaf(imported.block()) instanceof Linear)) {
            throw new IllegalArgumentException(h5WithHead + " does not end in a Dense classification head");
        }
        return imported;
    }

    /**
     * The network to fine-tune: child 0 is the pretrained backbone (freeze it with
     * {@code getChildren().get(0).getValue().freezeParameters(true)} for head-only training), then global average
     * pooling if the backbone does not end in it, Dropout({@value #FINE_TUNE_DROPOUT}) and a new
     * Linear({@code numClasses}) emitting logits, Glorot-uniform initialized from {@code seed} with zero bias. Train
     * with a softmax (or sigmoid) cross-entropy loss that takes logits.
     *
     * <p>Unlike Keras, where a frozen BatchNormalization runs in inference mode, DJL's BatchNorm in a training forward
     * normalizes with batch statistics and updates its running mean and variance even when its parameters are
     * frozen. For head-only training, run the backbone with {@code training=false} (for example, compute the
     * embeddings once) and train only the head; fine-tuning the whole network adapts the statistics on purpose.
     */
    public static SequentialBlock fineTuneNetwork(Path backboneH5, int numClasses, long seed) throws IOException {
        return fineTuneNetwork(backboneH5, numClasses, seed, "mean");
    }

    /**
     * As {@link #fineTuneNetwork(Path, int, long)}, with the backbone's global average pooling replaced by the pooling
     * {@code pooling} of {@link Layers#globalPool} ({@code mean} keeps the backbone as it is).
     */
    public static SequentialBlock fineTuneNetwork(Path backboneH5, int numClasses, long seed, String pooling)
            throws IOException {
        Layers.globalPool(pooling); // fails early on an unknown kind
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
        Imported backbone = importModel(backboneH5);
        if (backbone.outputActivation() != OutputActivation.NONE) {
            throw new IllegalArgumentException(backboneH5 + " already has a classifier head; fine-tune from the"
                    + " backbone file");
        }
        SequentialBlock network = new SequentialBlock();
        SequentialBlock body = backbone.block();
        if (backbone.flatOutput() && !pooling.equals("mean")) {
            Block last = body.getChildren().get(body.getChildren().size() - 1).getValue();
            if (!(last instanceof ai.djl.nn.LambdaBlock l && l.getName().equals(Layers.GLOBAL_AVG_POOL))) {
                throw new IllegalArgumentException(backboneH5 + " does not end in global average pooling: cannot use "
                        + pooling + " pooling");
            }
            body.replaceLastBlock(Layers.globalPool(pooling));
        }
        network.add(body);
        if (!backbone.flatOutput()) {
            network.add(Layers.globalPool(pooling));
        }
        network.add(Dropout.builder().optRate(FINE_TUNE_DROPOUT).build());
        Linear head = Linear.builder().setUnits(numClasses).build();
        setInitializer(head, "weight", new SeededGlorotUniform(seed));
        setInitializer(head, "bias", (manager, shape, dataType) -> manager.zeros(shape, dataType));
        network.add(head);
        return network;
    }

    private static void setInitializer(Block block, String name, Initializer initializer) {
        Parameter parameter = block.getParameters().get(name);
        parameter.setInitializer(initializer);
    }

    private static Block lastLeaf(Block block) {
        Block current = block;
        while (current instanceof SequentialBlock sequential && !sequential.getChildren().isEmpty()) {
            current = sequential.getChildren().get(sequential.getChildren().size() - 1).getValue();
        }
        return current;
    }
}
