package org.earshot.cli;

import org.earshot.audio.AudioClip;
import org.earshot.audio.AudioLoader;
import org.earshot.detect.DetectorConfig;
import org.earshot.model.ModelManifest;
import org.earshot.train.DatasetManifest;
import org.earshot.train.Evaluation;
import org.earshot.train.LoadedClip;
import org.earshot.train.StreamGenerator;
import org.earshot.train.ThresholdCalibrator;
import org.earshot.train.ValidationData;
import org.earshot.train.eval.ClipMetrics;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.EventMetrics;
import org.earshot.train.eval.GroundTruth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code earshot evaluate}: accuracy figures of a model on clips and on streams. Results on standard output. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure a model: clip metrics, or event metrics on streams.",
        subcommands = {EvaluateCommand.Clips.class, EvaluateCommand.Stream.class, EvaluateCommand.Streams.class,
                CrossValidateCommand.class})
final class EvaluateCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Shared options: the model to measure. */
    static class ModelOption {
        @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: ${DEFAULT-VALUE})")
        Path model = Paths.defaultModel();
    }

    @Command(name = "clips", mixinStandardHelpOptions = true,
            description = "Per-class precision, recall, F1 and ROC AUC on the clips of a dataset folder (its "
                    + "field recordings: rows with use=augment are skipped). A clip's score is its highest window "
                    + "score; it counts as detected at the model's threshold.")
    static final class Clips extends ModelOption implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DatasetOption dataset;

        @Option(names = "--validation-split", description = "Only the clips of the model's validation split (the "
                + "groups its training held out: same seed and fraction)")
        boolean validationSplit;

        @picocli.CommandLine.Mixin
        TopBackgroundOption top;

        @Override
        public Integer call() throws IOException {
            int topBackground = top.count();
            DatasetManifest data = dataset.read();
            try (LoadedModel m = LoadedModel.open(model)) {
                List<LoadedClip> clips;
                if (validationSplit) {
                    clips = validation(data, m.manifest()).clips();
                } else {
                    clips = LoadedClip.loadAll(data.clips().stream().filter(c -> !c.isAugmentOnly()).toList(), 2);
                }
                System.err.printf("earshot: scoring %d clips%n", clips.size());
                double[][] scores = Evaluation.clipScores(clips, m.classifier(), m.detectorConfig());
                List<ClipMetrics.ClassReport> reports = Evaluation.clips(clips, scores, m.detectorConfig());
                PrintStream out = System.out;
                out.printf(Locale.ROOT, "clips: %d (%s), model %s%n", clips.size(), validationSplit ? "validation split" : "all",
                        m.manifest().name);
                printClips(reports);
                if (topBackground > 0) {
                    printTopBackground(clips, scores, null, topBackground, out);
                }
            }
            return 0;
        }
    }

    /**
     * Per class, the {@code n} background clips that score highest (a clip's score is its highest window score): the
     * recordings that set the thresholds. {@code fold}, when not null, gives each clip's fold (cross-validation).
     */
    static void printTopBackground(List<LoadedClip> clips, double[][] scores, int[] fold, int n, PrintStream out) {
        List<Integer> background = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            if (!clips.get(i).entry().isEvent()) {
                background.add(i);
            }
        }
        for (int c = 0; c < org.earshot.detect.Labels.CLASSES.size(); c++) {
            final int k = c;
            out.printf(Locale.ROOT, "%nhighest-scoring background clips for %s:%n",
                    org.earshot.detect.Labels.CLASSES.get(c));
            background.stream().sorted((a, b) -> Double.compare(scores[b][k], scores[a][k])).limit(n)
                    .forEach(i -> out.printf(Locale.ROOT, "%.4f  %s%s/%s  %s%n", scores[i][k],
                            fold == null ? "" : "fold " + fold[i] + "  ", clips.get(i).entry().source(),
                            clips.get(i).entry().originalLabel(), clips.get(i).entry().path()));
        }
    }

    @Command(name = "stream", mixinStandardHelpOptions = true,
            description = "Event-based metrics (0.5 s onset collar) of one long WAV against a CSV class,onset,offset.")
    static final class Stream extends ModelOption implements Callable<Integer> {
        @Option(names = "--audio", required = true, paramLabel = "FILE.wav")
        Path audio;

        @Option(names = "--truth", required = true, paramLabel = "FILE.csv")
        Path truth;

        @Override
        public Integer call() {
            Paths.requireFile(audio, "audio file");
            Paths.requireFile(truth, "ground truth");
            AudioClip clip;
            List<Event> reference;
            try {
                clip = AudioLoader.load16k(audio);
                reference = GroundTruth.read(truth);
            } catch (IOException e) {
                throw new BadInputException(e.getMessage(), e);
            }
            try (LoadedModel m = LoadedModel.open(model)) {
                printStreams(List.of(Evaluation.stream(audio.getFileName().toString(), clip.samples(), reference,
                        m.classifier(), m.detectorConfig())));
            }
            return 0;
        }
    }

    @Command(name = "streams", mixinStandardHelpOptions = true,
            description = "Event-based metrics on validation streams generated in memory from the model's "
                    + "validation split: events mixed into validation background at -6, 0 and +6 dB, and the "
                    + "background alone (false alarms per hour). Also measures the level gate's savings and cost.")
    static final class Streams extends ModelOption implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DatasetOption dataset;

        @Option(names = "--seed", description = "Seed of the stream layout (default: the model's training seed)")
        Long seed;

        @Option(names = "--sweep", description = "Also print event F1 at 0 dB and false alarms per hour on background "
                + "for a range of thresholds (the same for every class): the operating points to choose from")
        boolean sweep;

        @Option(names = "--collar", paramLabel = "SECONDS", description = "Onset collar of the event metrics, "
                + "tables and sweep alike; a wider one than DCASE's shows how much of the error lies in the onsets "
                + "(default: ${DEFAULT-VALUE})")
        double collar = EventMetrics.DEFAULT_COLLAR_SECONDS;

        @Option(names = "--background-dbfs", paramLabel = "DBFS", description = "RMS level every background "
                + "recording of the streams is brought to; events keep their ratio to it. A quiet site (say -50) "
                + "shows what the level gate saves there and what it costs (default: ${DEFAULT-VALUE})")
        double backgroundDbfs = StreamGenerator.BACKGROUND_RMS_DBFS;

        @Option(names = "--by-source", description = "Also print the recall at each ratio per source of the "
                + "reference events (dataset source and original label), at the model's thresholds")
        boolean bySource;

        @Override
        public Integer call() throws IOException {
            if (!(collar >= 0 && collar <= 10)) {
                throw new BadInputException("--collar must be between 0 and 10 seconds, got " + collar);
            }
            if (!(backgroundDbfs >= -90 && backgroundDbfs <= -10)) {
                throw new BadInputException("--background-dbfs must be between -90 and -10, got " + backgroundDbfs);
            }
            DatasetManifest data = dataset.read();
            try (LoadedModel m = LoadedModel.open(model)) {
                ValidationData v = validation(data, m.manifest());
                long s = seed != null ? seed : m.manifest().training.seed();
                DetectorConfig config = m.detectorConfig();
                List<Evaluation.StreamReport> gated = new ArrayList<>();
                List<Evaluation.StreamReport> ungated = new ArrayList<>();
                for (double ratio : ValidationData.STREAM_RATIOS_DB) {
                    StreamGenerator.Stream st = v.mixedStream(ratio, s, backgroundDbfs);
                    String name = String.format(Locale.ROOT, "validation %+.0f dB", ratio);
                    System.err.printf(Locale.ROOT, "earshot: %s: %.0f s, %d events%n", name, st.seconds(),
                            st.events().size());
                    gated.add(Evaluation.stream(name, st, m.classifier(), config, collar));
                    ungated.add(Evaluation.stream(name + " (no gate)", st, m.classifier(),
                            config.withGateEnabled(false), collar));
                }
                StreamGenerator.Stream bg = v.backgroundStream(s, backgroundDbfs);
                gated.add(Evaluation.stream("validation background", bg, m.classifier(), config, collar));
                ungated.add(Evaluation.stream("validation background (no gate)", bg, m.classifier(),
                        config.withGateEnabled(false), collar));
                System.out.printf(Locale.ROOT, "model %s, validation split of %s (seed %d)%s%n", m.manifest().name,
                        data.describe(), s, (collar == EventMetrics.DEFAULT_COLLAR_SECONDS ? ""
                                : String.format(Locale.ROOT, ", onset collar %.2f s", collar))
                                + (backgroundDbfs == StreamGenerator.BACKGROUND_RMS_DBFS ? ""
                                : String.format(Locale.ROOT, ", background at %.0f dBFS", backgroundDbfs)));
                printStreams(gated);
                System.out.println();
                System.out.println("without the level gate:");
                printStreams(ungated);
                if (bySource) {
                    System.out.println();
                    printBySource(gated.subList(0, ValidationData.STREAM_RATIOS_DB.length));
                }
                if (sweep) {
                    System.out.println();
                    printSweep(ThresholdCalibrator.sweep(m.classifier(), bg, v.mixedStream(0, s, backgroundDbfs), SWEEP,
                            collar));
                }
            }
            return 0;
        }
    }

    /** Per-class clip figures: counts, precision, recall, F1 and ROC AUC. */
    static void printClips(List<ClipMetrics.ClassReport> reports) {
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "%-12s %5s %5s %5s %9s %7s %6s %7s%n", "class", "TP", "FP", "FN", "precision",
                "recall", "F1", "ROC AUC");
        for (ClipMetrics.ClassReport r : reports) {
            ClipMetrics.Counts c = r.counts();
            out.printf(Locale.ROOT, "%-12s %5d %5d %5d %9.3f %7.3f %6.3f %7.3f%n", r.label(), c.truePositives(),
                    c.falsePositives(), c.falseNegatives(), c.precision(), c.recall(), c.f1(), r.rocAuc());
        }
    }

    static void printBySource(List<Evaluation.StreamReport> reports) {
        printBySource(reports, "the model's thresholds");
    }

    static void printBySource(List<Evaluation.StreamReport> reports, String atWhat) {
        PrintStream out = System.out;
        out.println("recall per source of the reference events, at " + atWhat + ":");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-48s %6s", "source", "events"));
        for (Evaluation.StreamReport r : reports) {
            header.append(String.format(Locale.ROOT, " %18s", r.name().replace("validation ", "recall ")));
        }
        out.println(header);
        List<EventMetrics.Recall> first = reports.get(0).bySource().stream()
                .sorted(java.util.Comparator.comparing(EventMetrics.Recall::key)).toList();
        for (EventMetrics.Recall key : first) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-48s %6d", key.key(), key.total()));
            for (Evaluation.StreamReport r : reports) {
                EventMetrics.Recall rec = r.bySource().stream().filter(x -> x.key().equals(key.key())).findFirst()
                        .orElseThrow();
                line.append(String.format(Locale.ROOT, " %10d (%5.2f)", rec.found(), rec.recall()));
            }
            out.println(line);
        }
    }

    static final double[] SWEEP = {0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999};

    static void printSweep(List<ThresholdCalibrator.SweepRow> rows) {
        PrintStream out = System.out;
        out.println("threshold sweep (event F1 and recall on the 0 dB stream, false alarms per hour on background):");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-9s", "threshold"));
        for (String label : org.earshot.detect.Labels.CLASSES) {
            header.append(String.format(Locale.ROOT, " | %-12s %5s %6s %7s", label, "F1", "recall", "FA/h"));
        }
        out.println(header);
        for (ThresholdCalibrator.SweepRow row : rows) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9.3f", row.threshold()));
            for (int c = 0; c < row.mixed().size(); c++) {
                EventMetrics.ClassResult m = row.mixed().get(c);
                line.append(String.format(Locale.ROOT, " | %-12s %5.2f %6.2f %7.1f", "", m.f1(), m.recall(),
                        row.background().get(c).falseAlarmsPerHour()));
            }
            out.println(line);
        }
    }

    /**
     * The model's validation split rebuilt from {@code data}; warns on standard error when the model was trained on
     * other data (another folder, another combination or other quality exclusions), where the "validation" clips
     * may include clips the model trained on.
     */
    static ValidationData validation(DatasetManifest data, ModelManifest manifest) throws IOException {
        if (manifest.training == null) {
            throw new BadInputException("model manifest has no training section: cannot rebuild its validation split");
        }
        if (manifest.training.datasetManifestSha256() != null
                && !manifest.training.datasetManifestSha256().equals(data.sha256())) {
            System.err.printf("earshot: warning: model %s was trained on %s, not on %s (dataset sha256 differs): "
                    + "its validation split is rebuilt from other data%n", manifest.name, manifest.training.dataset(),
                    data.describe());
        }
        return ValidationData.load(data, split(manifest), 2);
    }

    /** The split a model's training made (its seed, and its validation fraction or its fold). */
    static org.earshot.train.GroupSplit.Spec split(ModelManifest manifest) {
        ModelManifest.Training t = manifest.training;
        org.earshot.train.GroupSplit.Spec spec;
        try {
            spec = t.sourceFolds() != null
                    ? org.earshot.train.GroupSplit.Spec.sourceFold(org.earshot.train.SourceFolds.of(t.sourceFolds()),
                            t.fold(), t.seed())
                    : org.earshot.train.GroupSplit.Spec.of(t.seed(), t.validationFraction(), t.folds(), t.fold());
        } catch (IllegalArgumentException e) {
            throw new BadInputException("model " + manifest.name + ": bad split in its manifest: " + e.getMessage());
        }
        if (!spec.holdsOut()) {
            throw new BadInputException("model " + manifest.name + " was trained on every group: it has no validation"
                    + " split (its recipe is measured by 'earshot evaluate cross-validation' over fold models)");
        }
        return spec;
    }

    static void printStreams(List<Evaluation.StreamReport> reports) {
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "%-34s %-12s %4s %4s %4s %4s %9s %7s %6s %6s %8s %7s%n", "stream", "class", "ref", "TP",
                "FP", "FN", "precision", "recall", "F1", "ER", "FA/hour", "gated");
        for (Evaluation.StreamReport r : reports) {
            for (EventMetrics.ClassResult c : r.results()) {
                out.printf(Locale.ROOT, "%-34s %-12s %4d %4d %4d %4d %9.3f %7.3f %6.3f %6.3f %8.2f %6.1f%%%n",
                        r.name() + String.format(Locale.ROOT, " (%.1f min)", r.seconds() / 60), c.label(),
                        c.referenceEvents(), c.truePositives(), c.falsePositives(), c.falseNegatives(),
                        c.precision(), c.recall(), c.f1(), c.errorRate(), c.falseAlarmsPerHour(),
                        100.0 * r.gatedWindows() / Math.max(1, r.windows()));
            }
        }
    }
}
