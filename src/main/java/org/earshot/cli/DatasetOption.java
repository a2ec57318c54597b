package org.earshot.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves the dataset folder: the option when given, else {@code $EARSHOT_DATASET}. */
final class DatasetOption {
    static final String ENV = "EARSHOT_DATASET";

    private DatasetOption() {}

    static Path resolve(Path option) {
        Path dir = option;
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
