package org.earshot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.Callable;

import org.earshot.journal.Checkpoint;
import org.earshot.journal.JournalFormatException;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalVerifier;
import org.earshot.pipeline.OutputJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code earshot verify}: the auditor's offline check of a journal (a directory copied from the service, or an export
 * of {@code /api/v1/journal/entries}) against the operator's published public key and, ideally, a checkpoint saved
 * from an earlier verification. Prints a summary to standard output; on failure names the first entry or checkpoint
 * that fails and exits 1. {@code --save-checkpoint} keeps the newest verified checkpoint for next time.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify a journal offline: hashes, chain, redactions, signed checkpoints, and consistency"
                + " with a checkpoint saved earlier. Exit 0 verified, 1 failed, 2 bad input.")
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOURNAL",
            description = "Journal directory (data/journal) or a file of exported entry lines")
    Path journal;

    @Option(names = "--public-key", required = true, paramLabel = "FILE",
            description = "The operator's journal public key (PEM), obtained independently of the journal; repeat"
                    + " it for each key the operator has signed with (after a key change)")
    java.util.List<Path> publicKeys;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "A checkpoint saved earlier (JSON); the journal must extend it")
    Path checkpoint;

    @Option(names = "--checkpoints", paramLabel = "FILE",
            description = "Signed checkpoints to check (default: JOURNAL/checkpoints.jsonl for a directory)")
    Path checkpoints;

    @Option(names = "--save-checkpoint", paramLabel = "FILE",
            description = "After a successful check, write the newest verified checkpoint here")
    Path saveCheckpoint;

    @Option(names = "--checkpoints-from", paramLabel = "FILE|URL",
            description = "Checkpoints saved elsewhere (from GET /api/v1/journal/checkpoints, the MQTT retained"
                    + " checkpoint topic, a witness): JSON lines, each a checkpoint or an API page, or an http(s)"
                    + " URL of the API's checkpoints endpoint (all pages are fetched; the API key is taken from the"
                    + " EARSHOT_API_KEY environment variable). The journal must extend every one; repeatable")
    java.util.List<String> checkpointsFrom = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        java.util.List<PublicKey> keys = new java.util.ArrayList<>();
        for (Path publicKey : publicKeys) {
            try {
                keys.add(JournalKeys.readPublic(publicKey));
            } catch (IOException e) {
                throw new BadInputException(e.getMessage());
            }
        }
        Checkpoint trusted = null;
        if (checkpoint != null && !Files.exists(checkpoint) && checkpoint.equals(saveCheckpoint)) {
            // The README's routine, run for the first time: nothing saved yet, and this run saves the first one.
            System.err.println(checkpoint + ": no saved checkpoint yet; first run, verifying without one (the newest"
                    + " checkpoint will be saved there)");
        } else if (checkpoint != null) {
            if (!Files.isRegularFile(checkpoint)) {
                throw new BadInputException(checkpoint + ": no such checkpoint file");
            }
            try {
                trusted = Checkpoint.parse(Files.readString(checkpoint, StandardCharsets.UTF_8).trim());
            } catch (JournalFormatException e) {
                throw new BadInputException(checkpoint + ": " + e.getMessage());
            }
        }
        if (checkpoints != null && !Files.isRegularFile(checkpoints)) {
            throw new BadInputException(checkpoints + ": no such checkpoints file");
        }
        java.util.List<Checkpoint> saved = new java.util.ArrayList<>();
        for (String source : checkpointsFrom) {
            saved.addAll(SavedCheckpoints.read(source));
        }
        JournalVerifier.Report report;
        try {
            report = JournalVerifier.verify(journal, checkpoints, keys, trusted, saved);
        } catch (IOException e) {
            throw new BadInputException(e.getMessage());
        }
        System.out.println("entries: " + report.entries() + " (" + report.redacted() + " with data deleted by"
                + " retention)");
        for (Map.Entry<String, Long> type : report.entriesByType().entrySet()) {
            System.out.println("  " + type.getKey() + ": " + type.getValue());
        }
        System.out.println("signed checkpoints checked: " + report.checkpoints());
        if (report.latest() != null) {
            System.out.println("newest checkpoint: size " + report.latest().treeSize() + ", "
                    + OutputJson.iso(report.latest().timeMicros()) + ", key " + report.latest().keyId());
        }
        if (trusted != null && report.ok()) {
            System.out.println("consistent with the saved checkpoint of size " + trusted.treeSize());
        }
        if (!saved.isEmpty() && report.ok()) {
            System.out.println("consistent with " + saved.size() + " checkpoints saved elsewhere (largest size "
                    + saved.stream().mapToLong(Checkpoint::treeSize).max().orElse(0) + ")");
        }
        if (report.unsignedTail() > 0 && report.ok()) {
            System.out.println("entries after the newest checkpoint (chained, not yet signed): "
                    + report.unsignedTail());
        }
        if (trusted == null && saved.isEmpty() && report.ok()) {
            // What no offline check can tell, said where the auditor reads the result (docs/JOURNAL.md).
            System.out.println("no saved checkpoint given: entries cut off after the newest checkpoint (with the"
                    + " checkpoints after it) cannot be told from a crash; give --checkpoint or --checkpoints-from");
        }
        if (!report.ok()) {
            System.out.println("FAILED: " + report.failure());
            return Earshot.EXIT_FAILURE;
        }
        System.out.println("verified");
        if (saveCheckpoint != null) {
            if (report.latest() == null) {
                // Not an error (the entries verified), but the auditor asked for something to keep and gets nothing.
                System.err.println("no signed checkpoint to save: the journal has none (give --checkpoints for an"
                        + " export)");
            } else {
                Files.writeString(saveCheckpoint, report.latest().toJson() + "\n", StandardCharsets.UTF_8);
                System.err.println("saved checkpoint of size " + report.latest().treeSize() + " to "
                        + saveCheckpoint);
            }
        }
        return 0;
    }
}
