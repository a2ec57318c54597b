package org.earshot.journal;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.earshot.journal.JournalFixture.detection;
import static org.earshot.journal.JournalFixture.lines;
import static org.earshot.journal.JournalFixture.writeLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rewriting the past without the key, by an attacker who also removes the signed checkpoints that would show it: the
 * verifier and the opening must know which checkpoints a journal written by the service has (one at every start and
 * every clean stop, one at least every {@code checkpoint_entries} entries or {@code checkpoint_seconds} seconds of a
 * run) and fail when they are missing, while a journal left by a crash between two checkpoints still verifies and
 * opens. The journal here is written as the service writes it: runs of {@code config}, {@code start}, detections and
 * {@code stop}, with the service's configuration recorded (checkpoints every 1000 entries or 60 s).
 */
class SignedHistoryTest {
    private static final int RUN_DETECTIONS = 40;

    @TempDir
    Path root;
    private JournalFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = new JournalFixture(root);
    }

    // --- the attacks --------------------------------------------------------------------------------------------

    /** Three clean runs of 43 entries (config or not, start, 40 detections, stop); an edit in the first. */
    @Test
    void aPastRewrittenWithTheCheckpointsFileDeletedFails() throws Exception {
        writeCleanRuns(3);
        rewriteFrom(10);
        Files.delete(f.dir.resolve(Journal.CHECKPOINTS_FILE));
        assertRefused("stop entry 42");
    }

    @Test
    void aPastRewrittenWithTheCheckpointsFileEmptiedFails() throws Exception {
        writeCleanRuns(3);
        rewriteFrom(10);
        Files.write(f.dir.resolve(Journal.CHECKPOINTS_FILE), new byte[0]);
        assertRefused("stop entry 42");
    }

    @Test
    void aPastRewrittenWithTheCheckpointsCutBackToBeforeTheEditFails() throws Exception {
        writeCleanRuns(3);
        int edited = 50; // a detection of the second run
        rewriteFrom(edited);
        Path file = f.dir.resolve(Journal.CHECKPOINTS_FILE);
        List<byte[]> kept = new ArrayList<>();
        for (byte[] line : lines(file)) {
            if (Checkpoint.parse(new String(line, StandardCharsets.UTF_8)).treeSize() <= edited) {
                kept.add(line);
            }
        }
        assertFalse(kept.isEmpty());
        writeLines(file, kept);
        assertRefused("stop entry 84");
    }

    /** Within one run, a long stretch with no checkpoint is no crash: one is signed every N entries or S seconds. */
    @Test
    void aRewriteOfTheLastRunLongerThanACrashCanLeaveUnsignedFails() throws Exception {
        writeCleanRuns(1);
        try (Journal journal = f.open(JournalFixture.options(100_000, 1000))) {
            appendStart(journal);
            for (int i = 0; i < 200; i++) {
                journal.append("detection", detection(i));
                f.clock.addAndGet(1_000_000); // one per second: checkpoints every 60 s
                if (i % 50 == 49) {
                    journal.checkpoint();
                }
            }
        }
        long size = f.segments().stream().mapToLong(this::lineCount).sum();
        rewriteFrom(60);
        cutCheckpointsAbove(60);
        assertRefused("written over");
        assertTrue(size > 200);
    }

    @Test
    void entriesBeyondACrashTailAreNoCrash() throws Exception {
        writeCleanRuns(1);
        try (Journal journal = f.open(JournalFixture.options(100_000, 100))) {
            journal.append("config", config(100, 60, 365)); // at most 2 * 100 + 1000 entries after a crash
            appendStart(journal);
            for (int i = 0; i < 1500; i++) {
                journal.append("detection", detection(i));
            }
        }
        rewriteFrom(100);
        cutCheckpointsAbove(100);
        assertRefused("more than a crash can leave unsigned");
    }

    /**
     * Dropping the newest entries together with the checkpoints that cover them leaves a journal that looks exactly
     * like one whose service was killed after its last checkpoint: without a witness nobody can tell. With the
     * checkpoints the auditor saved (from the API), the verifier can.
     */
    @Test
    void droppingTheLast30EntriesWithTheirCheckpointsNeedsAWitness() throws Exception {
        writeCleanRuns(2);
        Checkpoint published;
        try (Journal journal = f.open(JournalFixture.options(100_000, 1000))) {
            appendStart(journal);
            for (int i = 0; i < 60; i++) {
                journal.append("detection", detection(i));
                if (i == 20) {
                    journal.checkpoint();
                }
            }
            published = journal.checkpoint();
            for (int i = 60; i < 70; i++) {
                journal.append("detection", detection(i));
            }
            appendStop(journal);
        }
        long size = f.segments().stream().mapToLong(this::lineCount).sum();
        Path witness = root.resolve("saved-checkpoints.jsonl");
        Files.writeString(witness, published.toJson() + "\n");
        dropLast(30);
        cutCheckpointsAbove(size - 30);

        JournalVerifier.Report alone = verify(List.of());
        assertTrue(alone.ok(), "without a witness a cut after a checkpoint looks like a crash: " + alone.failure());
        assertTrue(alone.unsignedTail() > 0);
        JournalVerifier.Report withWitness = verify(List.of(witness));
        assertFalse(withWitness.ok());
        assertTrue(withWitness.failure().contains("truncated or rolled back"), withWitness.failure());
    }

    // --- what must still pass -----------------------------------------------------------------------------------

    @Test
    void cleanRunsAndACrashBetweenCheckpointsVerifyAndOpen() throws Exception {
        writeCleanRuns(2);
        Path crashed = root.resolve("crashed");
        try (Journal journal = f.open(JournalFixture.options(100_000, 1000))) {
            appendStart(journal);
            for (int i = 0; i < 900; i++) {
                journal.append("detection", detection(i));
            }
            // kill -9: what is on disk now is what the next start finds (no stop entry, no closing checkpoint).
            copyDir(f.dir, crashed);
        }
        JournalVerifier.Report report = JournalVerifier.verify(crashed, null, f.keys.publicKey(), null);
        assertTrue(report.ok(), report.failure());
        assertEquals(900, report.unsignedTail());
        // The next start, which crashes too while opening (before its start checkpoint), then one that lives.
        try (Journal journal = f.open(crashed, JournalFixture.options(100_000, 1000), new ArrayList<>())) {
            f.clock.addAndGet(3_600_000_000L);
            journal.append("config", config(1000, 60, 365));
            journal.append("start", new JsonObject());
            copyDir(crashed, root.resolve("crashed-twice"));
        }
        Path twice = root.resolve("crashed-twice");
        JournalVerifier.Report again = JournalVerifier.verify(twice, null, f.keys.publicKey(), null);
        assertTrue(again.ok(), again.failure());
        try (Journal journal = f.open(twice, JournalFixture.options(100_000, 1000), new ArrayList<>())) {
            appendStart(journal);
            appendStop(journal);
        }
        JournalVerifier.Report last = JournalVerifier.verify(twice, null, f.keys.publicKey(), null);
        assertTrue(last.ok(), last.failure());
        assertEquals(0, last.unsignedTail());
    }

    @Test
    void aKillWhileStoppingLeavesAStopWithoutCheckpointThatStillOpens() throws Exception {
        writeCleanRuns(1);
        Path killed = root.resolve("killed");
        try (Journal journal = f.open(JournalFixture.options(100_000, 1000))) {
            appendStart(journal);
            journal.append("detection", detection(1));
            appendStop(journal);
            copyDir(f.dir, killed);
        }
        assertTrue(JournalVerifier.verify(killed, null, f.keys.publicKey(), null).ok());
        try (Journal journal = f.open(killed, JournalFixture.options(100_000, 1000), new ArrayList<>())) {
            appendStart(journal);
        }
        assertTrue(JournalVerifier.verify(killed, null, f.keys.publicKey(), null).ok());
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private void assertRefused(String inMessage) throws IOException {
        JournalVerifier.Report report = verify(List.of());
        assertFalse(report.ok(), "verify must fail");
        assertTrue(report.failure().contains(inMessage), "expected \"" + inMessage + "\" in: " + report.failure());
        JournalFormatException e = assertThrows(JournalFormatException.class,
                () -> f.open(JournalFixture.options(100_000, 1000)).close(), "the opening must refuse");
        assertTrue(e.getMessage().contains(inMessage), "expected \"" + inMessage + "\" in: " + e.getMessage());
    }

    private JournalVerifier.Report verify(List<Path> witnesses) throws IOException {
        List<Checkpoint> saved = new ArrayList<>();
        for (Path file : witnesses) {
            try {
                saved.addAll(Checkpoint.readAll(Files.readString(file)));
            } catch (JournalFormatException e) {
                throw new IOException(e);
            }
        }
        return JournalVerifier.verify(f.dir, null, List.of(f.keys.publicKey()), null, saved);
    }

    /** Runs as the service writes them: the configuration once, then start, detections, stop. */
    private void writeCleanRuns(int runs) throws Exception {
        for (int r = 0; r < runs; r++) {
            try (Journal journal = f.open(JournalFixture.options(100_000, 1000))) {
                appendStart(journal);
                for (int i = 0; i < RUN_DETECTIONS; i++) {
                    journal.append("detection", detection(i));
                }
                appendStop(journal);
            }
            f.clock.addAndGet(3_600_000_000L);
        }
    }

    private void appendStart(Journal journal) throws IOException {
        if (journal.size() == 0) {
            journal.append("config", config(1000, 60, 365));
        }
        journal.append("start", new JsonObject());
        // What the service does once its start is recorded.
        journal.checkpoint();
    }

    private static void appendStop(Journal journal) throws IOException {
        journal.append("stop", new JsonObject());
    }

    static JsonObject config(int checkpointEntries, double checkpointSeconds, int retentionDays) {
        JsonObject settings = new JsonObject();
        settings.addProperty("journal.checkpoint_entries", Integer.toString(checkpointEntries));
        settings.addProperty("journal.checkpoint_seconds", Double.toString(checkpointSeconds));
        settings.addProperty("journal.retention_days", Integer.toString(retentionDays));
        JsonObject config = new JsonObject();
        config.add("settings", settings);
        return config;
    }

    private long lineCount(Path file) {
        try {
            return lines(file).size();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void cutCheckpointsAbove(long size) throws IOException {
        Path file = f.dir.resolve(Journal.CHECKPOINTS_FILE);
        List<byte[]> kept = new ArrayList<>();
        for (byte[] line : lines(file)) {
            try {
                if (Checkpoint.parse(new String(line, StandardCharsets.UTF_8)).treeSize() <= size) {
                    kept.add(line);
                }
            } catch (JournalFormatException e) {
                throw new IllegalStateException(e);
            }
        }
        writeLines(file, kept);
    }

    private List<JournalLine> allLines() throws Exception {
        List<JournalLine> all = new ArrayList<>();
        for (Path segment : f.segments()) {
            for (byte[] line : lines(segment)) {
                all.add(JournalLine.parse(line, all.size()));
            }
        }
        return all;
    }

    private void writeAll(List<JournalLine> all) throws IOException {
        for (Path segment : f.segments()) {
            Files.delete(segment);
        }
        List<byte[]> bytes = new ArrayList<>();
        for (JournalLine line : all) {
            bytes.add(line.bytes());
        }
        writeLines(f.segment(0), bytes);
    }

    private void dropLast(int n) throws Exception {
        List<JournalLine> all = allLines();
        writeAll(all.subList(0, all.size() - n));
    }

    /** What an attacker without the key can do: change entry {@code from}'s data, then re-hash and re-chain on. */
    private void rewriteFrom(int from) throws Exception {
        List<JournalLine> all = allLines();
        byte[] prev = JournalLine.ZERO_HASH;
        List<JournalLine> rewritten = new ArrayList<>();
        for (JournalLine line : all) {
            String data = new String(line.data(), StandardCharsets.UTF_8);
            if (line.seq() == from) {
                assertEquals("detection", line.type());
                data = data.replace("\"sensor\":\"sensor-", "\"sensor\":\"elsewhere-");
            }
            JournalLine copy = line.seq() < from ? line
                    : JournalLine.create(line.seq(), line.timeMicros(), line.type(), prev, data);
            rewritten.add(copy);
            prev = copy.leafHash();
        }
        writeAll(rewritten);
        JournalVerifier.Report entriesOnly = JournalVerifier.verify(f.segment(0), null, f.keys.publicKey(), null);
        assertTrue(entriesOnly.ok(), "the rewritten entries chain and hash consistently: " + entriesOnly.failure());
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(Journal.LOCK_FILE)) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
    }
}
