package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.earshot.pipeline.OutputJson;
import org.earshot.detect.Detection;
import org.earshot.detect.DetectorConfig;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.earshot.pipeline.SensorDetection;
import org.earshot.pipeline.SensorProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink publishes only what the journal holds, and nothing when the journal cannot write. */
class JournalSinkTest {
    @TempDir
    Path dir;

    private static SensorDetection detection(SensorDetection.Stage stage) {
        return new SensorDetection(SensorProfile.uncalibrated("s1"), stage,
                new Detection("glass_break", 1.0, 1.5, 0.9, -12.0), 1_795_900_000_000_000L, 1_795_900_002_000_000L);
    }

    @Test
    void outputsSeeADetectionOnlyAfterItsEntryIsOnDisk() throws Exception {
        JournalKeys keys = JournalKeys.loadOrCreate(dir.resolve("key.pem"));
        List<JournalLine> replayed = new ArrayList<>();
        Journal journal = Journal.open(dir.resolve("journal"), Journal.Options.defaults(), keys,
                OutputJson::nowMicros, replayed::add);
        JournalSink sink = new JournalSink(journal, "earshot-v2", DetectorConfig.defaults(new float[] {0.5f, 0.6f,
                0.7f}));
        List<String> seen = new ArrayList<>();
        sink.addOutput(d -> {
            // By the time an output runs, the entry is durable and readable.
            assertEquals(seen.size() + 1, journal.durableSize());
            seen.add(d.stage() + " " + d.id());
        });
        sink.accept(detection(SensorDetection.Stage.STARTED));
        sink.accept(detection(SensorDetection.Stage.FINAL));
        assertEquals(2, seen.size());
        assertEquals(List.of("alert", "detection"), journal.read(0, 10).stream().map(JournalLine::type).toList());
        assertEquals(0.6, journal.read(1).dataJson().get("threshold").getAsDouble(), 1e-6);

        journal.close();
        sink.accept(detection(SensorDetection.Stage.FINAL));
        assertEquals(2, seen.size(), "a detection the journal could not take is not published");
        assertEquals(1, sink.failures());
        assertTrue(!journal.healthy());
    }
}
