package org.earshot.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --dataset} option shared by the commands that read a dataset; falls back to {@code $EARSHOT_DATASET}. */
final class DatasetOption {
    static final String ENV = "EARSHOT_DATASET";

    @Option(names = "--dataset", paramLabel = "DIR",
            description = "Dataset folder with manifest.csv (default: $EARSHOT_DATASET)")
    Path dataset;

    Path resolve() {
        Path dir = dataset;
        if (dir == null) {
            String env = System.getenv(ENV);
            if (env == null || env.isBlank()) {
                throw new BadInputException("no dataset: give --dataset DIR or set " + ENV);
            }
            dir = Path.of(env);
        }
        if (!Files.isRegularFile(dir.resolve("manifest.csv"))) {
            throw new BadInputException("dataset folder " + dir + " has no manifest.csv");
        }
        return dir;
    }
}
