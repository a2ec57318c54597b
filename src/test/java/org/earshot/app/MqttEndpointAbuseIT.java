package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Future;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.sensor.MqttSensorClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the embedded MQTT endpoint by clients that hold a valid sensor token, each of which once worked: taking
 * over another sensor's session by using its client id, exhausting the heap with subscription filters, holding
 * unlimited connections with one token, and holding sockets open without ever sending CONNECT.
 */
class MqttEndpointAbuseIT {
    static final String HOST = "127.0.0.1";
    /** The harness runs with the defaults of these limits. */
    static final int MAX_SUBSCRIPTIONS = ServeConfig.Mqtt.DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
    static final int MAX_CONNECTIONS = ServeConfig.Mqtt.DEFAULT_MAX_CONNECTIONS_PER_SENSOR;
    static final int CONNECT_TIMEOUT_SECONDS = ServeConfig.Mqtt.DEFAULT_CONNECT_TIMEOUT_SECONDS;
    @TempDir
    static Path dir;
    static LiveHarness live;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("victim", "attacker", "watcher", "crowd")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        live = new LiveHarness(dir, LiveHarness.embeddedConfig(), tokens);
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private MqttClient client(String sensorId, String clientId) {
        return MqttClient.create(live.clients, new MqttClientOptions().setClientId(clientId).setUsername(sensorId)
                .setPassword(live.tokens.get(sensorId)).setMaxMessageSize(65536));
    }

    private MqttClient reader(String clientId) {
        return MqttClient.create(live.clients, new MqttClientOptions().setClientId(clientId)
                .setUsername(LiveHarness.READER).setPassword(live.readerKey).setMaxMessageSize(65536));
    }

    @Test
    void aSensorsTokenReadsOnlyItsOwnErrorsTopicAndReadersReadTheOutputs() throws Exception {
        MqttClient sensor = client("attacker", "attacker-reading");
        Map<Integer, CompletableFuture<List<Integer>>> acks = new ConcurrentHashMap<>();
        sensor.subscribeCompletionHandler(a -> acks.computeIfAbsent(a.messageId(), id -> new CompletableFuture<>())
                .complete(a.grantedQoSLevels()));
        LiveHarness.await(sensor.connect(live.service.mqttPort(), HOST));
        long forbiddenBefore = live.service.metrics().refusedCount("mqtt", "forbidden_subscription");
        Map<String, Integer> everyonesOutputs = new LinkedHashMap<>();
        for (String f : List.of("earshot/v1/detections/#", "earshot/v1/alerts/victim/+", "earshot/v1/levels/victim",
                "earshot/v1/sensors/victim/errors", "earshot/v1/sensors/attacker/errors")) {
            everyonesOutputs.put(f, 1);
        }
        assertEquals(List.of(0x80, 0x80, 0x80, 0x80, 1), subscribe(sensor, acks, everyonesOutputs),
                "a sensor's token may read its own errors topic only");
        assertEquals(forbiddenBefore + 4, live.service.metrics().refusedCount("mqtt", "forbidden_subscription"));
        LiveHarness.await(sensor.disconnect());

        MqttClient reader = reader("reader-outputs");
        Map<Integer, CompletableFuture<List<Integer>>> readerAcks = new ConcurrentHashMap<>();
        reader.subscribeCompletionHandler(a -> readerAcks.computeIfAbsent(a.messageId(),
                id -> new CompletableFuture<>()).complete(a.grantedQoSLevels()));
        LiveHarness.await(reader.connect(live.service.mqttPort(), HOST));
        Map<String, Integer> outputs = new LinkedHashMap<>();
        outputs.put("earshot/v1/detections/#", 1);
        outputs.put("earshot/v1/alerts/+/+", 1);
        outputs.put("earshot/v1/levels/#", 0);
        outputs.put("earshot/v1/sensors/victim/errors", 1);
        assertEquals(List.of(1, 1, 0, 0x80), subscribe(reader, readerAcks, outputs),
                "a reader reads the outputs, not a sensor's errors");
        // A reader publishes nothing: its frame is acknowledged, counted and never reaches the pipeline.
        long accepted = live.service.metrics().sensor("victim").framesAccepted();
        LiveHarness.await(reader.publish("earshot/v1/sensors/victim/audio",
                io.vertx.core.buffer.Buffer.buffer(LiveHarness.demoFrames(0, LiveHarness.T0).get(0)),
                io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false));
        org.earshot.testing.Await.until(() -> live.service.metrics().refusedCount("mqtt", "reader_publish") == 1,
                LiveHarness.WAIT, () -> "the reader's publish was not refused");
        assertEquals(accepted, live.service.metrics().sensor("victim").framesAccepted());
        LiveHarness.await(reader.disconnect());
    }

    @Test
    void anotherSensorsTokenWithTheVictimsClientIdDoesNotDisconnectTheVictim() throws Exception {
        MqttSensorClient victim = new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), "victim",
                live.tokens.get("victim"), 10, null);
        AtomicBoolean lost = new AtomicBoolean();
        victim.closeHandler(() -> lost.set(true));
        LiveHarness.await(victim.connect());
        List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0);
        LiveHarness.await(victim.send(frames.get(0)));
        // The attacker authenticates with its own token but presents the victim's client id, again and again.
        for (int i = 0; i < 3; i++) {
            MqttClient attacker = client("attacker", "victim");
            LiveHarness.await(attacker.connect(live.service.mqttPort(), HOST));
            LiveHarness.await(attacker.disconnect());
        }
        // The victim's connection is still there: its next frames are acknowledged on the same connection.
        for (int i = 1; i < 4; i++) {
            LiveHarness.await(victim.send(frames.get(i)));
        }
        assertFalse(lost.get(), "the victim's connection was closed");
        assertTrue(victim.isConnected());
        assertEquals(4, live.service.metrics().sensor("victim").framesAccepted());
        // One stream throughout: a disconnect would have ended it, and the next frame would have started another.
        org.earshot.testing.Await.until(() -> live.service.metrics().sensor("victim").framesProcessed() == 4,
                LiveHarness.WAIT, () -> "the victim's frames were not analysed");
        assertEquals(1, live.service.metrics().sensor("victim").streams(), "the victim's stream went on");
        LiveHarness.await(victim.close());
    }

    @Test
    void subscriptionFiltersPerConnectionAreBoundedAndRefusalsCounted() throws Exception {
        MqttClient watcher = reader("reader-flood");
        Map<Integer, CompletableFuture<List<Integer>>> acks = new ConcurrentHashMap<>();
        // SUBACK may overtake the completion of the write that sent SUBSCRIBE: whichever comes first makes the entry.
        watcher.subscribeCompletionHandler(a -> acks.computeIfAbsent(a.messageId(), id -> new CompletableFuture<>())
                .complete(a.grantedQoSLevels()));
        LiveHarness.await(watcher.connect(live.service.mqttPort(), HOST));
        long refusedBefore = live.service.metrics().refusedCount("mqtt", "too_many_subscriptions");
        List<Integer> granted = new ArrayList<>();
        // Far more distinct filters than a connection may hold, 16 per SUBSCRIBE.
        for (int batch = 0; batch < 8; batch++) {
            Map<String, Integer> filters = new LinkedHashMap<>();
            for (int i = 0; i < 16; i++) {
                filters.put("earshot/v1/levels/flood-" + (batch * 16 + i), 0);
            }
            granted.addAll(subscribe(watcher, acks, filters));
        }
        assertTrue(MAX_SUBSCRIPTIONS < 128);
        assertEquals(128, granted.size());
        assertEquals(MAX_SUBSCRIPTIONS, granted.stream().filter(q -> q == 0).count(), granted.toString());
        assertTrue(granted.subList(MAX_SUBSCRIPTIONS, granted.size()).stream().allMatch(q -> q == 0x80),
                "every filter over the limit is refused: " + granted);
        assertEquals(refusedBefore + 128 - MAX_SUBSCRIPTIONS,
                live.service.metrics().refusedCount("mqtt", "too_many_subscriptions"));
        // Subscribing again to a filter it holds replaces it and costs nothing; unsubscribing frees a place.
        assertEquals(List.of(1), subscribe(watcher, acks, Map.of("earshot/v1/levels/flood-0", 1)));
        LiveHarness.await(watcher.unsubscribe("earshot/v1/levels/flood-1"));
        assertEquals(List.of(1), subscribe(watcher, acks, Map.of("earshot/v1/detections/#", 1)));
        assertEquals(List.of(0x80), subscribe(watcher, acks, Map.of("earshot/v1/alerts/#", 1)));
        LiveHarness.await(watcher.disconnect());
    }

    /** Subscribes and returns the SUBACK's codes: the granted QoS per filter, or 0x80 for a refused one. */
    private static List<Integer> subscribe(MqttClient client, Map<Integer, CompletableFuture<List<Integer>>> acks,
                                           Map<String, Integer> filters) throws Exception {
        int id = LiveHarness.await(client.subscribe(filters));
        return acks.computeIfAbsent(id, k -> new CompletableFuture<>()).get(30, TimeUnit.SECONDS);
    }

    @Test
    void connectionsPerSensorAreBoundedAndRefusalsCounted() throws Exception {
        long refusedBefore = live.service.metrics().refusedCount("mqtt", "too_many_connections");
        List<MqttClient> held = new ArrayList<>();
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            MqttClient c = client("crowd", "crowd-" + i);
            LiveHarness.await(c.connect(live.service.mqttPort(), HOST));
            held.add(c);
        }
        MqttClient oneTooMany = client("crowd", "crowd-extra");
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> LiveHarness.await(oneTooMany.connect(live.service.mqttPort(), HOST)));
        assertTrue(refused.getCause() instanceof MqttConnectionException, refused.toString());
        assertEquals(refusedBefore + 1, live.service.metrics().refusedCount("mqtt", "too_many_connections"));
        // Reconnecting with a client id it already holds replaces that connection, within the limit.
        MqttClient again = client("crowd", "crowd-0");
        LiveHarness.await(again.connect(live.service.mqttPort(), HOST));
        // Another sensor is not affected by this sensor's connections.
        MqttClient other = client("watcher", "watcher-other");
        LiveHarness.await(other.connect(live.service.mqttPort(), HOST));
        // Once one is closed, a new connection is accepted.
        LiveHarness.await(held.get(1).disconnect());
        MqttClient later = client("crowd", "crowd-later");
        Future<?> connected = later.connect(live.service.mqttPort(), HOST);
        LiveHarness.await(connected);
        for (MqttClient c : List.of(held.get(2), held.get(3), again, other, later)) {
            LiveHarness.await(c.disconnect());
        }
    }

    @Test
    void aSocketThatNeverSendsConnectIsClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, live.service.mqttPort()), 5000);
            socket.setSoTimeout((CONNECT_TIMEOUT_SECONDS + 10) * 1000);
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            assertEquals(-1, in.read(), "the endpoint closes the socket");
            assertTrue(System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(CONNECT_TIMEOUT_SECONDS - 1),
                    "not before the timeout");
        }
    }
}
