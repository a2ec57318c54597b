package org.earshot.cli;

import org.earshot.detect.DetectorConfig;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.earshot.train.CrossValidation;
import org.earshot.train.DatasetManifest;
import org.earshot.train.Evaluation;
import org.earshot.train.GroupSplit;
import org.earshot.train.LoadedClip;
import org.earshot.train.ThresholdCalibrator;
import org.earshot.train.ValidationData;
import org.earshot.train.eval.EventMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code earshot evaluate cross-validation}: pools K fold models (each trained with {@code --folds K --fold k}) into
 * figures over the whole dataset, chooses thresholds on them, and can write those thresholds into another model's
 * manifest (one trained on all the data with the same recipe).
 */
@Command(name = "cross-validation", mixinStandardHelpOptions = true,
        description = "Pool the fold models of a K-fold cross-validation (each trained with 'earshot train --folds K "
                + "--fold k'): every fold's clips and streams scored by the model that held it out, event metrics "
                + "at -6, 0 and +6 dB and false alarms per hour over all folds, thresholds chosen on the pooled "
                + "folds, and figures at thresholds chosen without each fold (nested: the ones to quote).")
final class CrossValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MODEL_DIR", description = "The fold models, one per fold")
    List<Path> models;

    @picocli.CommandLine.Mixin
    DatasetOption dataset;

    @Option(names = "--target-false-alarms-per-hour", description = "Per-class false-alarm budget on the pooled "
            + "validation background when choosing thresholds (default: ${DEFAULT-VALUE})")
    double target = 1.0;

    @Option(names = "--sweep", description = "Also print pooled event F1 at 0 dB and false alarms per hour for a range "
            + "of thresholds (the same for every class)")
    boolean sweep;

    @Option(names = "--by-source", description = "Also print the pooled recall per source of the reference events, "
            + "at the nested thresholds")
    boolean bySource;

    /** Scored over all folds, each clip by the model that held its fold out. */
    @picocli.CommandLine.Mixin
    TopBackgroundOption top;

    @Option(names = "--write-thresholds", paramLabel = "DIR", description = "Write the thresholds chosen on all folds "
            + "into the manifest.json of the model in DIR (trained on all the data with the folds' recipe)")
    Path writeThresholds;

    @Override
    public Integer call() throws IOException {
        if (!(target >= 0)) {
            throw new BadInputException("--target-false-alarms-per-hour must be >= 0, got " + target);
        }
        int topBackground = top.count();
        DatasetManifest data = dataset.read();
        String sha = data.sha256();
        ModelManifest writeTo = writeThresholds == null ? null : readManifest(writeThresholds);
        List<ModelManifest> manifests = new ArrayList<>();
        for (Path m : models) {
            manifests.add(readManifest(m));
        }
        int k = checkFolds(manifests, sha, data);
        List<CrossValidation.Fold> folds = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            try (LoadedModel m = LoadedModel.open(models.get(i))) {
                GroupSplit.Spec split = EvaluateCommand.split(m.manifest());
                System.err.printf(Locale.ROOT, "earshot: %s: scoring fold %d of %d%n", m.manifest().name, split.fold(),
                        k);
                ValidationData v = ValidationData.load(data, split, 2);
                folds.add(CrossValidation.Fold.score(m.manifest().name, split.fold(), v, m.classifier(),
                        split.seed()));
            }
        }
        CrossValidation cv = new CrossValidation(folds);
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "cross-validation: %d of %d folds of %s (seed %d), models %s%n", folds.size(), k,
                data.describe(),
                manifests.get(0).training.seed(), String.join(", ", manifests.stream().map(m -> m.name).toList()));
        java.util.Map<String, List<String>> sources = manifests.get(0).training.sourceFolds();
        if (sources != null) {
            out.println("folds of sources (leave-sources-out: each fold's events mixed into its own background):");
            int f = 0;
            for (java.util.Map.Entry<String, List<String>> e : sources.entrySet()) {
                out.printf(Locale.ROOT, "   fold %d %s: %s%n", f++, e.getKey(), String.join(", ", e.getValue()));
            }
        }
        if (folds.size() < k) {
            out.printf(Locale.ROOT, "warning: only %d of %d folds: the figures cover only part of the dataset%n",
                    folds.size(), k);
        }
        double backgroundSeconds = cv.folds().stream().mapToDouble(f -> f.background().stream().seconds()).sum();
        out.printf(Locale.ROOT, "validation background: %.1f min over all folds (one false alarm = %.2f per hour)%n",
                backgroundSeconds / 60, 3600 / backgroundSeconds);

        out.printf(Locale.ROOT, "%nthresholds chosen on all folds pooled (best 0 dB F1 with at most %.1f false alarms "
                + "per hour on the background):%n", target);
        List<ThresholdCalibrator.Choice> pooledChoice = cv.thresholds(target, out);
        DetectorConfig pooledConfig = CrossValidation.config(pooledChoice);
        List<DetectorConfig> nested = cv.nestedThresholds(target);

        out.printf(Locale.ROOT, "%nA. each fold at the thresholds chosen on the other folds (nested: the figures to "
                + "quote)%n");
        for (int i = 0; i < folds.size(); i++) {
            out.printf(Locale.ROOT, "   fold %d thresholds:%s%n", folds.get(i).fold(), thresholds(nested.get(i)));
        }
        List<Evaluation.StreamReport> nestedReports = reports(cv, nested);
        EvaluateCommand.printStreams(nestedReports);
        printPerFold(cv, nested);

        out.printf(Locale.ROOT, "%nB. every fold at the thresholds chosen on all folds (optimistic: chosen on the same "
                + "data)%n");
        EvaluateCommand.printStreams(reports(cv, cv.everyFold(pooledConfig)));
        printPerFold(cv, cv.everyFold(pooledConfig));

        out.printf(Locale.ROOT, "%nclips of all folds, at the thresholds chosen on all folds:%n");
        EvaluateCommand.printClips(cv.clips(pooledConfig));
        if (topBackground > 0) {
            printTopBackground(cv, topBackground);
        }
        if (bySource) {
            out.println();
            EvaluateCommand.printBySource(nestedReports.subList(0, ValidationData.STREAM_RATIOS_DB.length),
                    "the thresholds chosen on the other folds (A)");
        }
        if (sweep) {
            out.println();
            EvaluateCommand.printSweep(cv.sweep(EvaluateCommand.SWEEP, EventMetrics.DEFAULT_COLLAR_SECONDS));
        }
        if (writeTo != null) {
            ThresholdCalibrator.apply(writeTo, pooledChoice, target);
            writeTo.thresholdRule = "chosen by " + folds.size() + "-fold cross-validation (models "
                    + String.join(", ", manifests.stream().map(m -> m.name).toList()) + "): " + writeTo.thresholdRule
                    .replace("validation", "pooled out-of-fold");
            writeTo.write(writeThresholds);
            System.err.println("earshot: wrote " + writeThresholds.resolve(ModelManifest.FILE));
        }
        return 0;
    }

    /** The highest-scoring background clips of all folds, each fold's clips scored by the model that held it out. */
    private static void printTopBackground(CrossValidation cv, int n) {
        List<LoadedClip> clips = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();
        List<Integer> folds = new ArrayList<>();
        for (CrossValidation.Fold f : cv.folds()) {
            clips.addAll(f.clips());
            scores.addAll(List.of(f.clipScores()));
            f.clips().forEach(c -> folds.add(f.fold()));
        }
        EvaluateCommand.printTopBackground(clips, scores.toArray(new double[0][]),
                folds.stream().mapToInt(Integer::intValue).toArray(), n, System.out);
    }

    private static List<Evaluation.StreamReport> reports(CrossValidation cv, List<DetectorConfig> configs) {
        List<Evaluation.StreamReport> reports = new ArrayList<>();
        for (int r = 0; r < ValidationData.STREAM_RATIOS_DB.length; r++) {
            reports.add(cv.pooled(String.format(Locale.ROOT, "all folds %+.0f dB", ValidationData.STREAM_RATIOS_DB[r]),
                    r, configs, EventMetrics.DEFAULT_COLLAR_SECONDS));
        }
        reports.add(cv.pooled("all folds background", -1, configs, EventMetrics.DEFAULT_COLLAR_SECONDS));
        return reports;
    }

    /** Each fold's 0 dB F1 and background false alarms: how much the figures vary from fold to fold. */
    private static void printPerFold(CrossValidation cv, List<DetectorConfig> configs) {
        PrintStream out = System.out;
        out.println("per fold, 0 dB F1 (reference events) and background false alarms per hour:");
        for (int i = 0; i < cv.folds().size(); i++) {
            CrossValidation.Fold f = cv.folds().get(i);
            List<EventMetrics.ClassResult> mixed = CrossValidation.ofFold(f, CrossValidation.ZERO_DB, configs.get(i),
                    EventMetrics.DEFAULT_COLLAR_SECONDS);
            List<EventMetrics.ClassResult> bg = CrossValidation.ofFold(f, -1, configs.get(i),
                    EventMetrics.DEFAULT_COLLAR_SECONDS);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "   fold %d (%.1f min background)",
                    f.fold(), f.background().stream().seconds() / 60));
            for (int c = 0; c < mixed.size(); c++) {
                line.append(String.format(Locale.ROOT, " | %s %5.3f (%3d) %5.1f/h", mixed.get(c).label(),
                        mixed.get(c).f1(), mixed.get(c).referenceEvents(), bg.get(c).falseAlarmsPerHour()));
            }
            out.println(line);
        }
    }

    private static String thresholds(DetectorConfig config) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < Labels.CLASSES.size(); c++) {
            b.append(String.format(Locale.ROOT, " %s %.3f", Labels.CLASSES.get(c), config.threshold(c)));
        }
        return b.toString();
    }

    private static ModelManifest readManifest(Path dir) {
        Paths.requireDirectory(dir, "model directory");
        try {
            return ModelManifest.read(dir);
        } catch (IOException e) {
            throw new BadInputException("cannot read model manifest: " + e.getMessage(), e);
        }
    }

    private static String partition(ModelManifest.Training t) {
        return t.sourceFolds() != null ? t.folds() + " source folds " + t.sourceFolds().keySet()
                : t.folds() + " folds, seed " + t.seed();
    }

    /**
     * Every model must be a fold model of one partition (same K, seed and dataset) and hold out a different fold;
     * returns K.
     */
    private int checkFolds(List<ModelManifest> manifests, String datasetSha, DatasetManifest data) {
        TreeSet<Integer> seen = new TreeSet<>();
        ModelManifest.Training first = null;
        for (int i = 0; i < manifests.size(); i++) {
            ModelManifest.Training t = manifests.get(i).training;
            String where = models.get(i) + ": ";
            if (t == null || t.folds() < 2) {
                throw new BadInputException(where + "not a cross-validation fold model (train it with --folds K "
                        + "--fold k)");
            }
            if (!datasetSha.equals(t.datasetManifestSha256())) {
                throw new BadInputException(where + "trained on " + t.dataset() + ", not on " + data.describe()
                        + " (dataset sha256 differs: give the same --dataset folders, in the same order, and the "
                        + "same --exclude-quality values as its training)");
            }
            if (first == null) {
                first = t;
            } else if (t.folds() != first.folds() || t.seed() != first.seed()
                    || !java.util.Objects.equals(t.sourceFolds(), first.sourceFolds())) {
                throw new BadInputException(where + "fold of another partition (" + partition(t) + ") than "
                        + models.get(0) + " (" + partition(first) + ")");
            }
            if (!seen.add(t.fold())) {
                throw new BadInputException(where + "fold " + t.fold() + " is given twice");
            }
        }
        return first.folds();
    }
}
