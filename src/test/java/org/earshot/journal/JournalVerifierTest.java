package org.earshot.journal;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.earshot.journal.JournalFixture.detection;
import static org.earshot.journal.JournalFixture.lines;
import static org.earshot.journal.JournalFixture.options;
import static org.earshot.journal.JournalFixture.writeLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tamper matrix: every way of altering a journal that the issue names (flipped bits in data, headers and
 * checkpoints; deleted, reordered and truncated entries; a deleted segment; a rollback; a past rewritten and
 * re-chained without the key; data deleted without a redaction entry) must make the offline verifier fail and name
 * the entry, or the checkpoint, where it fails. The journal: entries 0..19 in segments of 8 (0, 8, 16), signed
 * checkpoints of sizes 10 and 20.
 */
class JournalVerifierTest {
    @TempDir
    Path root;
    private JournalFixture f;
    private Checkpoint at10;

    @BeforeEach
    void writeJournal() throws Exception {
        f = new JournalFixture(root);
        try (Journal journal = f.open(options(8, 1000))) {
            for (int i = 0; i < 20; i++) {
                journal.append("detection", detection(i));
                if (i == 9) {
                    at10 = journal.checkpoint();
                }
            }
        }
        JournalVerifier.Report report = verify(null);
        assertTrue(report.ok(), report.failure());
        assertEquals(20, report.entries());
        assertEquals(2, report.checkpoints());
        assertEquals(20, report.latest().treeSize());
        assertEquals(0, report.unsignedTail());
    }

    // --- flipped bits ---------------------------------------------------------------------------------------------

    @Test
    void aFlippedBitInAnEntrysDataNamesTheEntry() throws IOException {
        for (int seq : new int[] {0, 5, 12, 19}) {
            byte[] original = Files.readAllBytes(fileOf(seq));
            int data = indexIn(seq, "\"sensor\":\"sensor-") + 17;
            flipBit(seq, data, 0);
            assertFails(verify(null), seq, "entry " + seq + ": its data does not match data_sha256");
            Files.write(fileOf(seq), original);
        }
    }

    @Test
    void aFlippedBitAnywhereInAHeaderNamesTheEntry() throws IOException {
        int seq = 5;
        String[] fields = {"\"v\":", "\"seq\":", "\"time_us\":", "\"type\":\"", "\"prev\":\"", "\"data_sha256\":\"",
                "{", ",\"data\":"};
        byte[] original = Files.readAllBytes(fileOf(seq));
        for (String field : fields) {
            for (int offset : new int[] {0, field.length(), field.length() + 3}) {
                for (int bit : new int[] {0, 2, 5}) {
                    int position = indexIn(seq, field) + offset;
                    flipBit(seq, position, bit);
                    JournalVerifier.Report report = verify(null);
                    assertFails(report, seq, "entry " + seq);
                    Files.write(fileOf(seq), original);
                }
            }
        }
    }

    @Test
    void aHeaderFieldOnlyTheNextEntryRecordsIsBlamedOnTheAlteredEntry() throws IOException {
        // The time and the type are in no other check of the entry itself; entry 6's prev shows the change.
        // The last digit is 0 (times are whole milliseconds): the flip makes entry 5 one microsecond later.
        flipBit(5, indexIn(5, "\"time_us\":") + 10 + 15, 0);
        JournalVerifier.Report report = verify(null);
        assertFails(report, 5, "entry 5 was altered");
        assertTrue(report.failure().contains("prev hash recorded by entry 6"), report.failure());
    }

    @Test
    void anAlteredPrevIsBlamedOnItsOwnEntry() throws IOException {
        int position = indexIn(7, "\"prev\":\"") + 8;
        byte[] line = lines(fileOf(7)).get(7);
        // Keep it a hex digit, so only the chain can tell.
        line[position] = (byte) (line[position] == '0' ? '1' : '0');
        replaceLine(7, line);
        assertFails(verify(null), 7, "entry 7 was altered or replaced");
    }

    @Test
    void aFlippedBitInTheLastEntrysHeaderIsCaughtByTheCheckpoint() throws IOException {
        flipBit(19, indexIn(19, "\"time_us\":") + 14, 0);
        JournalVerifier.Report report = verify(null);
        assertFails(report, -1, "checkpoints.jsonl line 2: checkpoint of size 20: the root of the first 20 entries"
                + " differs from the signed root");
        assertTrue(report.failure().contains("entries 10..19"), report.failure());
    }

    @Test
    void aFlippedBitInACheckpointNamesTheCheckpoint() throws IOException {
        Path file = f.dir.resolve(Journal.CHECKPOINTS_FILE);
        byte[] original = Files.readAllBytes(file);
        for (String field : new String[] {"\"root\":\"", "\"signature\":\"", "\"time_us\":", "\"tree_size\":"}) {
            for (int bit : new int[] {0, 1, 6}) {
                List<byte[]> lines = lines(file);
                byte[] first = lines.get(0);
                int position = new String(first, StandardCharsets.UTF_8).indexOf(field) + field.length();
                first[position] ^= (byte) (1 << bit);
                writeLines(file, lines);
                JournalVerifier.Report report = verify(null);
                // Either it no longer parses, or it parses and its signature no longer fits.
                assertFails(report, -1, "checkpoints.jsonl line 1: checkpoint");
                assertTrue(report.failure().contains("the signature is not valid")
                        || report.failure().contains("not a checkpoint"), report.failure());
                Files.write(file, original);
            }
        }
    }

    @Test
    void anotherRootInASignedCheckpointBreaksItsSignature() throws IOException {
        Path file = f.dir.resolve(Journal.CHECKPOINTS_FILE);
        List<byte[]> lines = lines(file);
        String second = new String(lines.get(1), StandardCharsets.UTF_8);
        int at = second.indexOf("\"root\":\"") + 8;
        char other = second.charAt(at) == '0' ? '1' : '0';
        lines.set(1, (second.substring(0, at) + other + second.substring(at + 1)).getBytes(StandardCharsets.UTF_8));
        writeLines(file, lines);
        assertFails(verify(null), -1, "checkpoints.jsonl line 2: checkpoint of size 20: the signature is not valid");
    }

    // --- deleted, reordered, truncated ------------------------------------------------------------------------------

    @Test
    void aDeletedEntryIsNamed() throws IOException {
        deleteLine(5);
        assertFails(verify(null), 5, "expected entry 5, found entry 6");
    }

    @Test
    void aDeletedFirstEntryIsNamed() throws IOException {
        deleteLine(0);
        assertFails(verify(null), 0, "segment-00000000000000000000.jsonl line 1: expected entry 0, found entry 1");
    }

    @Test
    void aDeletedFirstEntryOfALaterSegmentIsNamed() throws IOException {
        deleteLine(8);
        assertFails(verify(null), 8, "expected entry 8, found entry 9");
    }

    @Test
    void aDeletedLastEntryIsCaughtByTheCheckpoint() throws IOException {
        deleteLine(19);
        assertFails(verify(null), 19, "covers 20 entries but the journal has only 19");
    }

    @Test
    void swappedEntriesAreNamed() throws IOException {
        List<byte[]> lines = lines(fileOf(5));
        byte[] five = lines.get(5);
        lines.set(5, lines.get(6));
        lines.set(6, five);
        writeLines(fileOf(5), lines);
        assertFails(verify(null), 5, "expected entry 5, found entry 6");
    }

    @Test
    void aTruncatedLastSegmentIsCaughtByTheCheckpoint() throws IOException {
        Path last = f.segment(16);
        List<byte[]> lines = lines(last);
        writeLines(last, lines.subList(0, 2));
        assertFails(verify(null), 18, "covers 20 entries but the journal has only 18: entries from 18 on were removed");

        byte[] cut = Arrays.copyOf(Files.readAllBytes(last), Files.readAllBytes(last).length - 40);
        Files.write(last, cut);
        assertFails(verify(null), 17, "entry 17 has no line end (truncated)");
    }

    @Test
    void aDeletedSegmentIsNamed() throws IOException {
        Files.delete(f.segment(8));
        assertFails(verify(null), 8, "segment-00000000000000000016.jsonl should start at entry 8");
    }

    @Test
    void aDeletedLastSegmentIsCaughtByTheCheckpoint() throws IOException {
        Files.delete(f.segment(16));
        assertFails(verify(null), 16, "covers 20 entries but the journal has only 16");
    }

    // --- rollback and rewritten past -------------------------------------------------------------------------------

    @Test
    void aRollbackToAnOlderCopyFailsAgainstTheSavedCheckpoint() throws Exception {
        Path old = root.resolve("old-copy");
        copyDir(f.dir, old);
        try (Journal journal = f.open(options(8, 1000))) {
            for (int i = 20; i < 30; i++) {
                journal.append("detection", detection(i));
            }
        }
        JournalVerifier.Report later = verify(null);
        assertTrue(later.ok(), later.failure());
        Checkpoint saved = Checkpoint.parse(later.latest().toJson().toString());
        assertEquals(30, saved.treeSize());

        JournalVerifier.Report selfConsistent = JournalVerifier.verify(old, null, f.keys.publicKey(), null);
        assertTrue(selfConsistent.ok(), "on its own the old copy is a valid journal: " + selfConsistent.failure());
        JournalVerifier.Report report = JournalVerifier.verify(old, null, f.keys.publicKey(), saved);
        assertFails(report, 20, "the saved checkpoint (size 30) covers 30 entries but the journal has only 20");
        assertTrue(report.failure().contains("truncated or rolled back"), report.failure());
    }

    @Test
    void aJournalThatExtendsTheSavedCheckpointPasses() throws Exception {
        try (Journal journal = f.open(options(8, 1000))) {
            for (int i = 20; i < 25; i++) {
                journal.append("detection", detection(i));
            }
        }
        JournalVerifier.Report report = verify(at10);
        assertTrue(report.ok(), report.failure());
        assertEquals(25, report.latest().treeSize());
        assertEquals(25, report.entries());
    }

    @Test
    void aPastRewrittenAndRechainedWithoutTheKeyIsCaughtByTheCheckpoints() throws Exception {
        rewriteFrom(3);
        assertTrue(verifyEntriesOnly().ok(), "the rewritten entries chain and hash consistently");
        JournalVerifier.Report report = verify(null);
        assertFails(report, -1, "checkpoints.jsonl line 1: checkpoint of size 10: the root of the first 10 entries"
                + " differs from the signed root");
        assertTrue(report.failure().contains("entries 0..9"), report.failure());

        // Without the directory's checkpoints (deleted by the same attacker), the saved one catches it.
        Files.delete(f.dir.resolve(Journal.CHECKPOINTS_FILE));
        assertFails(verify(at10), -1, "the saved checkpoint (size 10): the root of the first 10 entries differs");
    }

    @Test
    void checkpointsResignedWithAnotherKeyAreRejected() throws Exception {
        rewriteFrom(12);
        JournalKeys attacker = JournalKeys.loadOrCreate(root.resolve("attacker.key"));
        List<String> forged = new ArrayList<>();
        try (Journal journal = Journal.open(f.dir.resolveSibling("scratch"), options(8, 1000), attacker,
                () -> 0L, l -> { })) {
            assertEquals(0, journal.size());
        }
        JournalVerifier.Report entries = verifyEntriesOnly();
        MerkleLog tree = new MerkleLog();
        for (Path segment : f.segments()) {
            for (byte[] line : lines(segment)) {
                tree.append(MerkleTree.leafHash(JournalLine.parse(line, -1).header()));
            }
        }
        for (int size : new int[] {10, 20}) {
            forged.add(Checkpoint.sign(size, tree.root(size), f.clock.get(), attacker).toJson().toString());
        }
        Files.write(f.dir.resolve(Journal.CHECKPOINTS_FILE), (String.join("\n", forged) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        assertTrue(entries.ok());
        JournalVerifier.Report report = verify(null);
        assertFails(report, -1, "checkpoints.jsonl line 1: checkpoint of size 10: the signature is not valid for key "
                + JournalKeys.keyId(f.keys.publicKey()));
        assertTrue(JournalVerifier.verify(f.dir, null, attacker.publicKey(), null).ok(),
                "which is why the auditor must get the public key from the operator, not from the journal");
    }

    @Test
    void dataDeletedWithoutARedactionEntryIsNamed() throws Exception {
        JournalLine five = JournalLine.parse(lines(fileOf(5)).get(5), 5);
        replaceLine(5, five.withoutData().bytes());
        assertFails(verify(null), 5, "entry 5 has no data, and no redaction entry records its deletion");
    }

    @Test
    void aRedactionEntryCoversOnlyWhatItLists() throws Exception {
        try (Journal journal = f.open(options(8, 1000))) {
            journal.redact(journal.read(3).timeMicros(), java.util.Set.of("detection"), "retention");
        }
        assertTrue(verify(at10).ok());
        // Entry 4 is newer than the cutoff and not listed: deleting its data is not retention.
        JournalLine four = JournalLine.parse(lines(fileOf(4)).get(4), 4);
        replaceLine(4, four.withoutData().bytes());
        assertFails(verify(at10), 4, "entry 4 has no data, and no redaction entry records its deletion");
    }

    // --- export file ---------------------------------------------------------------------------------------------

    @Test
    void anExportFileVerifiesWithItsCheckpoints() throws Exception {
        Path export = root.resolve("export.jsonl");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path segment : f.segments()) {
            all.writeBytes(Files.readAllBytes(segment));
        }
        Files.write(export, all.toByteArray());
        Path checkpoints = root.resolve("checkpoints-copy.jsonl");
        Files.copy(f.dir.resolve(Journal.CHECKPOINTS_FILE), checkpoints);

        JournalVerifier.Report report = JournalVerifier.verify(export, checkpoints, f.keys.publicKey(), at10);
        assertTrue(report.ok(), report.failure());
        assertEquals(20, report.entries());
        assertEquals(2, report.checkpoints());
        JournalVerifier.Report withoutCheckpoints = JournalVerifier.verify(export, null, f.keys.publicKey(), null);
        assertTrue(withoutCheckpoints.ok());
        assertEquals(0, withoutCheckpoints.checkpoints());
        assertEquals(20, withoutCheckpoints.unsignedTail());

        List<byte[]> lines = lines(export);
        writeLines(export, lines.subList(0, 15));
        assertFails(JournalVerifier.verify(export, checkpoints, f.keys.publicKey(), null), 15,
                "covers 20 entries but the journal has only 15");
    }

    @Test
    void aMissingJournalIsAnIoErrorNotAFailure() {
        IOException e = assertThrows(IOException.class,
                () -> JournalVerifier.verify(root.resolve("nothing"), null, f.keys.publicKey(), null));
        assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private JournalVerifier.Report verify(Checkpoint trusted) throws IOException {
        return JournalVerifier.verify(f.dir, null, f.keys.publicKey(), trusted);
    }

    private JournalVerifier.Report verifyEntriesOnly() throws IOException {
        Path cp = f.dir.resolve(Journal.CHECKPOINTS_FILE);
        Path aside = root.resolve("checkpoints-aside");
        boolean had = Files.exists(cp);
        if (had) {
            Files.move(cp, aside);
        }
        try {
            return verify(null);
        } finally {
            if (had) {
                Files.move(aside, cp);
            }
        }
    }

    private static void assertFails(JournalVerifier.Report report, long failedSeq, String inMessage) {
        assertFalse(report.ok(), "verification must fail");
        assertEquals(failedSeq, report.failedSeq(), report.failure());
        assertTrue(report.failure().contains(inMessage), "expected \"" + inMessage + "\" in: " + report.failure());
    }

    private Path fileOf(long seq) {
        return f.segment(seq / 8 * 8);
    }

    private int indexIn(long seq, String text) throws IOException {
        String line = new String(lines(fileOf(seq)).get((int) (seq % 8)), StandardCharsets.UTF_8);
        int i = line.indexOf(text);
        assertTrue(i >= 0, text + " in " + line);
        return i;
    }

    private void flipBit(long seq, int position, int bit) throws IOException {
        List<byte[]> lines = lines(fileOf(seq));
        lines.get((int) (seq % 8))[position] ^= (byte) (1 << bit);
        writeLines(fileOf(seq), lines);
    }

    private void replaceLine(long seq, byte[] line) throws IOException {
        List<byte[]> lines = lines(fileOf(seq));
        lines.set((int) (seq % 8), line);
        writeLines(fileOf(seq), lines);
    }

    private void deleteLine(long seq) throws IOException {
        List<byte[]> lines = lines(fileOf(seq));
        lines.remove((int) (seq % 8));
        writeLines(fileOf(seq), lines);
    }

    /** What an attacker without the key can do: change entry {@code from}'s data, then re-hash and re-chain on. */
    private void rewriteFrom(int from) throws Exception {
        List<JournalLine> all = new ArrayList<>();
        for (Path segment : f.segments()) {
            for (byte[] line : lines(segment)) {
                all.add(JournalLine.parse(line, all.size()));
            }
        }
        byte[] prev = JournalLine.ZERO_HASH;
        List<JournalLine> rewritten = new ArrayList<>();
        for (JournalLine line : all) {
            String data = new String(line.data(), StandardCharsets.UTF_8);
            if (line.seq() == from) {
                data = data.replace("\"sensor\":\"sensor-", "\"sensor\":\"elsewhere-");
            }
            JournalLine copy = line.seq() < from ? line
                    : JournalLine.create(line.seq(), line.timeMicros(), line.type(), prev, data);
            rewritten.add(copy);
            prev = copy.leafHash();
        }
        for (long first = 0; first < 20; first += 8) {
            List<byte[]> lines = new ArrayList<>();
            for (long seq = first; seq < Math.min(first + 8, 20); seq++) {
                lines.add(rewritten.get((int) seq).bytes());
            }
            writeLines(f.segment(first), lines);
        }
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
