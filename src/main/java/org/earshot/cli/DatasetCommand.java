package org.earshot.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.earshot.train.DatasetFetch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot dataset fetch|verify}: rebuilds a dataset folder from a mirror and checks every file against the
 * repository's checksum list ({@code datasets/*.sha256}), or checks an existing folder (datasets/README.md).
 * Progress and problems go to standard error; exit 0 when every file verified, 1 when some are missing or differ.
 */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Rebuild a dataset folder from a mirror, verified by checksums, or verify one (datasets/README.md).",
        subcommands = {DatasetCommand.Fetch.class, DatasetCommand.Verify.class})
final class DatasetCommand implements Runnable {
    @Override
    public void run() {
        throw new BadInputException("choose a subcommand: fetch or verify (see earshot dataset --help)");
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Copy or download every file of a checksum list from a mirror into a dataset folder, "
                    + "installing each only if its SHA-256 matches; files already in place are kept (resumes).",
                    "Example: earshot dataset fetch --checksums datasets/train-v1.sha256 "
                            + "--mirror /media/usb/train-v1 --out data/datasets/train-v1"})
    static final class Fetch implements Callable<Integer> {
        @Option(names = "--checksums", required = true, paramLabel = "FILE",
                description = "The dataset's checksum list, e.g. datasets/train-v1.sha256")
        Path checksums;

        @Option(names = "--mirror", required = true, paramLabel = "DIR|URL",
                description = "A folder, or an http(s) URL, holding the dataset in its stored layout")
        String mirror;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "The dataset folder to build")
        Path out;

        @Override
        public Integer call() throws IOException {
            List<DatasetFetch.Entry> entries = checksums(checksums);
            DatasetFetch.Mirror source;
            try {
                source = DatasetFetch.mirror(mirror);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage(), e);
            }
            System.err.println("dataset: fetching " + entries.size() + " files listed in " + checksums + " from "
                    + mirror + " into " + out);
            DatasetFetch.Report report = DatasetFetch.fetch(entries, source, out, DatasetCommand::progress);
            return finish(report, out, entries);
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check a dataset folder against a checksum list; changes nothing.",
                    "Example: earshot dataset verify --checksums datasets/train-v2.sha256 "
                            + "--dataset ../shared/datasets/train-v2"})
    static final class Verify implements Callable<Integer> {
        @Option(names = "--checksums", required = true, paramLabel = "FILE",
                description = "The dataset's checksum list, e.g. datasets/train-v1.sha256")
        Path checksums;

        @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "The dataset folder")
        Path dataset;

        @Override
        public Integer call() throws IOException {
            List<DatasetFetch.Entry> entries = checksums(checksums);
            Paths.requireDirectory(dataset, "dataset folder");
            System.err.println("dataset: verifying " + dataset + " against the " + entries.size() + " files of "
                    + checksums);
            return finish(DatasetFetch.verify(entries, dataset, DatasetCommand::progress), dataset, entries);
        }
    }

    private static List<DatasetFetch.Entry> checksums(Path file) throws IOException {
        Paths.requireFile(file, "checksum list");
        try {
            return DatasetFetch.readChecksums(file);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    private static void progress(String line) {
        System.err.println("dataset: " + line);
    }

    /** The counts, then the manifest check once every file verified; the exit code. */
    private static int finish(DatasetFetch.Report report, Path dir, List<DatasetFetch.Entry> entries) {
        progress(report.summary());
        if (!report.ok()) {
            progress("incomplete: " + report.problems().size() + " file(s) missing or wrong (listed above); "
                    + "nothing wrong was installed, and running the command again fetches only what is missing");
            return Earshot.EXIT_FAILURE;
        }
        List<String> problems = DatasetFetch.checkManifest(dir, entries);
        problems.forEach(DatasetCommand::progress);
        if (!problems.isEmpty()) {
            return Earshot.EXIT_FAILURE;
        }
        progress("complete: " + dir + " matches the checksum list, and its manifest.csv loads");
        return 0;
    }
}
