package org.earshot.cli;

import org.earshot.model.ModelManifest;
import org.earshot.train.ThresholdCalibrator;
import org.earshot.train.ValidationData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code earshot calibrate}: chooses a model's per-class thresholds again on its validation streams, for another
 * false-alarm budget, and rewrites its manifest (the network is unchanged).
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Choose a model's thresholds again for a false-alarm budget and rewrite its manifest.json.")
final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory to recalibrate")
    Path model;

    @picocli.CommandLine.Mixin
    DatasetOption dataset;

    @Option(names = "--target-false-alarms-per-hour", required = true,
            description = "Per-class false-alarm budget on the validation background stream")
    double target;

    @Override
    public Integer call() throws IOException {
        org.earshot.train.DatasetManifest data = dataset.read();
        List<ThresholdCalibrator.Choice> choices;
        ModelManifest manifest;
        try (LoadedModel m = LoadedModel.open(model)) {
            manifest = m.manifest();
            ValidationData v = EvaluateCommand.validation(data, manifest);
            long seed = manifest.training.seed();
            choices = ThresholdCalibrator.calibrate(m.classifier(), v.backgroundStream(seed), v.mixedStream(0, seed),
                    target, System.err);
        }
        ThresholdCalibrator.apply(manifest, choices, target);
        manifest.write(model);
        System.err.println("earshot: wrote " + model.resolve(ModelManifest.FILE));
        return 0;
    }
}
