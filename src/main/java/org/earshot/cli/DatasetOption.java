package org.earshot.cli;

import org.earshot.train.DatasetManifest;
import org.earshot.train.DatasetSelection;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options that choose a command's data, written once for every command that reads a dataset: {@code --dataset}
 * (repeatable: the folders' manifests are read together; falls back to {@code $EARSHOT_DATASET}, which may hold
 * several folders separated by the path separator, ':' on Unix) and {@code --exclude-quality} (repeatable: leaves out
 * the clips whose {@code quality} column equals the value).
 */
final class DatasetOption {
    static final String ENV = "EARSHOT_DATASET";

    @Option(names = "--dataset", paramLabel = "DIR", description = "Dataset folder with manifest.csv; repeat it to "
            + "train or evaluate on several folders together (default: $" + ENV + ", which may list several folders "
            + "separated by ':', ';' on Windows)")
    List<Path> datasets = new ArrayList<>();

    @Option(names = "--exclude-quality", paramLabel = "VALUE", description = "Leave out the clips whose quality "
            + "column equals VALUE exactly (repeatable), e.g. train-v2's unverified shouts: --exclude-quality "
            + "'heuristic: emotion category + pitch/loudness rule, not listened to'")
    List<String> excludedQualities = new ArrayList<>();

    /** The folders and exclusions given, checked: each folder has a manifest.csv, and every excluded value occurs. */
    DatasetSelection selection() {
        DatasetSelection selection = new DatasetSelection(folders(System.getenv(ENV)), excludedQualities);
        read(selection);
        return selection;
    }

    /** The selected clips; errors in the manifests or options are bad input. */
    DatasetManifest read() {
        return read(new DatasetSelection(folders(System.getenv(ENV)), excludedQualities));
    }

    /** For the commands that read exactly one folder whole (make-demo). */
    Path single() {
        List<Path> folders = folders(System.getenv(ENV));
        if (folders.size() != 1) {
            throw new BadInputException("this command reads one dataset folder, got " + folders.size() + ": "
                    + folders);
        }
        if (!excludedQualities.isEmpty()) {
            throw new BadInputException("this command reads its dataset whole: --exclude-quality does not apply");
        }
        return folders.get(0);
    }

    /** The folders of --dataset, or else of {@code env} (the value of $EARSHOT_DATASET), each with a manifest. */
    List<Path> folders(String env) {
        List<Path> dirs = new ArrayList<>(datasets);
        if (dirs.isEmpty()) {
            if (env == null || env.isBlank()) {
                throw new BadInputException("no dataset: give --dataset DIR (repeatable) or set " + ENV);
            }
            for (String part : env.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
                if (!part.isBlank()) {
                    dirs.add(Path.of(part.strip()));
                }
            }
        }
        for (Path dir : dirs) {
            if (!Files.isRegularFile(dir.resolve("manifest.csv"))) {
                throw new BadInputException("dataset folder " + dir + " has no manifest.csv");
            }
        }
        return dirs;
    }

    private static DatasetManifest read(DatasetSelection selection) {
        try {
            return selection.read();
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }
}
