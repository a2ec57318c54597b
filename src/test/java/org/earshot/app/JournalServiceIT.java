package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.google.gson.JsonObject;
import org.earshot.pipeline.OutputJson;
import org.earshot.config.SensorRegistry;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.earshot.journal.JournalVerifier;
import org.earshot.sensor.MqttSensorClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service and its journal end to end: every alert and detection published on MQTT is in the journal (as the
 * same JSON plus the thresholds in force), the configuration (again when it changes) and every start and stop are
 * recorded, and the journal verifies offline.
 */
class JournalServiceIT {
    static final String HOST = "127.0.0.1";
    @TempDir
    Path dir;

    @Test
    void everyPublishedDetectionIsJournaledWithItsThresholdsAndTheJournalVerifies() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("s1", SensorRegistry.newToken());
        tokens.put("watcher", SensorRegistry.newToken());
        List<JsonObject> published = new ArrayList<>();
        try (LiveHarness live = new LiveHarness(dir, LiveHarness.embeddedConfig(), tokens)) {
            for (int run = 0; run < 2; run++) {
                LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                        "earshot/v1/detections/#", "earshot/v1/alerts/#");
                MqttSensorClient s1 = new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), "s1",
                        tokens.get("s1"), 100, null);
                LiveHarness.await(s1.connect());
                long t0 = LiveHarness.T0 + run * 60_000_000L;
                LiveHarness.await(LiveHarness.sendAll(s1, LiveHarness.demoFrames(run * 1000L, t0)));
                int expected = LiveHarness.detectCommandOutput().size();
                published.addAll(monitor.awaitCount("earshot/v1/detections/", expected));
                published.addAll(monitor.awaitCount("earshot/v1/alerts/", expected));
                LiveHarness.await(s1.close());
                monitor.client.disconnect();
                if (run == 0) {
                    live.restart();
                }
            }
        }

        Path journalDir = dir.resolve("journal");
        Path keyFile = dir.resolve("keys").resolve("journal-ed25519.pem");
        JournalVerifier.Report report = JournalVerifier.verify(journalDir, null,
                JournalKeys.readPublic(JournalKeys.publicKeyFile(keyFile)), null);
        assertTrue(report.ok(), report.failure());
        assertEquals(0, report.unsignedTail(), "a clean stop signs a checkpoint of everything");

        List<JournalLine> entries = new ArrayList<>();
        try (Journal journal = Journal.open(journalDir, Journal.Options.defaults(), JournalKeys.loadOrCreate(keyFile),
                OutputJson::nowMicros, entries::add)) {
            assertEquals(entries.size(), journal.size());
        }
        Map<String, JsonObject> journaled = new LinkedHashMap<>();
        for (JournalLine e : entries) {
            if (e.type().equals("detection") || e.type().equals("alert")) {
                JsonObject data = e.dataJson();
                journaled.put(e.type() + "/" + data.get("id").getAsString(), data);
            }
        }
        assertFalse(published.isEmpty());
        for (JsonObject p : published) {
            String type = p.get("stage").getAsString().equals("final") ? "detection" : "alert";
            JsonObject j = journaled.get(type + "/" + p.get("id").getAsString());
            assertNotNull(j, "published " + type + " " + p.get("id") + " is not in the journal");
            for (String field : p.keySet()) {
                assertEquals(p.get(field), j.get(field), field + " of " + p.get("id"));
            }
            assertTrue(j.get("threshold").getAsDouble() > 0 && j.has("off_threshold"), "thresholds in force");
        }
        assertEquals(published.size(), journaled.size(), "the journal holds exactly what was published");

        List<String> lifecycle = entries.stream().map(JournalLine::type)
                .filter(t -> Set.of("config", "start", "stop").contains(t)).collect(Collectors.toList());
        // The restart pins the ports the first run was given (0 before), so it runs a changed configuration.
        assertEquals(List.of("config", "start", "stop", "config", "start", "stop"), lifecycle);
        List<JsonObject> configs = entries.stream().filter(e -> e.type().equals("config")).map(JournalLine::dataJson)
                .toList();
        assertEquals(configs.get(0).get("config_sha256"), configs.get(1).get("previous_sha256"));
        JournalLine secondStart = entries.stream().filter(e -> e.type().equals("start")).skip(1).findFirst()
                .orElseThrow();
        assertEquals("stopped cleanly", secondStart.dataJson().get("previous_run").getAsString());
        JsonObject config = configs.get(0);
        assertEquals("<not set>", config.getAsJsonObject("settings").get("broker.password").getAsString());
        assertEquals("s1", config.getAsJsonArray("sensors").get(0).getAsJsonObject().get("id").getAsString());
        assertFalse(config.toString().contains("token"), "no token or token hash in the journal");
    }
}
