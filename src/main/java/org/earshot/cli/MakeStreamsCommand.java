package org.earshot.cli;

import org.earshot.audio.WavWriter;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.train.StreamGenerator;
import org.earshot.train.TrainOptions;
import org.earshot.train.ValidationData;
import org.earshot.train.eval.GroundTruth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code earshot make-streams}: writes the validation streams (WAV plus ground-truth CSV) that
 * {@code evaluate streams} builds in memory, for {@code evaluate stream} or for other tools. Dataset tooling only:
 * these are recordings from the dataset, never sensor audio.
 */
@Command(name = "make-streams", mixinStandardHelpOptions = true,
        description = "Write validation streams (events mixed into validation background at -6, 0, +6 dB, and the "
                + "background alone) as WAV + CSV.")
final class MakeStreamsCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DatasetOption dataset;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--seed", description = "Split and layout seed (default: ${DEFAULT-VALUE})")
    long seed = TrainOptions.DEFAULT_SEED;

    @Option(names = "--validation-fraction", description = "Share of groups held out (default: ${DEFAULT-VALUE})")
    double validationFraction = TrainOptions.DEFAULT_VALIDATION_FRACTION;

    @Override
    public Integer call() throws IOException {
        ValidationData v = ValidationData.load(dataset.read(),
                org.earshot.train.GroupSplit.Spec.fraction(validationFraction, seed), 2);
        Files.createDirectories(out);
        for (double ratio : ValidationData.STREAM_RATIOS_DB) {
            write(v.mixedStream(ratio, seed), String.format(Locale.ROOT, "validation%+.0fdB", ratio));
        }
        write(v.backgroundStream(seed), "validation-background");
        return 0;
    }

    private void write(StreamGenerator.Stream s, String name) throws IOException {
        WavWriter.write16(out.resolve(name + ".wav"), s.samples(), FrontEndSpec.SAMPLE_RATE);
        GroundTruth.write(out.resolve(name + ".csv"), s.events());
        System.err.printf(Locale.ROOT, "earshot: wrote %s.wav (%.0f s, %d events) and %s.csv%n", name, s.seconds(),
                s.events().size(), name);
    }
}
