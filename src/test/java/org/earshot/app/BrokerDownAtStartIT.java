package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.Vertx;
import org.earshot.config.SensorRegistry;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.FreePorts;
import org.earshot.testing.MosquittoBroker;
import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import org.earshot.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker mode with the broker down when {@code earshot serve} starts (issue 15, item 13): the service starts anyway,
 * {@code /health} answers 503 naming {@code broker_connected}, each failed attempt is one log line without a stack
 * trace; once Mosquitto listens on the configured port the service connects by itself and frames flow.
 */
@RequiresServers({Server.MOSQUITTO})
class BrokerDownAtStartIT {
    @TempDir
    Path dir;

    @Test
    void serveStartsWithTheBrokerDownAnswers503AndConnectsWhenItComesUp() throws Exception {
        String sensorToken = SensorRegistry.newToken();
        String servicePassword = SensorRegistry.newToken();
        int brokerPort = FreePorts.loopback();
        JsonObject extra = JsonParser.parseString("""
                {"ingest": {"mode": "broker"},
                 "broker": {"host": "127.0.0.1", "port": %d, "username": "earshot", "password": "%s",
                            "reconnect_seconds": 0.2},
                 "websocket": {"enabled": false}}
                """.formatted(brokerPort, servicePassword)).getAsJsonObject();
        Vertx vertx = Vertx.vertx();
        MosquittoBroker broker = null;
        try (ServiceProcess service = ServiceProcess.create(dir.resolve("service"), Map.of("s1", sensorToken),
                extra)) {
            service.start(status -> status == 503);
            String health = new String(service.get("/health").body(), StandardCharsets.UTF_8);
            assertTrue(health.contains("\"broker_connected\":false"), health);
            // Two lines at least (at most one every 10 s, counting those held back), so that the log shows how a
            // repeated failure reads.
            Await.until(() -> service.stderr().lines().filter(l -> l.contains("broker: cannot connect")).count() >= 2,
                    LiveHarness.WAIT, () -> "no second attempt logged:\n" + service.stderr());
            String log = service.stderr();
            assertTrue(log.contains("broker: cannot connect to 127.0.0.1:" + brokerPort + " (attempt 1): Connection"
                    + " refused"), log);
            assertTrue(log.matches("(?s).*\\(attempt [0-9]+\\): .*\\([0-9]+ similar line\\(s\\) held back\\).*"), log);
            assertFalse(log.lines().anyMatch(line -> line.startsWith("\tat ") || line.startsWith("Caused by")),
                    "a stack trace in the log:\n" + log);
            assertFalse(log.contains("Exception"), "an exception's name in the log:\n" + log);

            broker = MosquittoBroker.start(dir.resolve("mosquitto"), MosquittoBroker.Options.defaults()
                    .withPort(brokerPort).withUser("s1", sensorToken).withUser("earshot", servicePassword)
                    .withAcl("user earshot", "topic read earshot/v1/sensors/+/audio",
                            "topic read earshot/v1/sensors/+/status", "topic write earshot/v1/#",
                            "pattern write earshot/v1/sensors/%u/audio",
                            "pattern write earshot/v1/sensors/%u/status"));
            // The reconnection waits double up to 30 s; the service must get there by itself.
            Await.until(() -> service.get("/health").statusCode() == 200, LiveHarness.WAIT,
                    () -> "not connected after the broker came up:\n" + service.stderr());
            assertTrue(service.stderr().contains("broker: connected to 127.0.0.1:" + brokerPort + " after "),
                    service.stderr());

            List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0).subList(0, 30);
            MqttSensorClient sensor = new MqttSensorClient(vertx, broker.host(), broker.port(), "s1", sensorToken,
                    100, null);
            LiveHarness.await(sensor.connect());
            LiveHarness.await(LiveHarness.sendAll(sensor, frames));
            LiveHarness.await(sensor.close());
            Await.until(() -> service.sensorCounter("earshot_frames_accepted_total", "s1") == frames.size(), LiveHarness.WAIT,
                    () -> "frames accepted: " + service.sensorCounter("earshot_frames_accepted_total", "s1") + " of " + frames.size());
            assertEquals(ServiceProcess.EXIT_SIGTERM, service.stop());
        } finally {
            if (broker != null) {
                broker.close();
            }
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
