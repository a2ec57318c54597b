package org.earshot.cli;

import org.earshot.audio.AudioLoader;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.earshot.train.StreamGenerator;
import org.earshot.train.ThresholdCalibrator;
import org.earshot.train.ValidationData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code earshot calibrate}: chooses a model's per-class thresholds again for another false-alarm budget and writes
 * its manifest (the network is unchanged): on the model's validation streams, or, with {@code --site-background}, on
 * a site's own background recordings, the first step of a new installation.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Choose a model's thresholds again for a false-alarm budget and write its manifest.json: on "
                + "its validation streams (--dataset), or on recordings of a site's own background (--site-background:"
                + " no events needed; thresholds are only ever raised).")
final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory to recalibrate")
    Path model;

    @picocli.CommandLine.Mixin
    DatasetOption dataset;

    @Option(names = "--site-background", paramLabel = "DIR", description = "A folder of WAV or FLAC recordings of the "
            + "site's ordinary sound, without the events to detect (an hour or more; read recursively)")
    Path siteBackground;

    @Option(names = "--out", paramLabel = "DIR", description = "Write the calibrated model (its networks copied, the "
            + "new manifest) to DIR instead of rewriting --model's manifest")
    Path out;

    @Option(names = "--target-false-alarms-per-hour", required = true,
            description = "Per-class false-alarm budget on the background (validation or site)")
    double target;

    /** Below this much site audio, one false alarm is more than 6 per hour: the budget cannot be measured. */
    static final double MIN_SITE_MINUTES = 10;

    @Override
    public Integer call() throws IOException {
        if (!(target >= 0) || Double.isInfinite(target)) {
            throw new BadInputException("--target-false-alarms-per-hour must be >= 0, got " + target);
        }
        if (siteBackground != null && !dataset.datasets.isEmpty()) {
            throw new BadInputException("give --site-background or --dataset, not both");
        }
        List<ThresholdCalibrator.Choice> choices;
        ModelManifest manifest;
        try (LoadedModel m = LoadedModel.open(model)) {
            manifest = m.manifest();
            if (siteBackground != null) {
                List<ThresholdCalibrator.ScoredStream> recordings = siteRecordings(m);
                double[] current = Labels.CLASSES.stream().mapToDouble(manifest.thresholds::get).toArray();
                choices = ThresholdCalibrator.forSite(recordings, current, target, System.err);
            } else {
                ValidationData v = EvaluateCommand.validation(dataset.read(), manifest);
                long seed = manifest.training.seed();
                choices = ThresholdCalibrator.calibrate(m.classifier(), v.backgroundStream(seed),
                        v.mixedStream(0, seed), target, System.err);
            }
        }
        String previousRule = manifest.thresholdRule;
        ThresholdCalibrator.apply(manifest, choices, target);
        if (siteBackground != null) {
            manifest.thresholdRule = "site calibration on the background recordings in " + siteBackground + ": per "
                    + "class, the lowest threshold at or above the model's own with at most " + target + " false "
                    + "alarms per hour on them (never lowered); the model's own rule was: " + previousRule;
        }
        Path dir = out != null ? copyModel(model, out) : model;
        manifest.write(dir);
        System.err.println("earshot: wrote " + dir.resolve(ModelManifest.FILE));
        return 0;
    }

    /** Every WAV or FLAC file under the folder, scored once; unreadable files are named, counted and skipped. */
    private List<ThresholdCalibrator.ScoredStream> siteRecordings(LoadedModel m) throws IOException {
        Paths.requireDirectory(siteBackground, "site background folder");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(siteBackground)) {
            files = walk.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".wav") || n.endsWith(".flac");
            }).sorted().toList();
        }
        List<ThresholdCalibrator.ScoredStream> scored = new ArrayList<>();
        int skipped = 0;
        double seconds = 0;
        for (Path f : files) {
            float[] samples;
            try {
                samples = AudioLoader.load16k(f).samples();
            } catch (IOException e) {
                skipped++;
                System.err.println("earshot: skipping " + f + ": " + e.getMessage());
                continue;
            }
            StreamGenerator.Stream s = new StreamGenerator.Stream(samples, List.of(), List.of());
            scored.add(ThresholdCalibrator.ScoredStream.score(m.classifier(), s));
            seconds += s.seconds();
        }
        if (scored.isEmpty()) {
            throw new BadInputException("no readable WAV or FLAC recording in " + siteBackground
                    + (skipped > 0 ? " (" + skipped + " skipped)" : ""));
        }
        if (seconds / 60 < MIN_SITE_MINUTES) {
            throw new BadInputException(String.format(Locale.ROOT, "only %.1f min of site background in %s: record at "
                    + "least %.0f min (an hour or more is better) so that a false-alarm rate can be measured",
                    seconds / 60, siteBackground, MIN_SITE_MINUTES));
        }
        System.err.printf(Locale.ROOT, "earshot: site background: %d recordings, %.1f min%s%n", scored.size(),
                seconds / 60, skipped > 0 ? ", " + skipped + " unreadable file(s) skipped" : "");
        return scored;
    }

    /** A copy of the model directory's files (networks, card) to write a calibrated manifest beside. */
    private static Path copyModel(Path from, Path to) throws IOException {
        if (Files.exists(to) && from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
            return to;
        }
        Files.createDirectories(to);
        try (Stream<Path> list = Files.list(from)) {
            for (Path f : list.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }
}
