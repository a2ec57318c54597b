package org.earshot.app;

import com.google.gson.JsonObject;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.DetectorConfig;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.earshot.journal.JournalVerifier;
import org.earshot.journal.RecordedConfig;
import org.earshot.pipeline.Metrics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service's start-up check of the signed history: on a journal whose past was rewritten and re-chained without
 * the key, with the checkpoints that would show it deleted, the service refuses to start (and writes nothing, so it
 * signs nothing over the forged past); on a journal of clean stops and starts and of a kill -9 between checkpoints it
 * starts, and the journal verifies.
 */
class ServiceJournalHistoryTest {
    @TempDir
    Path dir;
    private SensorRegistry registry;
    private final DetectorConfig detector = DetectorConfig.defaults(new float[] {0.9f, 0.9f, 0.9f});

    @BeforeEach
    void sensors() throws Exception {
        Path sensorsFile = dir.resolve("sensors.json");
        Files.writeString(sensorsFile, "{\"version\": 1, \"sensors\": [{\"id\": \"s1\", \"token_sha256\": \""
                + SensorRegistry.tokenSha256("token") + "\", \"location\": \"Market Square\", \"enabled\": true}]}");
        registry = SensorRegistry.load(sensorsFile);
    }

    @Test
    void theServiceRefusesToStartOnARewrittenPastWhoseCheckpointsWereDeleted() throws Exception {
        ServeConfig config = config(dir.resolve("data"));
        for (int run = 0; run < 3; run++) {
            try (ServiceJournal sj = ServiceJournal.open(config, registry, "m", detector, new Metrics())) {
                for (int i = 0; i < 20; i++) {
                    sj.recordRequest(request(run, i));
                }
            }
        }
        Path journalDir = config.journalDir();
        rewriteRequest(journalDir, 5);
        Files.delete(journalDir.resolve(Journal.CHECKPOINTS_FILE));
        byte[] before = Files.readAllBytes(journalDir.resolve(Journal.segmentName(0)));

        IOException e = assertThrows(IOException.class,
                () -> ServiceJournal.open(config, registry, "m", detector, new Metrics()).close());
        assertTrue(e.getMessage().contains("signed history missing"), e.getMessage());
        assertTrue(e.getMessage().contains("stop entry"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(journalDir.resolve(Journal.segmentName(0))),
                "nothing appended");
        assertTrue(!Files.exists(journalDir.resolve(Journal.CHECKPOINTS_FILE)), "nothing signed");
        JournalVerifier.Report report = verify(config);
        assertTrue(!report.ok() && report.failure().contains("signed history missing"), report.failure());
    }

    @Test
    void cleanStopsAndStartsAndAKillBetweenCheckpointsStillStartAndVerify() throws Exception {
        ServeConfig config = config(dir.resolve("data"));
        for (int run = 0; run < 2; run++) {
            try (ServiceJournal sj = ServiceJournal.open(config, registry, "m", detector, new Metrics())) {
                sj.recordRequest(request(run, 0));
            }
        }
        Path killed = dir.resolve("killed");
        try (ServiceJournal sj = ServiceJournal.open(config, registry, "m", detector, new Metrics())) {
            for (int i = 0; i < 50; i++) {
                sj.recordRequest(request(2, i));
            }
            copyDir(dir.resolve("data"), killed); // kill -9: no stop entry, no closing checkpoint
        }
        ServeConfig after = config(killed);
        JournalVerifier.Report crashed = verify(after);
        assertTrue(crashed.ok(), crashed.failure());
        assertEquals(50, crashed.unsignedTail());
        try (ServiceJournal sj = ServiceJournal.open(after, registry, "m", detector, new Metrics())) {
            JournalLine start = sj.journal.read(sj.journal.size() - 1);
            assertEquals("start", start.type());
            assertEquals("ended without a stop entry (killed or crashed)",
                    start.dataJson().get("previous_run").getAsString());
            assertEquals(sj.journal.size(), sj.journal.latestCheckpoint().treeSize(), "signed once started");
        }
        JournalVerifier.Report report = verify(after);
        assertTrue(report.ok(), report.failure());
        assertEquals(0, report.unsignedTail());
    }

    @Test
    void theRecordedSettingsAreTheOnesTheRuleReads() throws Exception {
        ServeConfig config = config(dir.resolve("data"));
        Map<String, String> settings = config.settings();
        assertEquals("1000", settings.get(RecordedConfig.CHECKPOINT_ENTRIES));
        assertEquals("60.0", settings.get(RecordedConfig.CHECKPOINT_SECONDS));
        assertEquals("365", settings.get(RecordedConfig.RETENTION_DAYS));
    }

    private ServeConfig config(Path dataDir) throws Exception {
        Path configFile = dir.resolve("config-" + dataDir.getFileName() + ".json");
        Files.writeString(configFile, "{\"data_dir\": \"" + dataDir + "\", \"sensors_file\": \""
                + dir.resolve("sensors.json") + "\"}");
        return ServeConfig.load(Optional.of(configFile), Map.of());
    }

    private static JournalVerifier.Report verify(ServeConfig config) throws IOException {
        return JournalVerifier.verify(config.journalDir(), null,
                JournalKeys.readPublic(JournalKeys.publicKeyFile(config.journalKeyFile())), null);
    }

    /** An API request record: what the service journals most often, and one the index does not parse. */
    private static JsonObject request(int run, int i) {
        JsonObject d = new JsonObject();
        d.addProperty("principal", "audit-office");
        d.addProperty("path", "/api/v1/detections");
        d.addProperty("n", run * 1000 + i);
        return d;
    }

    /** Changes who made the {@code nth} API request, then re-hashes and re-chains every entry after it. */
    private static void rewriteRequest(Path journalDir, int nth) throws Exception {
        Path segment = journalDir.resolve(Journal.segmentName(0));
        List<JournalLine> all = new ArrayList<>();
        for (String text : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
            all.add(JournalLine.parse(text.getBytes(StandardCharsets.UTF_8), all.size()));
        }
        int seen = 0;
        boolean rewriting = false;
        byte[] prev = new byte[32]; // entry 0 chains to zeros
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (JournalLine line : all) {
            String data = new String(line.data(), StandardCharsets.UTF_8);
            if (line.type().equals("api_request") && seen++ == nth) {
                data = data.replace("\"principal\":\"audit-office\"", "\"principal\":\"someone-else\"");
                rewriting = true;
            }
            JournalLine copy = rewriting ? JournalLine.create(line.seq(), line.timeMicros(), line.type(), prev, data)
                    : line;
            out.writeBytes(copy.bytes());
            out.write('\n');
            prev = copy.leafHash();
        }
        assertTrue(rewriting);
        Files.write(segment, out.toByteArray());
        assertTrue(JournalVerifier.verify(segment, null, List.of(JournalKeys.readPublic(
                JournalKeys.publicKeyFile(journalDir.resolveSibling("keys").resolve("journal-ed25519.pem")))), null)
                .ok(), "the rewritten entries chain and hash consistently");
    }

    private static void copyDir(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().equals(Journal.LOCK_FILE)) {
                    Files.copy(file, target);
                }
            }
        }
    }
}
