package org.earshot.journal;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.earshot.journal.JournalFixture.detection;
import static org.earshot.journal.JournalFixture.lines;
import static org.earshot.journal.JournalFixture.options;
import static org.earshot.journal.JournalFixture.writeLines;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The journal as the service uses it: appends read back across segments, a reopen replays the same entries,
 * concurrent appends get unique contiguous numbers in one chain, checkpoints are signed every N entries and at
 * close, proofs from the journal verify, a torn tail is cut and recorded, other damage and a truncation refuse the
 * opening (and leave the files as they were), one opener at a time, retention, and the entry size limit.
 */
class JournalTest {
    @TempDir
    Path root;

    @Test
    void appendsReadBackAcrossSegments() throws Exception {
        JournalFixture f = new JournalFixture(root);
        List<Journal.Appended> appended = new ArrayList<>();
        try (Journal journal = f.open(options(4, 1000))) {
            assertEquals(0, journal.size());
            assertNull(journal.latestCheckpoint());
            for (int i = 0; i < 10; i++) {
                appended.add(journal.append("detection", detection(i)));
            }
            assertEquals(10, journal.size());
            assertEquals(10, journal.fsyncCount(), "one after another, each append waits for its own fsync");
            List<JournalLine> lines = journal.read(0, 100);
            assertEquals(10, lines.size());
            byte[] prev = JournalLine.ZERO_HASH;
            for (int i = 0; i < 10; i++) {
                JournalLine line = lines.get(i);
                assertEquals(i, line.seq());
                assertEquals(i, appended.get(i).seq());
                assertEquals(detection(i), line.dataJson());
                assertArrayEquals(prev, line.prev(), "entry " + i + " chains to entry " + (i - 1));
                assertArrayEquals(appended.get(i).leafHash(), line.leafHash());
                assertArrayEquals(line.leafHash(), journal.leafHash(i));
                assertEquals(appended.get(i).timeMicros(), line.timeMicros());
                prev = line.leafHash();
            }
            assertEquals(List.of(3L, 4L, 5L), journal.read(3, 3).stream().map(JournalLine::seq).toList());
            assertEquals(9, journal.read(9).seq());
            assertEquals(List.of(), journal.read(10, 5));
            assertThrows(IllegalArgumentException.class, () -> journal.read(10));
        }
        assertEquals(List.of(f.segment(0), f.segment(4), f.segment(8)), f.segments());
        assertEquals(4, lines(f.segment(0)).size());
        assertEquals(2, lines(f.segment(8)).size());
    }

    @Test
    void appendAllWritesABatchInOrderWithOneFsyncAndReadsBackAsSingleAppends() throws Exception {
        JournalFixture f = new JournalFixture(root);
        List<Long> seen = new ArrayList<>();
        List<Journal.Appended> appended;
        try (Journal journal = f.open(options(4, 1000))) {
            journal.addListener(line -> seen.add(line.seq()));
            journal.append("detection", detection(0));
            long before = journal.fsyncCount();
            List<Journal.Entry> batch = new ArrayList<>();
            for (int i = 1; i <= 9; i++) {
                batch.add(new Journal.Entry("detection", detection(i)));
            }
            appended = journal.appendAll(batch);
            assertEquals(before + 1, journal.fsyncCount(), "nine entries over three segments, one fsync");
            assertEquals(List.of(), journal.appendAll(List.of()));
            assertEquals(before + 1, journal.fsyncCount(), "an empty batch waits for nothing");
            assertEquals(10, journal.size());
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), seen,
                    "listeners see each entry once, in order");
        }
        try (Journal journal = f.open(options(4, 1000))) {
            List<JournalLine> lines = journal.read(0, 100);
            assertEquals(10, lines.size(), "the batch is on disk");
            for (int i = 1; i <= 9; i++) {
                assertEquals(i, appended.get(i - 1).seq());
                assertEquals(detection(i), lines.get(i).dataJson());
                assertArrayEquals(lines.get(i - 1).leafHash(), lines.get(i).prev(), "one chain through the batch");
                assertArrayEquals(appended.get(i - 1).leafHash(), lines.get(i).leafHash());
            }
        }
    }

    @Test
    void reopeningReplaysTheSameEntriesAndContinuesTheChain() throws Exception {
        JournalFixture f = new JournalFixture(root);
        List<byte[]> written = new ArrayList<>();
        byte[] root10;
        try (Journal journal = f.open(options(4, 1000))) {
            for (int i = 0; i < 10; i++) {
                journal.append("detection", detection(i));
            }
            journal.read(0, 10).forEach(line -> written.add(line.bytes()));
            root10 = journal.root(10);
        }
        List<JournalLine> replayed = new ArrayList<>();
        try (Journal journal = f.open(f.dir, options(4, 1000), replayed)) {
            assertEquals(10, replayed.size());
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(written.get(i), replayed.get(i).bytes(), "entry " + i);
            }
            assertEquals(10, journal.size());
            assertArrayEquals(root10, journal.root(10));
            assertEquals(10, journal.latestCheckpoint().treeSize());
            Journal.Appended next = journal.append("detection", detection(10));
            assertEquals(10, next.seq());
            assertArrayEquals(replayed.get(9).leafHash(), journal.read(10).prev());
            assertTrue(next.timeMicros() >= replayed.get(9).timeMicros());
        }
        assertEquals(3, lines(f.segment(8)).size(), "the reopened journal writes on in the last segment");
        assertTrue(JournalVerifier.verify(f.dir, null, f.keys.publicKey(), null).ok());
    }

    @Test
    void concurrentAppendsGetUniqueContiguousNumbersInOneChain() throws Exception {
        JournalFixture f = new JournalFixture(root);
        int threads = 8;
        int perThread = 150;
        Set<Long> seqs = new TreeSet<>();
        try (Journal journal = f.open(options(100, 64))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        JsonObject data = detection(i);
                        data.addProperty("thread", thread);
                        mine.add(journal.append("detection", data).seq());
                    }
                    return mine;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<List<Long>> result : results) {
                List<Long> mine = result.get();
                total += mine.size();
                for (int i = 1; i < mine.size(); i++) {
                    assertTrue(mine.get(i) > mine.get(i - 1), "one thread's entries are in its order");
                }
                seqs.addAll(mine);
            }
            pool.shutdown();
            assertTrue(journal.fsyncCount() >= 1 && journal.fsyncCount() <= threads * perThread);
            assertEquals(threads * perThread, total);
            assertEquals(threads * perThread, seqs.size(), "every seq is unique");
            assertEquals(0L, ((TreeSet<Long>) seqs).first());
            assertEquals(threads * perThread - 1L, ((TreeSet<Long>) seqs).last(), "and they are contiguous");
            List<JournalLine> lines = journal.read(0, threads * perThread);
            byte[] prev = JournalLine.ZERO_HASH;
            long time = 0;
            for (JournalLine line : lines) {
                assertArrayEquals(prev, line.prev(), "entry " + line.seq());
                assertTrue(line.timeMicros() >= time, "times never go back");
                prev = line.leafHash();
                time = line.timeMicros();
            }
        }
        JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), null);
        assertTrue(report.ok(), report.failure());
        assertEquals(threads * perThread, report.entries());
        assertEquals(threads * perThread, report.latest().treeSize());
    }

    @Test
    void checkpointsAreSignedEveryNEntriesAndAtClose() throws Exception {
        JournalFixture f = new JournalFixture(root);
        byte[] root13;
        try (Journal journal = f.open(options(100, 5))) {
            for (int i = 0; i < 5; i++) {
                journal.append("detection", detection(i));
            }
            journal.awaitScheduledCheckpoints();
            assertEquals(5, journal.latestCheckpoint().treeSize());
            for (int i = 5; i < 9; i++) {
                journal.append("detection", detection(i));
            }
            journal.awaitScheduledCheckpoints();
            assertEquals(5, journal.latestCheckpoint().treeSize(), "no checkpoint before the next 5");
            journal.append("detection", detection(9));
            journal.awaitScheduledCheckpoints();
            assertEquals(10, journal.latestCheckpoint().treeSize());
            for (int i = 10; i < 13; i++) {
                journal.append("detection", detection(i));
            }
            root13 = journal.root(13);
            Checkpoint explicit = journal.checkpoint();
            assertEquals(13, explicit.treeSize());
            assertEquals(explicit, journal.checkpoint(), "nothing new: the same checkpoint, not another");
            journal.append("detection", detection(13));
        }
        List<byte[]> stored = lines(f.dir.resolve(Journal.CHECKPOINTS_FILE));
        List<Long> sizes = new ArrayList<>();
        long lastTime = 0;
        for (byte[] line : stored) {
            Checkpoint c = Checkpoint.parse(new String(line, StandardCharsets.UTF_8));
            assertTrue(c.verify(f.keys.publicKey()), "signature of checkpoint " + c.treeSize());
            assertEquals(JournalKeys.keyId(f.keys.publicKey()), c.keyId());
            assertTrue(c.timeMicros() >= lastTime);
            lastTime = c.timeMicros();
            sizes.add(c.treeSize());
            if (c.treeSize() == 13) {
                assertArrayEquals(root13, c.rootHash());
            }
        }
        assertEquals(List.of(5L, 10L, 13L, 14L), sizes, "every 5, on request, and at close");
        Checkpoint first = Checkpoint.parse(new String(stored.get(0), StandardCharsets.UTF_8));
        JournalKeys other = JournalKeys.loadOrCreate(root.resolve("other.key"));
        assertFalse(first.verify(other.publicKey()), "another key's signature does not verify");
        Checkpoint forged = new Checkpoint(first.treeSize() + 1, first.rootHash(), first.timeMicros(), first.keyId(),
                first.signature());
        assertFalse(forged.verify(f.keys.publicKey()), "the signature covers the size");
    }

    @Test
    void proofsFromTheJournalVerifyWithTheReferenceVerifier() throws Exception {
        JournalFixture f = new JournalFixture(root);
        try (Journal journal = f.open(options(7, 1000))) {
            List<byte[]> leaves = new ArrayList<>();
            for (int i = 0; i < 23; i++) {
                leaves.add(journal.append("detection", detection(i)).leafHash());
            }
            List<byte[]> fromFiles = journal.read(0, 23).stream().map(JournalLine::leafHash).toList();
            for (int size = 1; size <= 23; size++) {
                byte[] rootHash = journal.root(size);
                assertArrayEquals(MerkleTree.root(fromFiles.subList(0, size)), rootHash, "root of " + size);
                for (int i = 0; i < size; i++) {
                    assertTrue(MerkleTree.verifyInclusion(leaves.get(i), i, size, journal.inclusionProof(i, size),
                            rootHash), "entry " + i + " in " + size);
                }
                for (int old = 0; old <= size; old++) {
                    assertTrue(MerkleTree.verifyConsistency(old, size, journal.root(old), rootHash,
                            journal.consistencyProof(old, size)), old + " -> " + size);
                }
                assertFalse(MerkleTree.verifyInclusion(leaves.get(0), 0, size, journal.inclusionProof(0, size),
                        journal.root(size - 1)), "a proof does not verify against another root");
            }
        }
    }

    @Test
    void aTornLastLineIsCutAndARecoveryEntryRecordsIt() throws Exception {
        JournalFixture f = new JournalFixture(root);
        try (Journal journal = f.open(options(4, 1000))) {
            for (int i = 0; i < 6; i++) {
                journal.append("detection", detection(i));
            }
        }
        // What a crash in the middle of the next write leaves: the start of a line, no newline.
        byte[] next = JournalLine.create(6, 1, "detection", new byte[32], detection(6).toString()).bytes();
        byte[] torn = java.util.Arrays.copyOf(next, next.length / 2);
        Path last = f.segment(4);
        byte[] before = Files.readAllBytes(last);
        Files.write(last, torn, java.nio.file.StandardOpenOption.APPEND);
        List<JournalLine> replayed = new ArrayList<>();
        try (Journal journal = f.open(f.dir, options(4, 1000), replayed)) {
            assertEquals(6, replayed.size());
            assertEquals(7, journal.size());
            JournalLine recovery = journal.read(6);
            assertEquals(Journal.TYPE_RECOVERY, recovery.type());
            assertEquals(torn.length, recovery.dataJson().get("truncated_bytes").getAsLong());
            assertEquals(Journal.segmentName(4), recovery.dataJson().get("segment").getAsString());
            assertArrayEquals(journal.leafHash(5), recovery.prev());
            assertEquals(6, journal.append("detection", detection(6)).seq() - 1);
        }
        byte[] after = Files.readAllBytes(last);
        assertArrayEquals(before, java.util.Arrays.copyOf(after, before.length), "the good lines are untouched");
        assertEquals(4, lines(last).size());
        JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), null);
        assertTrue(report.ok(), report.failure());
        assertEquals(8, report.entries());
    }

    @Test
    void garbageWithoutNewlineAtTheEndIsCutToo() throws Exception {
        JournalFixture f = new JournalFixture(root);
        f.write(3, 100);
        Files.write(f.segment(0), new byte[] {0, 0, 0, 0, 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        try (Journal journal = f.open(options(100, 1000))) {
            assertEquals(4, journal.size());
            assertEquals(7, journal.read(3).dataJson().get("truncated_bytes").getAsLong());
        }
    }

    @Test
    void damageBeforeTheLastLineRefusesToOpenNamingTheEntryAndChangesNothing() throws Exception {
        JournalFixture f = new JournalFixture(root);
        f.write(10, 4);
        Path middle = f.segment(4);
        List<byte[]> lines = lines(middle);
        byte[] line = lines.get(2); // entry 6
        line[line.length - 5] ^= 0x01; // inside its data
        writeLines(middle, lines);
        byte[] damaged = Files.readAllBytes(middle);
        JournalFormatException e = assertThrows(JournalFormatException.class, () -> f.open(options(4, 1000)));
        assertEquals(6, e.seq());
        assertTrue(e.getMessage().contains("entry 6") && e.getMessage().contains(Journal.segmentName(4)),
                e.getMessage());
        assertArrayEquals(damaged, Files.readAllBytes(middle));
        assertEquals(f.segments(), List.of(f.segment(0), f.segment(4), f.segment(8)));

        // The lock was released: once repaired (here: restored), the journal opens.
        line[line.length - 5] ^= 0x01;
        writeLines(middle, lines);
        try (Journal journal = f.open(options(4, 1000))) {
            assertEquals(10, journal.size());
        }
    }

    @Test
    void aJournalShorterThanItsCheckpointRefusesToOpen() throws Exception {
        JournalFixture f = new JournalFixture(root);
        f.write(10, 4);
        Path last = f.segment(8);
        List<byte[]> lines = lines(last);
        writeLines(last, lines.subList(0, 1)); // entry 9 gone
        JournalFormatException e = assertThrows(JournalFormatException.class, () -> f.open(options(4, 1000)));
        assertEquals(9, e.seq());
        assertTrue(e.getMessage().contains("has 9 entries but its checkpoint signed 10"), e.getMessage());

        // Cut in the middle of entry 8: the torn-tail repair must not run on a journal that is refused.
        Files.write(last, java.util.Arrays.copyOf(lines.get(0), 30));
        byte[] before = Files.readAllBytes(last);
        e = assertThrows(JournalFormatException.class, () -> f.open(options(4, 1000)));
        assertEquals(8, e.seq());
        assertTrue(e.getMessage().contains("has 8 entries but its checkpoint signed 10"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(last), "the refused journal is left as it was");
    }

    @Test
    void aSecondOpenWhileOpenFailsAndKeepsTheFirstOnesLock() throws Exception {
        JournalFixture f = new JournalFixture(root);
        try (Journal journal = f.open(options(4, 1000))) {
            journal.append("detection", detection(0));
            IOException e = assertThrows(IOException.class, () -> f.open(options(4, 1000)));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            Path viaOtherName = f.dir.getParent().resolve(".").resolve("journal");
            assertThrows(IOException.class, () -> f.open(viaOtherName, options(4, 1000), new ArrayList<>()));
            // Linux: the first opener's POSIX lock on journal.lock must still be there for other processes to see.
            Path locks = Path.of("/proc/locks");
            assumeTrue(Files.isReadable(locks));
            long inode = (Long) Files.getAttribute(f.dir.resolve(Journal.LOCK_FILE), "unix:ino");
            assertTrue(Files.readAllLines(locks).stream().anyMatch(l -> l.contains(":" + inode + " ")),
                    "journal.lock is still locked");
            assertEquals(2, journal.append("detection", detection(1)).seq() + 1);
        }
        try (Journal journal = f.open(options(4, 1000))) {
            assertEquals(2, journal.size());
        }
    }

    @Test
    void retentionDeletesOnlyOldDataOfTheGivenTypesInClosedSegments() throws Exception {
        JournalFixture f = new JournalFixture(root);
        long cutoff;
        byte[] root12;
        List<byte[]> leaves = new ArrayList<>();
        try (Journal journal = f.open(options(5, 1000))) {
            for (int i = 0; i < 12; i++) {
                journal.append(i % 2 == 0 ? "detection" : "access", detection(i));
            }
            cutoff = journal.read(7).timeMicros(); // entries 0..6 are older
            root12 = journal.root(12);
            for (int i = 0; i < 12; i++) {
                leaves.add(journal.leafHash(i));
            }
            assertThrows(IllegalArgumentException.class,
                    () -> journal.redact(Long.MAX_VALUE, Set.of("detection", Journal.TYPE_REDACTION), "all"));

            assertEquals(4, journal.redact(cutoff, Set.of("detection"), "retention 30 days"));
            assertEquals(13, journal.size());
            JournalLine redaction = journal.read(12);
            assertEquals(Journal.TYPE_REDACTION, redaction.type());
            JsonObject data = redaction.dataJson();
            assertEquals("retention 30 days", data.get("reason").getAsString());
            assertEquals(cutoff, data.get("before_us").getAsLong());
            assertEquals(List.of("detection"), data.getAsJsonArray("types").asList().stream()
                    .map(e -> e.getAsString()).toList());
            assertEquals("[[0,0],[2,2],[4,4],[6,6]]", data.getAsJsonArray("ranges").toString());
            assertRedacted(journal, Set.of(0L, 2L, 4L, 6L));

            // A cutoff after the redaction entry's own time is no retention (no retention is recorded here).
            assertThrows(IllegalArgumentException.class,
                    () -> journal.redact(Long.MAX_VALUE, Set.of("detection"), "retention"));
            // Everything old enough, but the open segment (10..) keeps its data.
            assertEquals(1, journal.redact(f.clock.get(), Set.of("detection"), "retention"));
            assertEquals("[[8,8]]", journal.read(13).dataJson().getAsJsonArray("ranges").toString());
            assertRedacted(journal, Set.of(0L, 2L, 4L, 6L, 8L));

            // Again: nothing left to delete, no entry written.
            assertEquals(0, journal.redact(Long.MAX_VALUE, Set.of("detection"), "retention"));
            assertEquals(14, journal.size());
            assertArrayEquals(root12, journal.root(12), "the tree is unchanged");
            for (int i = 0; i < 12; i++) {
                assertArrayEquals(leaves.get(i), journal.read(i).leafHash(), "leaf " + i);
            }
        }
        for (byte[] line : lines(f.segment(0))) {
            String text = new String(line, StandardCharsets.UTF_8);
            assertEquals(text.contains("\"type\":\"detection\""), !text.contains("\"data\":"), text);
        }
        JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), null);
        assertTrue(report.ok(), report.failure());
        assertEquals(5, report.redacted());
        try (Journal journal = f.open(options(5, 1000))) {
            assertEquals(14, journal.size());
            assertRedacted(journal, Set.of(0L, 2L, 4L, 6L, 8L));
        }
    }

    private static void assertRedacted(Journal journal, Set<Long> expected) throws IOException {
        for (JournalLine line : journal.read(0, 12)) {
            assertEquals(expected.contains(line.seq()), line.redacted(), "entry " + line.seq());
            if (!line.redacted()) {
                assertEquals(detection((int) line.seq()), line.dataJson());
            }
        }
    }

    @Test
    void entriesOverTheSizeLimitInBytesAreRefusedAndTheJournalGoesOn() throws Exception {
        JournalFixture f = new JournalFixture(root);
        try (Journal journal = f.open(options(100, 1000))) {
            String overhead = "{\"text\":\"\"}";
            JsonObject atLimit = new JsonObject();
            atLimit.addProperty("text", "a".repeat(Journal.MAX_ENTRY_BYTES - overhead.length()));
            assertEquals(Journal.MAX_ENTRY_BYTES, atLimit.toString().getBytes(StandardCharsets.UTF_8).length);
            assertEquals(0, journal.append("detection", atLimit).seq());

            JsonObject oneOver = new JsonObject();
            oneOver.addProperty("text", "a".repeat(Journal.MAX_ENTRY_BYTES - overhead.length() + 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> journal.append("detection", oneOver));
            assertTrue(e.getMessage().contains((Journal.MAX_ENTRY_BYTES + 1) + " bytes"), e.getMessage());

            // Fewer characters than the limit, twice as many bytes.
            JsonObject wide = new JsonObject();
            wide.addProperty("text", "é".repeat(Journal.MAX_ENTRY_BYTES / 2));
            assertTrue(wide.toString().length() < Journal.MAX_ENTRY_BYTES);
            assertThrows(IllegalArgumentException.class, () -> journal.append("detection", wide));

            assertTrue(journal.healthy());
            assertEquals(1, journal.size());
            assertEquals(1, journal.append("detection", detection(1)).seq());
        }
        assertTrue(JournalVerifier.verify(f.dir, null, f.keys.publicKey(), null).ok());
    }

    @Test
    void aClosedJournalTakesNoEntries() throws Exception {
        JournalFixture f = new JournalFixture(root);
        Journal journal = f.open(options(100, 1000));
        journal.append("detection", detection(0));
        journal.close();
        journal.close();
        assertFalse(journal.healthy());
        IOException e = assertThrows(IOException.class, () -> journal.append("detection", detection(1)));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        assertEquals(1, Journal.open(f.dir, options(100, 1000), f.keys, () -> 0L, l -> { }).size());
    }

    @Test
    void badOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> options(0, 10));
        assertThrows(IllegalArgumentException.class, () -> options(10, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Journal.Options(1, java.time.Duration.ZERO, 1, java.time.Duration.ofSeconds(1)));
        assertEquals(Journal.Options.DEFAULT_CHECKPOINT_EVERY, Journal.Options.defaults().checkpointEvery());
    }

    @Test
    void anErrorWhileSigningAPeriodicCheckpointDoesNotStopTheLaterOnes() throws Exception {
        JournalFixture f = new JournalFixture(root);
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean(true);
        // While "failing", the checkpoint thread meets an Error when it reads the clock, as under heap exhaustion.
        java.util.function.LongSupplier clockThatFails = () -> {
            if (Thread.currentThread().getName().equals("journal-checkpoints") && failing.get()) {
                throw new OutOfMemoryError("injected: Java heap space");
            }
            return clock.addAndGet(1000);
        };
        Journal.Options options = new Journal.Options(100, java.time.Duration.ofDays(1), 1_000_000,
                java.time.Duration.ofMillis(50));
        try (Journal journal = Journal.open(f.dir, options, f.keys, clockThatFails, l -> { })) {
            assertTrue(journal.checkpointsHealthy());
            journal.append("detection", detection(0));
            org.earshot.testing.Await.until(() -> !journal.checkpointsHealthy(), java.time.Duration.ofSeconds(30),
                    () -> "the failing checkpoint does not show in the health check");
            failing.set(false);
            journal.append("detection", detection(1));
            org.earshot.testing.Await.until(() -> journal.latestCheckpoint() != null
                    && journal.latestCheckpoint().treeSize() == 2, java.time.Duration.ofSeconds(30),
                    () -> "periodic checkpoints stopped after the error; latest " + journal.latestCheckpoint());
            assertTrue(journal.checkpointsHealthy());
            assertTrue(journal.healthy());
        }
    }
}
