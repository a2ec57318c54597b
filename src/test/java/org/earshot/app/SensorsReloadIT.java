package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.Vertx;
import org.earshot.cli.CliRunner;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.journal.JournalKeys;
import org.earshot.sensor.Credentials;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensors file read again while {@code earshot serve} runs (issue 15, item 8): a sensor added with
 * {@code earshot sensors add} may stream without a restart; a sensor removed from the file has its MQTT and WebSocket
 * connections closed and is refused when it connects again; a file that does not load keeps the sensors in force and
 * is counted; every change is a {@code config} entry of the journal, which still verifies.
 */
class SensorsReloadIT {
    @TempDir
    Path dir;

    @Test
    void sensorsAddedAndRemovedWhileServingTakeEffectAndAreJournaled() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("s1", SensorRegistry.newToken());
        tokens.put("s2", SensorRegistry.newToken());
        Vertx vertx = Vertx.vertx();
        try (ServiceProcess service = ServiceProcess.create(dir.resolve("service"), tokens, new JsonObject())) {
            service.start();
            assertEquals(2, sensorsKnown(service));

            // Added while serving: streams at once.
            Path csv = dir.resolve("late-1.credentials.csv");
            CliRunner.Run add = CliRunner.run("sensors", "add", "--file", service.sensorsFile().toString(), "--id",
                    "late-1", "--credentials-out", csv.toString());
            assertEquals(0, add.exitCode(), add.err());
            String lateToken = Credentials.read(csv).get(0).token();
            Await.until(() -> sensorsKnown(service) == 3, LiveHarness.WAIT, () -> "the new sensor was not loaded");
            List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0).subList(0, 10);
            MqttSensorClient late = new MqttSensorClient(vertx, ServiceProcess.HOST, service.mqttPort(), "late-1",
                    lateToken, 100, null);
            LiveHarness.await(late.connect());
            LiveHarness.await(LiveHarness.sendAll(late, frames));
            Await.until(() -> service.sensorCounter("earshot_frames_accepted_total", "late-1") == frames.size(), LiveHarness.WAIT,
                    () -> "frames of the new sensor accepted: " + service.sensorCounter("earshot_frames_accepted_total", "late-1"));

            // Removed while connected on both transports: both connections close, and it is refused afterwards.
            MqttSensorClient s2Mqtt = new MqttSensorClient(vertx, ServiceProcess.HOST, service.mqttPort(), "s2",
                    tokens.get("s2"), 100, null);
            LiveHarness.await(s2Mqtt.connect());
            WebSocketSensorClient s2Ws = new WebSocketSensorClient(vertx, ServiceProcess.HOST,
                    service.webSocketPort(), "s2", tokens.get("s2"), null, e -> { });
            LiveHarness.await(s2Ws.connect());
            List<SensorRecord> kept = new ArrayList<>(SensorRegistry.load(service.sensorsFile()).sensors());
            kept.removeIf(s -> s.id().equals("s2"));
            SensorRegistry.write(service.sensorsFile(), kept);
            Await.until(() -> !s2Mqtt.isConnected() && !s2Ws.isConnected(), LiveHarness.WAIT,
                    () -> "s2's connections stayed open: MQTT " + s2Mqtt.isConnected() + ", WebSocket "
                            + s2Ws.isConnected());
            assertEquals(2, sensorsKnown(service));
            MqttSensorClient again = new MqttSensorClient(vertx, ServiceProcess.HOST, service.mqttPort(), "s2",
                    tokens.get("s2"), 100, null);
            assertThrows(Exception.class, () -> LiveHarness.await(again.connect()), "a removed sensor connected");
            WebSocketSensorClient wsAgain = new WebSocketSensorClient(vertx, ServiceProcess.HOST,
                    service.webSocketPort(), "s2", tokens.get("s2"), null, e -> { });
            assertThrows(Exception.class, () -> LiveHarness.await(wsAgain.connect()), "a removed sensor connected");
            assertTrue(late.isConnected(), "a sensor that stays in the file keeps its connection");

            // A file that does not load: the sensors in force stay, the error is logged and counted.
            Files.writeString(service.sensorsFile(), "{\"version\": 1, \"sensors\": [", StandardCharsets.UTF_8);
            Await.until(() -> service.metric("earshot_config_reload_errors_total") == 1, LiveHarness.WAIT,
                    () -> "the bad sensors file was not counted");
            assertEquals(2, sensorsKnown(service));
            MqttSensorClient s1 = new MqttSensorClient(vertx, ServiceProcess.HOST, service.mqttPort(), "s1",
                    tokens.get("s1"), 100, null);
            LiveHarness.await(s1.connect());
            LiveHarness.await(s1.close());
            LiveHarness.await(late.close());
            assertEquals(ServiceProcess.EXIT_SIGTERM, service.stop());
            String log = service.stderr();
            assertTrue(log.contains("sensors file " + service.sensorsFile() + " changed but does not load"), log);

            // The journal: the configuration at start, then one config entry per change that loaded.
            List<List<String>> configs = new ArrayList<>();
            try (var files = Files.list(service.journalDir())) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted()
                        .toList()) {
                    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                        JsonObject entry = JsonParser.parseString(line).getAsJsonObject();
                        if (entry.get("type").getAsString().equals("config")) {
                            List<String> ids = new ArrayList<>();
                            for (JsonElement s : entry.getAsJsonObject("data").getAsJsonArray("sensors")) {
                                ids.add(s.getAsJsonObject().get("id").getAsString());
                            }
                            configs.add(ids.stream().sorted().toList());
                        }
                    }
                }
            }
            assertEquals(List.of(List.of("s1", "s2"), List.of("late-1", "s1", "s2"), List.of("late-1", "s1")),
                    configs, "the config entries' sensors, sorted");
            CliRunner.Run verify = CliRunner.run("verify", service.journalDir().toString(), "--public-key",
                    JournalKeys.publicKeyFile(service.journalKeyFile()).toString());
            assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static int sensorsKnown(ServiceProcess service) {
        return JsonParser.parseString(new String(service.get("/health").body(), StandardCharsets.UTF_8))
                .getAsJsonObject().get("sensors_known").getAsInt();
    }
}
