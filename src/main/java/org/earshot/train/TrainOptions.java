package org.earshot.train;

import org.earshot.train.head.EmbeddingHeadTrainer;
import org.earshot.train.head.ZeroShotHead;
import org.earshot.train.onnx.OnnxComposer;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of one training run, validated here so that a bad value stops the run before any work is done.
 *
 * @param dataset the dataset folders read together and the clip qualities left out
 * @param architecture {@code cnn} (small CNN from scratch) or {@code yamnet} (YAMNet-256 backbone, fine-tuned)
 * @param yamnetWeights the YAMNet-256 Keras backbone file, needed for {@code yamnet}
 * @param backgroundShare share of training examples that hold no event
 * @param hardNegativeShare share of the background examples of each epoch (from the third on) replaced by the
 *                          highest-scoring of a pool of fresh background segments scored by the network as it
 *                          stands (hard-negative mining); 0 turns mining off
 * @param folds 0 for a validation split by {@code validationFraction}; K >= 2 to hold out fold {@code fold} of a
 *              K-fold partition of the groups instead (cross-validation; {@code validationFraction} is then ignored)
 * @param pooling the network's global pooling: {@code mean} or {@code meanmax} (see {@code Layers.globalPool})
 * @param freezeBackbone {@code yamnet} only: keep the pretrained backbone's weights as they are and train the new
 *                       head alone (a linear probe of the embedding); its batch-norm statistics still adapt
 * @param sourceFolds when not null, {@code fold} is a fold of these sources (leave-sources-out) and {@code folds}
 *                    their number
 * @param backbone {@code audioset}: the pretrained ONNX backbone (YAMNet-AudioSet) whose embedding the head reads
 * @param head {@code audioset}: the head on the backbone's embedding, and whether a screen goes in front
 */
public record TrainOptions(DatasetSelection dataset, Path output, String architecture, int epochs, int examplesPerEpoch,
        int batchSize, double learningRate, long seed, double validationFraction, int cnnWidth, Path yamnetWeights,
        int threads, double backgroundShare, double hardNegativeShare, int folds, int fold, String pooling,
        boolean freezeBackbone, SourceFolds sourceFolds, Path backbone, Head head) {
    /**
     * The {@code audioset} architecture's head.
     *
     * @param hidden hidden units, 0 for a linear head
     * @param labelSmoothing targets {@code y (1 - s) + s / 2}: keeps scores off 0 and 1, where thresholds cannot
     *                       tell windows apart
     * @param cascade also train a cheap screen (YAMNet-256's pretrained backbone, from {@code yamnetWeights}, with a
     *                head of its own) that runs on every window in front of the backbone
     * @param input what the head reads: {@code embedding} (the backbone's 1024-d embedding), {@code scores} (the
     *              logits of its 521 AudioSet scores) or {@code embedding+scores} (both, concatenated)
     * @param zeroShot no training: a fixed head, each class the maximum of some AudioSet scores
     *                 ({@link org.earshot.train.head.ZeroShotHead})
     */
    public record Head(int hidden, double labelSmoothing, boolean cascade, String input, boolean zeroShot) {
        public static final List<String> INPUTS = List.of("embedding", "scores", "embedding+scores");
        public static final Head NONE = new Head(0, 0, false, "embedding", false);

        public Head {
            if (hidden < 0 || hidden > 4096) {
                throw new IllegalArgumentException("head hidden units must be in 0..4096, got " + hidden);
            }
            if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
                throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
            }
            if (!INPUTS.contains(input)) {
                throw new IllegalArgumentException("head input must be one of " + INPUTS + ", got '" + input + "'");
            }
            if (zeroShot && cascade) {
                throw new IllegalArgumentException("a zero-shot head has no cascade");
            }
        }

        /** The backbone outputs the head reads, in order (the scores as logits). */
        public List<OnnxComposer.Feature> features() {
            List<OnnxComposer.Feature> features = new java.util.ArrayList<>();
            if (input.contains("embedding")) {
                features.add(new OnnxComposer.Feature(EmbeddingHeadTrainer.EMBEDDING_OUTPUT, false));
            }
            if (input.contains("scores")) {
                features.add(new OnnxComposer.Feature(ZeroShotHead.SCORES_OUTPUT, true));
            }
            return List.copyOf(features);
        }
    }

    public static final int DEFAULT_EPOCHS = 30;
    public static final int DEFAULT_EXAMPLES_PER_EPOCH = 4096;
    public static final int DEFAULT_BATCH = 64;
    public static final double DEFAULT_VALIDATION_FRACTION = 0.2;
    public static final long DEFAULT_SEED = 20261128L;
    /** Share of training examples with no event in them. */
    public static final double DEFAULT_BACKGROUND_SHARE = 0.4;
    /** Share of background examples that are hard negatives, each the best of {@link #HARD_NEGATIVE_POOL_FACTOR}. */
    public static final double DEFAULT_HARD_NEGATIVE_SHARE = 0.2;
    public static final int HARD_NEGATIVE_POOL_FACTOR = 4;

    public TrainOptions {
        if (!List.of("cnn", "yamnet", "audioset").contains(architecture)) {
            throw new IllegalArgumentException("architecture must be cnn, yamnet or audioset, got '" + architecture
                    + "'");
        }
        if (architecture.equals("audioset") && backbone == null) {
            throw new IllegalArgumentException("architecture audioset needs the backbone's ONNX file");
        }
        if ((head.zeroShot() || !head.input().equals("embedding")) && !architecture.equals("audioset")) {
            throw new IllegalArgumentException("a zero-shot head and a head on the AudioSet scores need the audioset "
                    + "architecture");
        }
        if (head.cascade() && (!architecture.equals("audioset") || yamnetWeights == null)) {
            throw new IllegalArgumentException("a cascade needs the audioset architecture and the YAMNet-256 weights");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (examplesPerEpoch < batchSize) {
            throw new IllegalArgumentException("examples per epoch (" + examplesPerEpoch + ") must be >= batch size ("
                    + batchSize + ")");
        }
        if (batchSize < 2) {
            throw new IllegalArgumentException("batch size must be >= 2 (batch norm), got " + batchSize);
        }
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new IllegalArgumentException("learning rate must be in (0, 1), got " + learningRate);
        }
        splitOf(sourceFolds, seed, validationFraction, folds, fold); // validates the split settings
        if (cnnWidth < 4 || cnnWidth > 256) {
            throw new IllegalArgumentException("cnn width must be in 4..256, got " + cnnWidth);
        }
        if (architecture.equals("yamnet") && yamnetWeights == null) {
            throw new IllegalArgumentException("architecture yamnet needs the YAMNet-256 weights file");
        }
        if (!(backgroundShare >= 0 && backgroundShare < 1)) {
            throw new IllegalArgumentException("background share must be in [0, 1), got " + backgroundShare);
        }
        if (!(hardNegativeShare >= 0 && hardNegativeShare <= 1)) {
            throw new IllegalArgumentException("hard negative share must be in [0, 1], got " + hardNegativeShare);
        }
        org.earshot.train.nn.Layers.globalPool(pooling); // validates the kind
        if (freezeBackbone && !architecture.equals("yamnet")) {
            throw new IllegalArgumentException("only the yamnet architecture has a pretrained backbone to freeze");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    /** How this run splits the dataset into training and validation. */
    public GroupSplit.Spec split() {
        return splitOf(sourceFolds, seed, validationFraction, folds, fold);
    }

    private static GroupSplit.Spec splitOf(SourceFolds sourceFolds, long seed, double validationFraction, int folds,
            int fold) {
        return sourceFolds != null ? GroupSplit.Spec.sourceFold(sourceFolds, fold, seed)
                : GroupSplit.Spec.of(seed, validationFraction, folds, fold);
    }

    /** Hard negatives per epoch: the share of the expected number of background examples. */
    public int hardNegatives() {
        return (int) Math.round(hardNegativeShare * examplesPerEpoch * backgroundShare);
    }
}
