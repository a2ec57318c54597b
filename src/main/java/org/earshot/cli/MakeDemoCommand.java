package org.earshot.cli;

import org.earshot.train.DemoBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code earshot make-demo}: rebuilds {@code demo/demo.wav} and its ground truth from redistributable sounds. */
@Command(name = "make-demo", mixinStandardHelpOptions = true,
        description = "Rebuild the demo recording (demo.wav, demo.csv) from the redistributable sounds listed in "
                + "demo/ATTRIBUTION.md.")
final class MakeDemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DatasetOption dataset;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE})")
    Path out = Paths.home().resolve("demo");

    @Override
    public Integer call() throws IOException {
        DemoBuilder.build(dataset.single(), out, System.err);
        return 0;
    }
}
