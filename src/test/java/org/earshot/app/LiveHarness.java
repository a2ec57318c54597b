package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.audio.AudioLoader;
import org.earshot.audio.FrameCodec;
import org.earshot.cli.CliRunner;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.earshot.sensor.SensorClient;
import org.earshot.testing.Await;

/**
 * A real service for integration tests: sensors with known tokens, a configuration on loopback ports chosen by the
 * system, the shipped model; plus clients that stream the demo recording and collect what the service publishes.
 */
final class LiveHarness implements AutoCloseable {
    static final Path MODEL = Path.of("models/earshot-v2");
    static final Path DEMO = Path.of("demo/demo.wav");
    static final long T0 = 1_795_900_000_000_000L;
    static final Duration WAIT = Duration.ofSeconds(60);

    final Path dir;
    final Map<String, String> tokens;
    final SensorRegistry registry;
    final OnnxClassifier classifier;
    final Path config;
    /** A reader's API key (operator role, named {@link #READER}): what may subscribe to the service's outputs. */
    final String readerKey;
    static final String READER = "monitor";
    Service service;
    final Vertx clients = Vertx.vertx();

    LiveHarness(Path dir, String configJson, Map<String, String> tokens) throws Exception {
        this.dir = dir;
        this.tokens = tokens;
        List<SensorRecord> sensors = new ArrayList<>();
        for (Map.Entry<String, String> t : tokens.entrySet()) {
            sensors.add(new SensorRecord(t.getKey(), SensorRegistry.tokenSha256(t.getValue()), "test bench", "",
                    t.getKey().equals("s2") ? 94.0 : null, Set.copyOf(Labels.CLASSES), true));
        }
        Path sensorsFile = dir.resolve("sensors.json");
        SensorRegistry.write(sensorsFile, sensors);
        this.readerKey = org.earshot.config.ApiKeyRegistry.add(dir.resolve("api-keys.json"), READER, "operator");
        this.config = dir.resolve("config.json");
        Files.writeString(config, configJson.replace("@DATA@", dir.toString()).replace("@SENSORS@",
                sensorsFile.toString()));
        ServeConfig cfg = ServeConfig.load(Optional.of(config), Map.of());
        this.registry = SensorRegistry.load(cfg.sensorsFile());
        this.classifier = OnnxClassifier.load(MODEL);
        this.service = Service.start(cfg, registry, classifier, ModelManifest.read(MODEL).detectorConfig(),
                "earshot-v2");
    }

    /**
     * Closes the service and starts a new one (same sensors, same model) on the ports the first one listened on, as
     * after a restart of {@code earshot serve}. Its metrics start from zero.
     */
    void restart() throws Exception {
        int mqtt = service.mqttPort();
        int webSocket = service.webSocketPort();
        int http = service.httpPort();
        int metrics = service.metricsPort();
        assertEquals(0, service.blockedThreadEventsWhileServing(), "an event loop was blocked while serving");
        service.close();
        JsonObject json = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        json.getAsJsonObject("mqtt").addProperty("port", mqtt);
        json.getAsJsonObject("websocket").addProperty("port", webSocket);
        json.getAsJsonObject("http").addProperty("port", http);
        json.getAsJsonObject("metrics").addProperty("port", metrics);
        Path again = dir.resolve("config-restart.json");
        Files.writeString(again, json.toString());
        ServeConfig cfg = ServeConfig.load(Optional.of(again), Map.of());
        this.service = Service.start(cfg, registry, classifier, ModelManifest.read(MODEL).detectorConfig(),
                "earshot-v2");
    }

    /**
     * Loopback, free ports. The tests stream faster than real time, acknowledged frame by frame; the queue bound is
     * raised so that the pipeline's overload policy (drop the oldest audio) does not cut their streams. Their
     * recordings carry fixed capture times (T0), not the clock's: the clock offset allowed is the widest.
     */
    static String embeddedConfig() {
        return """
                {"data_dir": "@DATA@", "sensors_file": "@SENSORS@",
                 "ingest": {"queue_seconds": 60, "max_clock_offset_seconds": 3153600000},
                 "mqtt": {"host": "127.0.0.1", "port": 0},
                 "websocket": {"host": "127.0.0.1", "port": 0},
                 "metrics": {"host": "127.0.0.1", "port": 0},
                 "http": {"host": "127.0.0.1", "port": 0}}
                """;
    }

    /** The demo as protocol-v1 frames of 100 ms, PCM16 (lossless for the 16-bit demo), ending the stream. */
    static List<byte[]> demoFrames(long firstSequence, long t0) throws Exception {
        return frames(AudioLoader.load16k(DEMO).samples(), firstSequence, t0);
    }

    /** 16 kHz audio as protocol-v1 frames of 100 ms, PCM16, the last one ending the stream. */
    static List<byte[]> frames(float[] demo, long firstSequence, long t0) {
        List<byte[]> frames = new ArrayList<>();
        for (int start = 0, seq = 0; start < demo.length; start += 1600, seq++) {
            int end = Math.min(demo.length, start + 1600);
            frames.add(FrameCodec.encodePcm16(firstSequence + seq, t0 + Math.round(start * 1e6 / 16000), 16000, demo,
                    start, end, end == demo.length));
        }
        return frames;
    }

    /** What {@code earshot detect demo/demo.wav} prints, one JSON object per event. */
    static List<JsonObject> detectCommandOutput() {
        CliRunner.Run run = CliRunner.run("detect", DEMO.toString(), "--model", MODEL.toString());
        assertEquals(0, run.exitCode(), run.err());
        return run.out().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    /** {@code samples} (16 kHz) as one stream of 100 ms PCM16 frames from capture time t0, ending it at the end. */
    static List<byte[]> frames(float[] samples, long t0) {
        List<byte[]> frames = new ArrayList<>();
        for (int start = 0, seq = 0; start < samples.length; start += 1600, seq++) {
            int end = Math.min(samples.length, start + 1600);
            frames.add(FrameCodec.encodePcm16(seq, t0 + Math.round(start * 1e6 / 16000), 16000, samples, start, end,
                    end == samples.length));
        }
        return frames;
    }

    /**
     * Connects, sends the frames one after another (each once the previous one is acknowledged, counted in
     * {@code acked}) and closes. Not a chain of composed futures like {@link #sendAll}: when the connection drops
     * mid-stream, the failure of a chain of a thousand frames unwinds through a thousand callbacks on one stack.
     */
    static Future<Void> stream(SensorClient client, List<byte[]> frames,
                               java.util.concurrent.atomic.AtomicInteger acked) {
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        client.connect().onSuccess(v -> sendFrom(client, frames, 0, acked, done)).onFailure(done::tryFail);
        return done.future();
    }

    private static void sendFrom(SensorClient client, List<byte[]> frames, int next,
                                 java.util.concurrent.atomic.AtomicInteger acked, io.vertx.core.Promise<Void> done) {
        if (next == frames.size()) {
            client.close().onComplete(done);
            return;
        }
        client.send(frames.get(next)).onSuccess(v -> {
            acked.incrementAndGet();
            sendFrom(client, frames, next + 1, acked, done);
        }).onFailure(done::tryFail);
    }

    /** Sends frames in order, each after the previous one is acknowledged. */
    static Future<Void> sendAll(SensorClient client, List<byte[]> frames) {
        Future<Void> chain = Future.succeededFuture();
        for (byte[] f : frames) {
            chain = chain.compose(v -> client.send(f));
        }
        return chain;
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** A reader's MQTT client collecting every message on the given filters, as JSON, with its topic. */
    Monitor reader(String host, int port, String... filters) throws Exception {
        MqttClient client = MqttClient.create(clients, new MqttClientOptions().setClientId(READER + "-"
                + System.nanoTime()).setUsername(READER).setPassword(readerKey).setMaxMessageSize(65536));
        Monitor monitor = new Monitor(client);
        client.publishHandler(m -> monitor.messages.add(new Message(m.topicName(),
                JsonParser.parseString(m.payload().toString(StandardCharsets.UTF_8)).getAsJsonObject())));
        await(client.connect(port, host));
        Map<String, Integer> subscriptions = new java.util.HashMap<>();
        for (String f : filters) {
            subscriptions.put(f, MqttQoS.AT_LEAST_ONCE.value());
        }
        await(client.subscribe(subscriptions));
        return monitor;
    }

    record Message(String topic, JsonObject json) {}

    static final class Monitor {
        final MqttClient client;
        final List<Message> messages = Collections.synchronizedList(new ArrayList<>());

        Monitor(MqttClient client) {
            this.client = client;
        }

        List<JsonObject> on(String topicPrefix) {
            synchronized (messages) {
                return messages.stream().filter(m -> m.topic().startsWith(topicPrefix)).map(Message::json).toList();
            }
        }

        List<JsonObject> awaitCount(String topicPrefix, int count) {
            Await.until(() -> on(topicPrefix).size() >= count, WAIT, () -> "expected " + count + " messages on "
                    + topicPrefix + ", got " + on(topicPrefix));
            return on(topicPrefix);
        }
    }

    /** The final detections of one sensor compared field by field with {@code earshot detect}'s lines. */
    static void assertSameAsDetect(List<JsonObject> finals, String sensorId, long streamStartMicros) {
        List<JsonObject> expected = detectCommandOutput();
        assertEquals(expected.size(), finals.size(), "final detections " + finals + " vs detect " + expected);
        List<JsonObject> sorted = new ArrayList<>(finals);
        sorted.sort(java.util.Comparator.comparingDouble(o -> o.get("stream_onset").getAsDouble()));
        for (int i = 0; i < expected.size(); i++) {
            JsonObject e = expected.get(i);
            JsonObject live = sorted.get(i);
            assertEquals(sensorId, live.get("sensor").getAsString());
            assertEquals(e.get("class").getAsString(), live.get("class").getAsString());
            assertEquals(e.get("onset").getAsDouble(), live.get("stream_onset").getAsDouble(), 0.0);
            assertEquals(e.get("offset").getAsDouble(), live.get("stream_offset").getAsDouble(), 0.0);
            assertEquals(e.get("confidence").getAsDouble(), live.get("confidence").getAsDouble(), 0.0);
            assertEquals(e.get("peak_dbfs").getAsDouble(), live.get("peak_dbfs").getAsDouble(), 0.0);
            assertEquals(e.get("model").getAsString(), live.get("model").getAsString());
            assertEquals("final", live.get("stage").getAsString());
            // Capture-clock times: the stream's start plus the stream time, to the microsecond of rounding.
            assertEquals(streamStartMicros + e.get("onset").getAsDouble() * 1e6, live.get("onset_us").getAsLong(),
                    1000);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            assertEquals(0, service.blockedThreadEventsWhileServing(), "an event loop was blocked while serving");
        } finally {
            service.close();
            classifier.close();
            clients.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
