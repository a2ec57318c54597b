package org.earshot.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import com.google.gson.JsonObject;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriterPositionsTest {
    static final String TOPIC = "earshot.records";

    @TempDir
    Path dir;

    private static ClusterRecord record(String id) {
        JsonObject data = new JsonObject();
        data.addProperty("id", id);
        return new ClusterRecord(ClusterRecord.recordId("detection", id), "node-a", "detection", "s1", data);
    }

    @Test
    void aNewWriterRebuildsItsPositionsFromTheJournalItWrote() throws Exception {
        Path journalDir = dir.resolve("journal");
        JournalKeys keys = JournalKeys.loadOrCreate(dir.resolve("key.pem"));
        WriterPositions first = new WriterPositions(TOPIC);
        try (Journal journal = Journal.open(journalDir, Journal.Options.defaults(), keys, System::nanoTime,
                first)) {
            // Partition 0: offsets 0..2; partition 2: offset 7 (others were refused and never journaled).
            long[][] at = {{0, 0}, {0, 1}, {2, 7}, {0, 2}};
            for (int i = 0; i < at.length; i++) {
                ClusterRecord r = record("e" + i);
                journal.append(r.type(), WriterPositions.entryData(r, TOPIC, (int) at[i][0], at[i][1]));
                first.appended((int) at[i][0], at[i][1], r.recordId());
            }
            // An entry of another topic, and one that is no cluster record, say nothing about positions.
            ClusterRecord other = record("other");
            journal.append("detection", WriterPositions.entryData(other, "another.records", 0, 99));
            journal.append("start", new JsonObject());
        }
        WriterPositions replayed = new WriterPositions(TOPIC);
        List<JournalLine> lines = new ArrayList<>();
        try (Journal journal = Journal.open(journalDir, Journal.Options.defaults(), keys, System::nanoTime,
                line -> {
                    lines.add(line);
                    replayed.accept(line);
                })) {
            assertTrue(lines.size() >= 6, "replayed " + lines.size());
        }
        assertEquals(Map.of(0, 3L, 2, 8L), replayed.positions());
        assertEquals(first.positions(), replayed.positions());
        assertEquals(OptionalLong.empty(), replayed.next(1));
        // What it journaled is not journaled again, by offset or (a new offset, the same detection) by id.
        assertEquals(WriterPositions.Decision.ALREADY_JOURNALED, replayed.decide(0, 2, "anything"));
        assertEquals(WriterPositions.Decision.DUPLICATE_ID, replayed.decide(1, 0, "detection/e1"));
        assertEquals(WriterPositions.Decision.APPEND, replayed.decide(0, 3, "detection/e9"));
        assertEquals(WriterPositions.Decision.APPEND, replayed.decide(0, 3, "detection/other"));
    }

    @Test
    void aRefusedRecordMovesThePositionOnWithoutRememberingAnId() {
        WriterPositions p = new WriterPositions(TOPIC);
        p.passed(4, 10);
        assertEquals(OptionalLong.of(11), p.next(4));
        p.passed(4, 3);
        assertEquals(OptionalLong.of(11), p.next(4), "positions never go back");
        assertEquals(WriterPositions.Decision.APPEND, p.decide(4, 11, "x"));
    }

    @Test
    void theRecentIdsAreBoundedOldestFirst() {
        WriterPositions p = new WriterPositions(TOPIC, 3);
        for (int i = 0; i < 4; i++) {
            p.appended(0, i, "id" + i);
        }
        assertEquals(WriterPositions.Decision.APPEND, p.decide(1, 0, "id0"), "the oldest id was forgotten");
        for (int i = 1; i < 4; i++) {
            assertEquals(WriterPositions.Decision.DUPLICATE_ID, p.decide(1, 0, "id" + i));
        }
    }

    @Test
    void theEntryDataIsTheNodesDataWithItsSource() {
        ClusterRecord r = record("e1");
        JsonObject data = WriterPositions.entryData(r, TOPIC, 2, 41);
        assertEquals("e1", data.get("id").getAsString());
        JsonObject source = data.getAsJsonObject(WriterPositions.SOURCE);
        assertEquals(TOPIC, source.get("topic").getAsString());
        assertEquals(2, source.get("partition").getAsInt());
        assertEquals(41, source.get("offset").getAsLong());
        assertEquals("detection/e1", source.get("record_id").getAsString());
        assertEquals("node-a", source.get("node").getAsString());
        assertTrue(!r.data().has(WriterPositions.SOURCE), "the record's own data is not changed");
    }
}
