package org.earshot.journal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.earshot.journal.JournalFixture.detection;
import static org.earshot.journal.JournalFixture.lines;
import static org.earshot.journal.JournalFixture.writeLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Early deletion dressed up as retention: an attacker cuts a detection's data and appends, at the end of the chain
 * (which needs no key), a {@code redaction} entry whose cutoff lies in the future. Every redaction must respect the
 * retention the journal recorded ({@code journal.retention_days} of the {@code config} entry in effect), counted
 * back from the redaction entry's own time; the journal itself must refuse to write one that does not.
 */
class EarlyRedactionTest {
    private static final long DAY = 86_400_000_000L;

    @TempDir
    Path root;
    private JournalFixture f;
    private Checkpoint closing;

    /** A config entry recording 30 days of retention, a start, 10 detections; closed (a closing checkpoint). */
    @BeforeEach
    void writeJournal() throws Exception {
        f = new JournalFixture(root);
        try (Journal journal = f.open(JournalFixture.options(4, 1000))) {
            journal.append("config", SignedHistoryTest.config(1000, 60, 30));
            journal.append("start", new JsonObject());
            journal.checkpoint();
            for (int i = 0; i < 10; i++) {
                journal.append("detection", detection(i));
            }
        }
        JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), null);
        assertTrue(report.ok(), report.failure());
        closing = report.latest();
        assertEquals(12, closing.treeSize());
    }

    @Test
    void aDetectionDeletedDaysEarlyWithAFutureCutoffFails() throws Exception {
        f.clock.addAndGet(2 * DAY); // two days later: nothing is 30 days old yet
        forgeRedaction(List.of(), 5, f.clock.get() + 3650 * DAY);
        for (Checkpoint saved : new Checkpoint[] {null, closing}) {
            JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), saved);
            assertFalse(report.ok(), "an early deletion must not verify");
            assertEquals(12, report.failedSeq(), report.failure());
            assertTrue(report.failure().contains("redaction entry 12 deletes data up to"), report.failure());
            assertTrue(report.failure().contains("retention of 30 days"), report.failure());
        }
    }

    /** The forged redaction's own config entry, claiming 1 day, is after the last checkpoint: the signed 30 stand. */
    @Test
    void aForgedConfigBeforeTheForgedRedactionDoesNotLowerTheRetention() throws Exception {
        f.clock.addAndGet(2 * DAY);
        forgeRedaction(List.of(SignedHistoryTest.config(1000, 60, 1)), 5, f.clock.get() - DAY - 1);
        JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), closing);
        assertFalse(report.ok(), "an early deletion must not verify");
        assertTrue(report.failure().contains("retention of 30 days"), report.failure());
    }

    @Test
    void theJournalRefusesAnEarlyRedactionAndWritesARealOne() throws Exception {
        try (Journal journal = f.open(JournalFixture.options(4, 1000))) {
            f.clock.addAndGet(2 * DAY);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> journal.redact(f.clock.get() - DAY, Set.of("detection"), "retention"));
            assertTrue(e.getMessage().contains("recorded retention of 30 days"), e.getMessage());
            assertEquals(12, journal.size(), "nothing written");
            f.clock.addAndGet(30 * DAY);
            assertTrue(journal.redact(f.clock.get() - 30 * DAY, Set.of("detection"), "retention") > 0);
        }
        JournalVerifier.Report report = JournalVerifier.verify(f.dir, null, f.keys.publicKey(), closing);
        assertTrue(report.ok(), report.failure());
        assertTrue(report.redacted() > 0);
    }

    @Test
    void aRecordedRetentionOfZeroAllowsNoRedaction() throws Exception {
        try (Journal journal = f.open(JournalFixture.options(4, 1000))) {
            journal.append("config", SignedHistoryTest.config(1000, 60, 0));
            journal.append("start", new JsonObject());
            journal.checkpoint();
            f.clock.addAndGet(400 * DAY);
            assertThrows(IllegalArgumentException.class,
                    () -> journal.redact(f.clock.get() - 365 * DAY, Set.of("detection"), "retention"));
        }
    }

    /** Cuts entry {@code victim}'s data, then appends {@code extra} entries and a redaction listing it. */
    private void forgeRedaction(List<JsonObject> extraConfigs, long victim, long beforeUs) throws Exception {
        List<JournalLine> all = new ArrayList<>();
        for (Path segment : f.segments()) {
            for (byte[] line : lines(segment)) {
                all.add(JournalLine.parse(line, all.size()));
            }
        }
        all.set((int) victim, all.get((int) victim).withoutData());
        JournalLine last = all.get(all.size() - 1);
        byte[] prev = last.leafHash();
        long time = f.clock.get();
        for (JsonObject config : extraConfigs) {
            JournalLine line = JournalLine.create(all.size(), time, "config", prev, config.toString());
            all.add(line);
            prev = line.leafHash();
        }
        JsonObject data = new JsonObject();
        data.addProperty("reason", "retention of 30 days");
        data.addProperty("before_us", beforeUs);
        JsonArray types = new JsonArray();
        types.add("detection");
        data.add("types", types);
        JsonArray range = new JsonArray();
        range.add(victim);
        range.add(victim);
        JsonArray ranges = new JsonArray();
        ranges.add(range);
        data.add("ranges", ranges);
        all.add(JournalLine.create(all.size(), time, Journal.TYPE_REDACTION, prev, data.toString()));
        for (Path segment : f.segments()) {
            java.nio.file.Files.delete(segment);
        }
        for (int first = 0; first < all.size(); first += 4) {
            List<byte[]> bytes = new ArrayList<>();
            for (int i = first; i < Math.min(first + 4, all.size()); i++) {
                bytes.add(all.get(i).bytes());
            }
            writeLines(f.segment(first), bytes);
        }
        assertEquals(new String(all.get(all.size() - 1).bytes(), StandardCharsets.UTF_8),
                new String(lines(f.segment((all.size() - 1) / 4 * 4)).get((all.size() - 1) % 4),
                        StandardCharsets.UTF_8));
    }
}
