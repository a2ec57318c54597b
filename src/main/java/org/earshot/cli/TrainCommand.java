package org.earshot.cli;

import ai.djl.ndarray.types.Shape;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.Labels;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.model.ModelManifest;
import org.earshot.detect.Classifier;
import org.earshot.model.ModelLoader;
import org.earshot.train.DatasetManifest;
import org.earshot.train.DatasetSelection;
import org.earshot.train.GroupSplit;
import org.earshot.train.LoadedClip;
import org.earshot.train.SourceFolds;
import org.earshot.train.ModelTrainer;
import org.earshot.train.ThresholdCalibrator;
import org.earshot.train.TrainOptions;
import org.earshot.train.ValidationData;
import org.earshot.train.head.EmbeddingHeadTrainer;
import org.earshot.train.onnx.OnnxExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code earshot train}: trains on a dataset with DJL (PyTorch engine, CPU), exports the network to ONNX, chooses
 * per-class thresholds on generated validation streams and writes a model directory ({@code model.onnx},
 * {@code manifest.json}, {@code training-log.txt}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a classifier and write a model directory (model.onnx, manifest.json).")
final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DatasetOption dataset;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Model directory to write")
    Path out;

    @Option(names = "--name", description = "Model name recorded in the manifest (default: the --out folder name)")
    String name;

    @Option(names = "--architecture", description = "cnn (small CNN from scratch), yamnet (YAMNet-256, fine-tuned) or "
            + "audioset (YAMNet-AudioSet frozen, a head trained on its embedding; --examples-per-epoch is then the "
            + "number of augmented examples embedded once, --epochs the head's epochs) (default: ${DEFAULT-VALUE})")
    String architecture = "cnn";

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE})")
    int epochs = TrainOptions.DEFAULT_EPOCHS;

    @Option(names = "--examples-per-epoch", description = "Augmented examples per epoch (default: ${DEFAULT-VALUE})")
    int examplesPerEpoch = TrainOptions.DEFAULT_EXAMPLES_PER_EPOCH;

    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE})")
    int batchSize = TrainOptions.DEFAULT_BATCH;

    @Option(names = "--learning-rate", description = "Initial learning rate, cosine decay (default: 0.003 for cnn, "
            + "0.001 for yamnet)")
    Double learningRate;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE})")
    long seed = TrainOptions.DEFAULT_SEED;

    @Option(names = "--validation-fraction", description = "Share of groups held out; 0 trains on every group (no "
            + "validation figures, thresholds left uncalibrated: see --folds) (default: ${DEFAULT-VALUE})")
    double validationFraction = TrainOptions.DEFAULT_VALIDATION_FRACTION;

    @Option(names = "--folds", paramLabel = "K", description = "Cross-validation: split the groups into K folds and "
            + "hold out fold --fold instead of --validation-fraction; train once per fold and pool the folds with "
            + "'earshot evaluate cross-validation' (default: no folds)")
    int folds;

    @Option(names = "--fold", paramLabel = "N", description = "The fold held out, 0 to K-1 (with --folds or "
            + "--source-folds; default: ${DEFAULT-VALUE})")
    int fold;

    @Option(names = "--source-folds", paramLabel = "FILE.csv", description = "Leave-sources-out: folds of sources "
            + "(CSV 'source,fold'; bench/source-folds.csv for train-v1 + train-v2); hold out fold --fold, its sources "
            + "whole, instead of --validation-fraction or --folds")
    Path sourceFolds;

    @Option(names = "--backbone", paramLabel = "FILE.onnx", description = "audioset: the pretrained backbone "
            + "(default: ../shared/models/yamnet-audioset/yamnet_patch.onnx)")
    Path backbone;

    @Option(names = "--head-hidden", description = "audioset: hidden units of the head, 0 for a linear head "
            + "(default: ${DEFAULT-VALUE})")
    int headHidden = 256;

    @Option(names = "--label-smoothing", description = "audioset: train the head toward y (1 - s) + s / 2 instead of 0 "
            + "and 1, which keeps its scores where thresholds can tell them apart (default: ${DEFAULT-VALUE})")
    double labelSmoothing = 0.1;

    @Option(names = "--head", description = "audioset: trained (a head trained on --head-input) or zero-shot (no "
            + "training: each class the maximum of YAMNet-AudioSet's own scores for some AudioSet classes, listed in "
            + "ZeroShotHead; with --all-folds the same model in every fold) (default: ${DEFAULT-VALUE})")
    String head = "trained";

    @Option(names = "--head-input", description = "audioset: what the trained head reads: embedding (1024-d), "
            + "scores (the logits of the 521 AudioSet scores) or embedding+scores (default: ${DEFAULT-VALUE})")
    String headInput = "embedding";

    @Option(names = "--cascade", description = "audioset: also train a cheap screen (YAMNet-256's pretrained backbone "
            + "and a head) that scores every window and passes to YAMNet-AudioSet only those that may hold an event "
            + "(screen.onnx; the manifest's cascade section)")
    boolean cascade;

    @Option(names = "--all-folds", description = "audioset with --source-folds: train every fold's model at once into "
            + "--out/fold<k> (examples embedded once for all of them; bench/loso.sh uses this), uncalibrated: "
            + "pool them with 'earshot evaluate cross-validation'")
    boolean allFolds;

    @Option(names = "--pooling", description = "Global pooling before the classifier head: mean (over bands and "
            + "time), or meanmax (mean over bands, then max plus mean over time: keeps short events) "
            + "(default: ${DEFAULT-VALUE})")
    String pooling = "mean";

    @Option(names = "--freeze-backbone", description = "yamnet: keep the pretrained backbone's weights and train only "
            + "the new head (a linear probe; batch-norm statistics still adapt)")
    boolean freezeBackbone;

    @Option(names = "--width", description = "Channels of the CNN's first stage (default: ${DEFAULT-VALUE})")
    int width = 16;

    @Option(names = "--yamnet-weights", paramLabel = "FILE.h5",
            description = "YAMNet-256 Keras backbone (default: ../shared/models/yamnet-256/yamnet_256_f32_backbone.h5)")
    Path yamnetWeights;

    @Option(names = "--background-share", description = "Share of training examples with no event "
            + "(default: ${DEFAULT-VALUE})")
    double backgroundShare = TrainOptions.DEFAULT_BACKGROUND_SHARE;

    @Option(names = "--hard-negative-share", description = "Share of each epoch's background examples, from the "
            + "third epoch, replaced by the highest-scoring of " + TrainOptions.HARD_NEGATIVE_POOL_FACTOR + " times as "
            + "many fresh background segments scored by the network so far (hard-negative mining); 0 turns it off "
            + "(default: ${DEFAULT-VALUE})")
    double hardNegativeShare = TrainOptions.DEFAULT_HARD_NEGATIVE_SHARE;

    @Option(names = "--threads", description = "Threads for decoding audio (default: ${DEFAULT-VALUE})")
    int threads = 2;

    @Option(names = "--target-false-alarms-per-hour",
            description = "Per-class false-alarm budget on validation background when choosing thresholds "
                    + "(default: ${DEFAULT-VALUE})")
    double targetFalseAlarms = 1.0;

    private static TrainOptions.Head head(int hidden, double labelSmoothing, boolean cascade, String input,
            String head) {
        if (!List.of("trained", "zero-shot").contains(head)) {
            throw new BadInputException("--head must be trained or zero-shot, got '" + head + "'");
        }
        try {
            return new TrainOptions.Head(hidden, labelSmoothing, cascade, input, head.equals("zero-shot"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** Thresholds of a model trained without a validation split, until cross-validation chooses them. */
    static final double UNCALIBRATED = 0.5;

    @Override
    public Integer call() throws IOException {
        DatasetSelection data = dataset.selection();
        Path weights = yamnetWeights != null ? yamnetWeights
                : Paths.home().resolveSibling("shared/models/yamnet-256/yamnet_256_f32_backbone.h5");
        if (architecture.equals("yamnet") || cascade) {
            Paths.requireFile(weights, "YAMNet-256 weights");
        }
        Path backboneFile = backbone != null ? backbone
                : Paths.home().resolveSibling("shared/models/yamnet-audioset/yamnet_patch.onnx");
        if (architecture.equals("audioset")) {
            Paths.requireFile(backboneFile, "backbone");
        }
        if (sourceFolds != null && folds != 0) {
            throw new BadInputException("--source-folds and --folds exclude each other");
        }
        SourceFolds sources = null;
        if (sourceFolds != null) {
            try {
                sources = SourceFolds.read(sourceFolds);
            } catch (IOException e) {
                throw new BadInputException(e.getMessage(), e);
            }
        }
        double lr = learningRate != null ? learningRate : architecture.equals("cnn") ? 0.003 : 0.001;
        TrainOptions options = new TrainOptions(data, out, architecture, epochs, examplesPerEpoch, batchSize, lr, seed,
                validationFraction, width, weights, threads, backgroundShare, hardNegativeShare,
                sources != null ? sources.size() : folds, fold, pooling, freezeBackbone, sources, backboneFile,
                head(headHidden, labelSmoothing, cascade, headInput, head));
        if (allFolds && (sources == null || !architecture.equals("audioset"))) {
            throw new BadInputException("--all-folds needs --source-folds and --architecture audioset");
        }
        Files.createDirectories(out);
        PrintStream progress = System.err;
        // The code that trains is the code checked out now, not when training ends (the checkout may change).
        String codeVersion = CodeVersion.get();
        long start = System.nanoTime();
        try (PrintStream log = new PrintStream(Files.newOutputStream(out.resolve("training-log.txt")), true)) {
            PrintStream tee = new Tee(progress, log);
            if (allFolds) {
                trainAllFolds(options, sources, codeVersion, tee);
                return 0;
            }
            Path onnx = out.resolve("model.onnx");
            Trained result;
            if (architecture.equals("audioset")) {
                DatasetManifest manifest = data.read();
                GroupSplit split = options.split().apply(manifest.clips());
                tee.printf("dataset %s: %d clips, %d for training, %d for validation (%s)%n", data,
                        manifest.clips().size(), split.train().size(), split.validation().size(),
                        options.split().describe());
                boolean zeroShot = options.head().zeroShot();
                List<LoadedClip> trainClips = zeroShot ? List.of() : LoadedClip.loadAll(split.train(), threads);
                List<LoadedClip> validationClips = LoadedClip.loadAll(split.validation(), threads);
                try (EmbeddingHeadTrainer trainer = new EmbeddingHeadTrainer(options, tee)) {
                    ModelManifest.Cascade cascaded = null;
                    if (zeroShot) {
                        trainer.zeroShot(out);
                    } else {
                        cascaded = trainer.train(trainer.embed(trainClips), Set.of(), out);
                    }
                    result = new Trained(manifest, split, validationClips, cascaded);
                }
            } else {
                try (ModelTrainer.Result trained = new ModelTrainer(options, tee).train()) {
                    OnnxExporter.export(trained.block(), new Shape(1, 1, FrontEndSpec.MEL_BANDS,
                            FrontEndSpec.PATCH_FRAMES), onnx, true);
                    result = new Trained(trained.manifest(), trained.split(), trained.validationClips(), null);
                }
                progress.println("exported " + onnx);
            }
            double trainingSeconds = (System.nanoTime() - start) / 1e9;
            ModelManifest manifest = manifest(out, result.cascade());
            List<ThresholdCalibrator.Choice> choices;
            if (result.validationClips().isEmpty()) {
                choices = uncalibrated();
                progress.printf("no validation split: thresholds left at %.2f; choose them with 'earshot evaluate "
                        + "cross-validation --write-thresholds %s' over fold models of the same recipe%n", UNCALIBRATED,
                        out);
            } else {
                ValidationData validation = new ValidationData(result.manifest(), result.split(),
                        result.validationClips());
                try (Classifier classifier = ModelLoader.classifier(out, manifest)) {
                    choices = ThresholdCalibrator.calibrate(classifier, validation.backgroundStream(seed),
                            validation.mixedStream(0, seed), targetFalseAlarms, tee);
                }
            }
            ThresholdCalibrator.apply(manifest, choices, targetFalseAlarms);
            if (result.validationClips().isEmpty()) {
                manifest.thresholdRule = "not calibrated: trained on every group, without a validation split";
            }
            manifest.training = training(result.manifest(), options, codeVersion, trainingSeconds, fold, sources);
            manifest.write(out);
            progress.printf("wrote %s (training %.0f s)%n", out, trainingSeconds);
        }
        return 0;
    }

    /** What one training run gives the steps after it: the data, its split, the validation clips and any cascade. */
    private record Trained(DatasetManifest manifest, GroupSplit split, List<LoadedClip> validationClips,
            ModelManifest.Cascade cascade) {}

    /**
     * Every fold of a leave-sources-out validation at once, in {@code out/fold<k>}: the clips are loaded and the
     * examples embedded once, and each fold's heads train on the examples that hold none of its sources. The fold
     * models are left uncalibrated: {@code earshot evaluate cross-validation} chooses thresholds across them.
     */
    private void trainAllFolds(TrainOptions options, SourceFolds sources, String codeVersion, PrintStream tee)
            throws IOException {
        long start = System.nanoTime();
        DatasetManifest manifest = options.dataset().read();
        tee.printf("dataset %s: %d clips; %d folds of sources, each trained without its own%n", options.dataset(),
                manifest.clips().size(), sources.size());
        boolean zeroShot = options.head().zeroShot();
        List<LoadedClip> clips = zeroShot ? List.of() : LoadedClip.loadAll(manifest.clips(), threads);
        try (EmbeddingHeadTrainer trainer = new EmbeddingHeadTrainer(options, tee)) {
            EmbeddingHeadTrainer.Bank bank = zeroShot ? null : trainer.embed(clips);
            for (int k = 0; k < sources.size(); k++) {
                GroupSplit split = GroupSplit.Spec.sourceFold(sources, k, options.seed()).apply(manifest.clips());
                Set<String> heldOut = new TreeSet<>();
                split.validation().forEach(c -> heldOut.add(c.source()));
                tee.printf("fold %d (%s): holding out %s%n", k, sources.names().get(k), heldOut);
                Path dir = out.resolve("fold" + k);
                Files.createDirectories(dir);
                ModelManifest.Cascade cascaded = null;
                if (zeroShot) {
                    trainer.zeroShot(dir);
                } else {
                    cascaded = trainer.train(bank, heldOut, dir);
                }
                ModelManifest m = manifest(dir, cascaded);
                ThresholdCalibrator.apply(m, uncalibrated(), targetFalseAlarms);
                m.thresholdRule = "not calibrated: fold " + k + " of a leave-sources-out validation (thresholds are "
                        + "chosen across the folds by 'earshot evaluate cross-validation')";
                m.name = (name != null ? name : out.toAbsolutePath().normalize().getFileName().toString()) + "-fold" + k;
                m.training = training(manifest, options, codeVersion, (System.nanoTime() - start) / 1e9, k, sources);
                m.write(dir);
                tee.printf("wrote %s%n", dir);
            }
        }
    }

    private static List<ThresholdCalibrator.Choice> uncalibrated() {
        return Labels.CLASSES.stream().map(l -> new ThresholdCalibrator.Choice(l, UNCALIBRATED, 0, 0)).toList();
    }

    /** A manifest for the model in {@code dir}, thresholds and training record still to fill in. */
    private ModelManifest manifest(Path dir, ModelManifest.Cascade cascaded) {
        ModelManifest manifest = new ModelManifest();
        manifest.name = name != null ? name : dir.toAbsolutePath().normalize().getFileName().toString();
        manifest.architecture = architecture;
        manifest.frontEnd = ModelManifest.FrontEnd.current();
        manifest.labels = Labels.CLASSES;
        manifest.cascade = cascaded;
        manifest.hopSeconds = DetectorConfig.DEFAULT_HOP_SECONDS;
        manifest.minDurationSeconds = DetectorConfig.DEFAULT_MIN_DURATION_SECONDS;
        manifest.mergeGapSeconds = DetectorConfig.DEFAULT_MERGE_GAP_SECONDS;
        return manifest;
    }

    private ModelManifest.Training training(DatasetManifest data, TrainOptions options, String codeVersion,
            double trainingSeconds, int heldOutFold, SourceFolds sources) {
        return new ModelManifest.Training(data.describe(), data.sha256(), codeVersion, architecture, seed,
                options.split().validationFraction(), epochs, examplesPerEpoch, backgroundShare,
                Instant.now().toString(), Math.round(trainingSeconds), options.hardNegatives(), options.folds(),
                heldOutFold, pooling, freezeBackbone, sources == null ? null : sources.bySourceList());
    }

    /** Writes progress to the terminal and to the model's training log. */
    private static final class Tee extends PrintStream {
        private final PrintStream second;

        Tee(PrintStream first, PrintStream second) {
            super(first, true);
            this.second = second;
        }

        @Override
        public void write(byte[] buf, int off, int len) {
            super.write(buf, off, len);
            second.write(buf, off, len);
        }

        @Override
        public void write(int b) {
            super.write(b);
            second.write(b);
        }

        @Override
        public void flush() {
            super.flush();
            second.flush();
        }
    }
}
