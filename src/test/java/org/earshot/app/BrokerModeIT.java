package org.earshot.app;

import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.config.SensorRegistry;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.MosquittoBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker mode against a real Mosquitto (started here, with one user per sensor and the ACL of
 * {@code sensors/PROTOCOL.md}): detections of a sensor streaming through the broker equal {@code earshot detect}'s;
 * the ACL keeps a sensor off another sensor's topic; after the broker is killed and restarted, the service
 * reconnects, subscribes again and detects again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@RequiresServers({Server.MOSQUITTO})
class BrokerModeIT {
    @TempDir
    static Path dir;
    static MosquittoBroker broker;
    static LiveHarness live;
    static final String SERVICE_PASSWORD = SensorRegistry.newToken();
    static final String DASHBOARD_PASSWORD = SensorRegistry.newToken();

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("s1", SensorRegistry.newToken());
        tokens.put("s2", SensorRegistry.newToken());
        MosquittoBroker.Options options = MosquittoBroker.Options.defaults()
                .withUser("s1", tokens.get("s1")).withUser("s2", tokens.get("s2"))
                .withUser("earshot", SERVICE_PASSWORD).withUser("dashboard", DASHBOARD_PASSWORD)
                .withAcl("user earshot", "topic read earshot/v1/sensors/+/audio",
                        "topic read earshot/v1/sensors/+/status", "topic write earshot/v1/detections/#",
                        "topic write earshot/v1/alerts/#", "topic write earshot/v1/levels/#",
                        "topic write earshot/v1/journal/checkpoint",
                        "user dashboard", "topic read earshot/v1/journal/checkpoint", "topic read earshot/v1/detections/#", "topic read earshot/v1/alerts/#",
                        "pattern write earshot/v1/sensors/%u/audio", "pattern write earshot/v1/sensors/%u/status");
        Path brokerDir = Files.createDirectories(dir.resolve("mosquitto"));
        broker = MosquittoBroker.start(brokerDir, options);
        String config = """
                {"data_dir": "@DATA@", "sensors_file": "@SENSORS@",
                 "ingest": {"mode": "broker", "queue_seconds": 60, "max_clock_offset_seconds": 3153600000},
                 "broker": {"host": "127.0.0.1", "port": %d, "username": "earshot", "password": "%s",
                            "reconnect_seconds": 0.2},
                 "websocket": {"enabled": false},
                 "metrics": {"host": "127.0.0.1", "port": 0},
                 "http": {"host": "127.0.0.1", "port": 0}}
                """.formatted(broker.port(), SERVICE_PASSWORD);
        live = new LiveHarness(Files.createDirectories(dir.resolve("service")), config, tokens);
        assertTrue(live.service.brokerConnected());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            live.close();
        } finally {
            broker.close();
        }
    }

    private LiveHarness.Monitor dashboard() throws Exception {
        MqttClient client = MqttClient.create(live.clients, new MqttClientOptions().setClientId("dashboard")
                .setUsername("dashboard").setPassword(DASHBOARD_PASSWORD).setMaxMessageSize(65536));
        LiveHarness.Monitor monitor = new LiveHarness.Monitor(client);
        client.publishHandler(m -> monitor.messages.add(new LiveHarness.Message(m.topicName(),
                com.google.gson.JsonParser.parseString(m.payload().toString()).getAsJsonObject())));
        LiveHarness.await(client.connect(broker.port(), broker.host()));
        LiveHarness.await(client.subscribe(Map.of("earshot/v1/detections/#", 1)));
        return monitor;
    }

    private void streamDemo(String sensor, long t0, LiveHarness.Monitor monitor) throws Exception {
        MqttSensorClient client = new MqttSensorClient(live.clients, broker.host(), broker.port(), sensor,
                live.tokens.get(sensor), 100, null);
        LiveHarness.await(client.connect());
        LiveHarness.await(LiveHarness.sendAll(client, LiveHarness.demoFrames(0, t0)));
        List<JsonObject> finals = monitor.awaitCount("earshot/v1/detections/" + sensor + "/",
                LiveHarness.detectCommandOutput().size());
        LiveHarness.assertSameAsDetect(finals, sensor, t0);
        LiveHarness.await(client.close());
    }

    @Test
    @Order(1)
    void detectionsThroughTheBrokerEqualEarshotDetect() throws Exception {
        LiveHarness.Monitor monitor = dashboard();
        streamDemo("s1", LiveHarness.T0, monitor);
        LiveHarness.await(monitor.client.disconnect());
    }

    @Test
    @Order(2)
    void theBrokersAclKeepsASensorOffAnotherSensorsTopic() throws Exception {
        MqttClient s1 = MqttClient.create(live.clients, new MqttClientOptions().setClientId("s1")
                .setUsername("s1").setPassword(live.tokens.get("s1")));
        LiveHarness.await(s1.connect(broker.port(), broker.host()));
        long before = live.service.metrics().sensor("s1").framesAccepted();
        byte[] frame = LiveHarness.demoFrames(0, LiveHarness.T0).get(0);
        LiveHarness.await(s1.publish("earshot/v1/sensors/s2/audio", Buffer.buffer(frame), MqttQoS.AT_LEAST_ONCE,
                false, false));
        // A frame on its own topic after it: once that one has arrived, the forged one would have too.
        LiveHarness.await(s1.publish("earshot/v1/sensors/s1/audio", Buffer.buffer(frame), MqttQoS.AT_LEAST_ONCE,
                false, false));
        Await.until(() -> live.service.metrics().sensor("s1").framesAccepted() == before + 1, LiveHarness.WAIT,
                () -> "s1's own frame did not arrive");
        assertEquals(0, live.service.metrics().sensor("s2").framesAccepted(), "a frame forged for s2 got through");
        assertTrue(broker.logText().contains("Denied PUBLISH from s1"), "mosquitto logs the refusal");
        LiveHarness.await(s1.disconnect());
    }

    @Test
    @Order(3)
    void afterTheBrokerIsKilledAndRestartedTheServiceSubscribesAgain() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + live.service.httpPort() + "/health");
        broker.kill();
        Await.until(() -> !live.service.brokerConnected(), LiveHarness.WAIT, () -> "disconnect not noticed");
        HttpResponse<String> down = http.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, down.statusCode());
        assertTrue(down.body().contains("broker_connected"), down.body());
        broker.restart();
        Await.until(live.service::brokerConnected, LiveHarness.WAIT, () -> "the service did not reconnect");
        assertEquals(200, http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());
        LiveHarness.Monitor monitor = dashboard();
        streamDemo("s2", LiveHarness.T0 + 3_600_000_000L, monitor);
        LiveHarness.await(monitor.client.disconnect());
    }

    /**
     * The newest signed checkpoint is retained on the broker, for auditors to keep: a subscriber gets it at once, it
     * verifies with the journal's public key, and after the broker restarted (the test before) it is there again.
     */
    @Test
    @Order(4)
    void theNewestCheckpointIsRetainedOnTheBrokerForAuditors() throws Exception {
        MqttClient client = MqttClient.create(live.clients, new MqttClientOptions().setClientId("auditor")
                .setUsername("dashboard").setPassword(DASHBOARD_PASSWORD).setMaxMessageSize(65536));
        List<String> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        client.publishHandler(m -> {
            if (m.topicName().equals(org.earshot.ingest.Topics.CHECKPOINT) && m.isRetain()) {
                received.add(m.payload().toString());
            }
        });
        Await.until(() -> live.service.brokerConnected(), LiveHarness.WAIT, () -> "the service did not reconnect");
        LiveHarness.await(client.connect(broker.port(), broker.host()));
        try {
            LiveHarness.await(client.subscribe(Map.of(org.earshot.ingest.Topics.CHECKPOINT, 1)));
            Await.until(() -> !received.isEmpty(), LiveHarness.WAIT, () -> "no retained checkpoint");
            org.earshot.journal.Checkpoint c = org.earshot.journal.Checkpoint.parse(received.get(0));
            assertTrue(c.treeSize() > 0);
            assertTrue(c.verify(org.earshot.journal.JournalKeys.readPublic(
                    live.dir.resolve("keys").resolve("journal-ed25519.pem.pub"))), "signed by the journal's key");
        } finally {
            LiveHarness.await(client.disconnect());
        }
    }
}
