package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.config.SensorRegistry;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.TrustStore;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.testing.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on every listener: sensors that trust the service's certificate stream over MQTT and WebSocket and get their
 * detections; a client speaking plain MQTT to the TLS port gets nothing; health answers over HTTPS.
 */
class TlsIT {
    @TempDir
    Path dir;

    @Test
    void sensorsStreamOverTlsAndPlainClientsAreRefused() throws Exception {
        TestTls tls = TestTls.create(Files.createDirectories(dir.resolve("tls")));
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("s1", SensorRegistry.newToken());
        tokens.put("s2", SensorRegistry.newToken());
        String config = """
                {"data_dir": "@DATA@", "sensors_file": "@SENSORS@",
                 "ingest": {"queue_seconds": 60, "max_clock_offset_seconds": 3153600000},
                 "mqtt": {"host": "127.0.0.1", "port": 0, "tls": true},
                 "websocket": {"host": "127.0.0.1", "port": 0, "tls": true},
                 "http": {"host": "127.0.0.1", "port": 0, "tls": true},
                 "metrics": {"host": "127.0.0.1", "port": 0},
                 "tls": {"keystore": "%s", "keystore_password": "%s"}}
                """.formatted(tls.keystore(), tls.keystorePassword());
        try (LiveHarness live = new LiveHarness(Files.createDirectories(dir.resolve("service")), config, tokens)) {
            TrustStore trust = new TrustStore(tls.truststore(), tls.truststorePassword());
            // Plain MQTT against the TLS port: no CONNACK ever comes.
            MqttClient plain = MqttClient.create(live.clients, new MqttClientOptions().setUsername("s1")
                    .setPassword(tokens.get("s1")).setClientId("plain"));
            assertThrows(Exception.class, () -> LiveHarness.await(plain.connect(live.service.mqttPort(),
                    "127.0.0.1")));

            MqttSensorClient s1 = new MqttSensorClient(live.clients, "localhost", live.service.mqttPort(), "s1",
                    tokens.get("s1"), 100, trust);
            LiveHarness.await(s1.connect());
            LiveHarness.await(LiveHarness.sendAll(s1, LiveHarness.demoFrames(0, LiveHarness.T0)));
            WebSocketSensorClient s2 = new WebSocketSensorClient(live.clients, "localhost",
                    live.service.webSocketPort(), "s2", tokens.get("s2"), trust, e -> { });
            LiveHarness.await(s2.connect());
            LiveHarness.await(LiveHarness.sendAll(s2, LiveHarness.demoFrames(0, LiveHarness.T0)));
            int expected = LiveHarness.detectCommandOutput().size();
            org.earshot.testing.Await.until(() -> live.service.metrics().sensor("s1").detections("shout")
                    + live.service.metrics().sensor("s2").detections("shout") == 2L * expected,
                    LiveHarness.WAIT, () -> "detections over TLS");
            LiveHarness.await(s1.close());
            LiveHarness.await(s2.close());

            HttpClient https = HttpClient.newBuilder().sslContext(tls.clientContext()).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                    + live.service.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"status\":\"ok\""));
        }
    }
}
