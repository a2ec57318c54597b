package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.audio.FrameCodec;
import org.earshot.config.SensorRegistry;
import org.earshot.pipeline.SensorMetrics;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's embedded default end to end: sensors stream the demo over the embedded MQTT endpoint and over
 * WebSocket, and the detections published on MQTT equal {@code earshot detect}'s; bad input of every kind is refused
 * with a reason, counted, and does not disturb the other sensors.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedServiceIT {
    @TempDir
    static Path dir;
    static LiveHarness live;
    static final String HOST = "127.0.0.1";

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("s1", "s2", "s3", "watcher")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        live = new LiveHarness(dir, LiveHarness.embeddedConfig(), tokens);
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private MqttSensorClient sensor(String id) {
        return new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), id, live.tokens.get(id), 100, null);
    }

    @Test
    @Order(1)
    void mqttSensorGetsTheDetectionsOfEarshotDetectOnMqtt() throws Exception {
        LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                "earshot/v1/detections/s1/#", "earshot/v1/alerts/s1/#", "earshot/v1/levels/s1");
        MqttSensorClient s1 = sensor("s1");
        LiveHarness.await(s1.connect());
        List<byte[]> frames = LiveHarness.demoFrames(1000, LiveHarness.T0);
        LiveHarness.await(LiveHarness.sendAll(s1, frames));
        int expected = LiveHarness.detectCommandOutput().size();
        assertTrue(expected > 0);
        List<JsonObject> finals = monitor.awaitCount("earshot/v1/detections/s1/", expected);
        LiveHarness.assertSameAsDetect(finals, "s1", LiveHarness.T0);
        assertEquals(expected, monitor.awaitCount("earshot/v1/alerts/s1/", expected).size());
        // One level reading per full second of audio, stamped on the sensor's clock.
        List<JsonObject> levels = monitor.awaitCount("earshot/v1/levels/s1", 23);
        assertEquals(LiveHarness.T0, java.time.Instant.parse(levels.get(0).get("time").getAsString())
                .toEpochMilli() * 1000);
        assertTrue(levels.get(0).has("laeq_dbfs") && !levels.get(0).has("laeq_db"), "s1 is uncalibrated");
        SensorMetrics m = live.service.metrics().sensor("s1");
        assertEquals(frames.size(), m.framesAccepted());
        assertEquals(0, m.gaps() + m.droppedFrames() + m.duplicates());
        LiveHarness.await(s1.close());
        monitor.client.disconnect();
    }

    @Test
    @Order(2)
    void webSocketSensorGetsTheSameDetections() throws Exception {
        LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                "earshot/v1/detections/s2/#");
        List<String> errors = new ArrayList<>();
        WebSocketSensorClient s2 = new WebSocketSensorClient(live.clients, HOST, live.service.webSocketPort(), "s2",
                live.tokens.get("s2"), null, errors::add);
        LiveHarness.await(s2.connect());
        long t0 = LiveHarness.T0 + 3_600_000_000L;
        LiveHarness.await(LiveHarness.sendAll(s2, LiveHarness.demoFrames(0, t0)));
        int expected = LiveHarness.detectCommandOutput().size();
        List<JsonObject> finals = monitor.awaitCount("earshot/v1/detections/s2/", expected);
        LiveHarness.assertSameAsDetect(finals, "s2", t0);
        // s2 has a calibration offset of 94 dB: levels in dB SPL come with the detection.
        assertEquals(finals.get(0).get("peak_dbfs").getAsDouble() + 94.0, finals.get(0).get("peak_db").getAsDouble(),
                0.051);
        assertTrue(errors.isEmpty(), errors.toString());
        LiveHarness.await(s2.close());
        monitor.client.disconnect();
    }

    @Test
    @Order(3)
    void badFramesAreRefusedWithAReasonCountedAndTheOtherSensorsKeepStreaming() throws Exception {
        LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                "earshot/v1/detections/s3/#");
        // s1 misbehaves on a raw client, subscribed to its own errors topic.
        MqttClient bad = MqttClient.create(live.clients, new MqttClientOptions().setClientId("s1-bad")
                .setUsername("s1").setPassword(live.tokens.get("s1")).setMaxMessageSize(1 << 20));
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        bad.publishHandler(m -> errors.add(m.payload().toString()));
        LiveHarness.await(bad.connect(live.service.mqttPort(), HOST));
        LiveHarness.await(bad.subscribe("earshot/v1/sensors/s1/errors", 1));
        // Meanwhile s3 streams the demo as a well-behaved sensor.
        MqttSensorClient s3 = sensor("s3");
        LiveHarness.await(s3.connect());
        long t0 = LiveHarness.T0 + 7_200_000_000L;
        io.vertx.core.Future<Void> streaming = LiveHarness.sendAll(s3, LiveHarness.demoFrames(0, t0));

        byte[] good = LiveHarness.demoFrames(5, LiveHarness.T0).get(0);
        Map<String, byte[]> cases = new LinkedHashMap<>();
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        cases.put("bad_magic", badMagic);
        cases.put("truncated", Arrays.copyOf(good, 20));
        cases.put("length_mismatch", Arrays.copyOf(good, good.length - 3));
        cases.put("bad_sample_rate", withInt(good, 8, 0));
        cases.put("bad_sample_rate ", withInt(good, 8, -1)); // 4294967295 Hz, read unsigned
        byte[] version = good.clone();
        version[4] = 9;
        cases.put("unsupported_version", version);
        byte[] channels = good.clone();
        channels[6] = 0;
        cases.put("bad_channels", channels);
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            LiveHarness.await(bad.publish("earshot/v1/sensors/s1/audio", Buffer.buffer(c.getValue()),
                    MqttQoS.AT_LEAST_ONCE, false, false));
        }
        // Another sensor's topic, and a topic that does not exist.
        LiveHarness.await(bad.publish("earshot/v1/sensors/s3/audio", Buffer.buffer(good), MqttQoS.AT_LEAST_ONCE,
                false, false));
        LiveHarness.await(bad.publish("earshot/v1/sensors/s1/video", Buffer.buffer(good), MqttQoS.AT_LEAST_ONCE,
                false, false));
        Await.until(() -> errors.size() == 9, LiveHarness.WAIT, () -> "errors on s1's topic: " + errors);
        assertTrue(errors.stream().anyMatch(e -> e.contains("\"error\":\"bad_sample_rate\"") && e.contains("0 Hz")),
                errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("\"error\":\"foreign_topic\"")), errors.toString());
        SensorMetrics s1 = live.service.metrics().sensor("s1");
        for (String reason : List.of("bad_magic", "truncated", "length_mismatch", "unsupported_version",
                "bad_channels", "foreign_topic", "unknown_topic")) {
            assertEquals(1, s1.rejectedCount(reason), reason);
        }
        assertEquals(2, s1.rejectedCount("bad_sample_rate"));
        assertEquals(1, live.service.metrics().refusedCount("mqtt", "foreign_topic"));

        // An MQTT message over the endpoint's limit: the connection is closed, nothing else is disturbed.
        io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
        bad.closeHandler(v -> closed.tryComplete());
        bad.publish("earshot/v1/sensors/s1/audio", Buffer.buffer(new byte[FrameCodec.DEFAULT_MAX_FRAME_BYTES + 4096]),
                MqttQoS.AT_LEAST_ONCE, false, false);
        LiveHarness.await(closed.future());
        Await.until(() -> s1.rejectedCount("oversized") == 1, LiveHarness.WAIT, () -> "oversized not counted");

        // Wrong and unknown credentials are refused at CONNECT, and counted.
        long refusedBefore = live.service.metrics().refusedCount("mqtt", "bad_credentials");
        for (String[] cred : List.of(new String[] {"s1", "not-the-token"}, new String[] {"nobody", "x"})) {
            MqttClient intruder = MqttClient.create(live.clients, new MqttClientOptions().setClientId("intruder")
                    .setUsername(cred[0]).setPassword(cred[1]));
            Exception e = assertThrows(Exception.class, () -> LiveHarness.await(intruder.connect(
                    live.service.mqttPort(), HOST)));
            assertTrue(String.valueOf(e.getMessage()).contains("NOT_AUTHORIZED"), e.toString());
        }
        assertEquals(refusedBefore + 2, live.service.metrics().refusedCount("mqtt", "bad_credentials"));

        // s3 was not disturbed: its detections equal earshot detect's, its stream has no gap, and nothing s1 sent
        // on s3's topic reached s3's stream.
        LiveHarness.await(streaming);
        List<JsonObject> finals = monitor.awaitCount("earshot/v1/detections/s3/",
                LiveHarness.detectCommandOutput().size());
        LiveHarness.assertSameAsDetect(finals, "s3", t0);
        SensorMetrics s3m = live.service.metrics().sensor("s3");
        assertEquals(LiveHarness.demoFrames(0, t0).size(), s3m.framesAccepted());
        assertEquals(0, s3m.gaps() + s3m.duplicates());
        LiveHarness.await(s3.close());
        monitor.client.disconnect();
    }

    @Test
    @Order(4)
    void webSocketRefusesBadCredentialsTokensInUrlsAndTextMessages() throws Exception {
        WebSocketClient ws = live.clients.createWebSocketClient();
        int port = live.service.webSocketPort();
        WebSocketConnectOptions wrong = new WebSocketConnectOptions().setHost(HOST).setPort(port)
                .setURI("/v1/sensors/s1/audio").addHeader("Authorization", "Bearer wrong");
        assertTrue(assertThrows(Exception.class, () -> LiveHarness.await(ws.connect(wrong))).getMessage()
                .contains("401"));
        WebSocketConnectOptions none = new WebSocketConnectOptions().setHost(HOST).setPort(port)
                .setURI("/v1/sensors/s1/audio");
        assertTrue(assertThrows(Exception.class, () -> LiveHarness.await(ws.connect(none))).getMessage()
                .contains("401"));
        WebSocketConnectOptions inUrl = new WebSocketConnectOptions().setHost(HOST).setPort(port)
                .setURI("/v1/sensors/s1/audio?token=" + live.tokens.get("s1"));
        assertTrue(assertThrows(Exception.class, () -> LiveHarness.await(ws.connect(inUrl))).getMessage()
                .contains("400"));
        assertEquals(1, live.service.metrics().refusedCount("websocket", "token_in_url"));
        assertEquals(1, live.service.metrics().refusedCount("websocket", "bad_credentials"));
        assertEquals(1, live.service.metrics().refusedCount("websocket", "no_credentials"));

        List<String> replies = java.util.Collections.synchronizedList(new ArrayList<>());
        WebSocketSensorClient s1 = new WebSocketSensorClient(live.clients, HOST, port, "s1", live.tokens.get("s1"),
                null, replies::add);
        LiveHarness.await(s1.connect());
        byte[] frame = LiveHarness.demoFrames(0, LiveHarness.T0).get(0);
        LiveHarness.await(s1.send(Arrays.copyOf(frame, 40)));
        Await.until(() -> replies.size() == 1, LiveHarness.WAIT, replies::toString);
        assertTrue(replies.get(0).contains("\"error\":\"length_mismatch\""), replies.get(0));
        LiveHarness.await(s1.send(frame));
        // Slightly over max_frame_bytes: refused by the codec with a reply, the connection stays.
        byte[] big = new byte[FrameCodec.DEFAULT_MAX_FRAME_BYTES + 100];
        System.arraycopy(frame, 0, big, 0, frame.length);
        LiveHarness.await(s1.send(big));
        Await.until(() -> replies.size() == 2, LiveHarness.WAIT, replies::toString);
        assertTrue(replies.get(1).contains("\"error\":\"oversized\""), replies.get(1));
        LiveHarness.await(s1.send(frame));
        long oversized = live.service.metrics().sensor("s1").rejectedCount("oversized");
        // Far over the message limit: the socket is closed with a reason, and the refusal is counted.
        io.vertx.core.http.WebSocket raw = LiveHarness.await(ws.connect(new WebSocketConnectOptions().setHost(HOST)
                .setPort(port).setURI("/v1/sensors/s1/audio").addHeader("Authorization", "Bearer "
                        + live.tokens.get("s1"))));
        io.vertx.core.Promise<Short> closedWith = io.vertx.core.Promise.promise();
        raw.closeHandler(v -> closedWith.tryComplete(raw.closeStatusCode()));
        raw.writeBinaryMessage(Buffer.buffer(new byte[2 * FrameCodec.DEFAULT_MAX_FRAME_BYTES]));
        assertEquals((short) 1009, LiveHarness.await(closedWith.future()), "1009: message too big");
        Await.until(() -> live.service.metrics().sensor("s1").rejectedCount("oversized") == oversized + 1,
                LiveHarness.WAIT,
                () -> "oversized WebSocket message not counted");
        LiveHarness.await(s1.close());
    }

    @Test
    @Order(5)
    void healthAndMetricsAnswerWithoutAudio() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://" + HOST + ":" + live.service.httpPort();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("\"status\":\"ok\""), health.body());
        // Not on the public listener (per-sensor counters would date each detection), on the metrics one.
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":"
                + live.service.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        for (String series : List.of("earshot_frames_accepted_total{sensor=\"s1\"}",
                "earshot_rejected_frames_total{sensor=\"s1\",reason=\"bad_magic\"} 1",
                "earshot_refused_total{transport=\"mqtt\",reason=\"bad_credentials\"} 2",
                "earshot_dropped_frames_total{sensor=\"s3\"} 0", "earshot_queue_frames{sensor=\"s1\"}",
                "earshot_inference_seconds_count", "earshot_last_seen_seconds{sensor=\"s3\"}",
                "earshot_blocked_thread_events_total ")) {
            assertTrue(metrics.body().contains(series), series + " missing from\n" + metrics.body());
        }
        assertFalse(metrics.body().contains("nobody"), "unknown sensor ids never become labels");
        assertNotNull(metrics.headers().firstValue("Content-Type").orElse(null));
    }

    private static byte[] withInt(byte[] frame, int offset, int value) {
        byte[] copy = frame.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return copy;
    }
}
