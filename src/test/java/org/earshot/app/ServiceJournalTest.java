package org.earshot.app;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.DetectorConfig;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.earshot.journal.JournalVerifier;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.OutputJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration record of a large sensor network: 1,000 sensors do not fit one journal entry (64 KiB), so the
 * service must still start, with the sensor list in {@code config_sensors} parts written before the {@code config}
 * entry, every sensor in them once and in order, and a journal that verifies. A second start with the same
 * configuration records no new config.
 */
class ServiceJournalTest {
    private static final int SENSORS = 1000;

    @TempDir
    Path dir;

    @Test
    void aThousandSensorsAreRecordedInPartsAndTheServiceStarts() throws Exception {
        StringBuilder sensors = new StringBuilder("{\"version\": 1, \"sensors\": [");
        for (int i = 0; i < SENSORS; i++) {
            sensors.append(i == 0 ? "" : ",").append("{\"id\": \"sensor-").append(i).append("\", \"token_sha256\": \"")
                    .append(SensorRegistry.tokenSha256("token-" + i)).append("\", \"location\": \"Market Square, pole ")
                    .append(i).append("\", \"description\": \"north-facing, 4 m high\", \"enabled\": true}");
        }
        Path sensorsFile = dir.resolve("sensors.json");
        Files.writeString(sensorsFile, sensors.append("]}"));
        Path configFile = dir.resolve("config.json");
        Files.writeString(configFile, "{\"data_dir\": \"" + dir.resolve("data") + "\", \"sensors_file\": \""
                + sensorsFile + "\"}");
        ServeConfig config = ServeConfig.load(Optional.of(configFile), Map.of());
        SensorRegistry registry = SensorRegistry.load(sensorsFile);
        DetectorConfig detector = DetectorConfig.defaults(new float[] {0.9f, 0.9f, 0.9f});
        for (int start = 0; start < 2; start++) {
            try (ServiceJournal sj = ServiceJournal.open(config, registry, "m", detector, new Metrics())) {
                assertTrue(sj.journal.healthy());
            }
        }

        List<JournalLine> entries = new ArrayList<>();
        try (Journal journal = Journal.open(config.journalDir(), Journal.Options.defaults(),
                JournalKeys.loadOrCreate(config.journalKeyFile()), OutputJson::nowMicros, entries::add)) {
            assertEquals(entries.size(), journal.size());
        }
        List<String> types = entries.stream().map(JournalLine::type).toList();
        long parts = types.stream().filter(ServiceJournal.TYPE_CONFIG_SENSORS::equals).count();
        assertTrue(parts >= 3, "1,000 sensors need several parts: " + types);
        assertEquals(ServiceJournal.TYPE_CONFIG, types.get((int) parts), "parts come first, then config: " + types);
        assertEquals(1, types.stream().filter(ServiceJournal.TYPE_CONFIG::equals).count(), "second start: " + types);
        assertEquals(2, types.stream().filter("start"::equals).count());

        JsonObject cfg = entries.get((int) parts).dataJson();
        assertFalse(cfg.has("sensors"));
        assertEquals(SENSORS, cfg.get("sensor_count").getAsInt());
        assertEquals(parts, cfg.get("sensor_parts").getAsLong());
        List<String> ids = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            JournalLine line = entries.get(p);
            assertTrue(line.data().length <= Journal.MAX_ENTRY_BYTES);
            JsonObject part = line.dataJson();
            assertEquals(cfg.get("config_sha256"), part.get("config_sha256"));
            assertEquals(p + 1, part.get("part").getAsInt());
            assertEquals(parts, part.get("parts").getAsLong());
            for (var s : part.getAsJsonArray("sensors")) {
                ids.add(s.getAsJsonObject().get("id").getAsString());
                assertFalse(s.toString().contains("token"), "never tokens or their hashes: " + s);
            }
        }
        assertEquals(registry.sensors().stream().map(s -> s.id()).toList(), ids);

        JournalVerifier.Report report = JournalVerifier.verify(config.journalDir(), null,
                JournalKeys.readPublic(JournalKeys.publicKeyFile(config.journalKeyFile())), null);
        assertTrue(report.ok(), report.failure());
    }

    @Test
    void partsStayUnderTheirSizeAndKeepTheOrder() {
        JsonArray sensors = new JsonArray();
        for (int i = 0; i < 50; i++) {
            JsonObject o = new JsonObject();
            o.addProperty("id", "s" + i);
            o.addProperty("location", "x".repeat(i * 3));
            sensors.add(o);
        }
        List<JsonArray> parts = ServiceJournal.parts(sensors, 400);
        JsonArray joined = new JsonArray();
        for (JsonArray p : parts) {
            assertTrue(p.toString().getBytes(StandardCharsets.UTF_8).length <= 400 || p.size() == 1, p.toString());
            joined.addAll(p);
        }
        assertEquals(sensors, joined);
        assertTrue(parts.size() > 5);
        assertEquals(List.of(new JsonArray()), ServiceJournal.parts(new JsonArray(), 400), "no sensors: one empty part");
    }
}
