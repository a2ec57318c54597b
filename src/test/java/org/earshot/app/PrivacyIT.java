package org.earshot.app;

import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttSubAckMessage;
import org.earshot.audio.AudioLoader;
import org.earshot.config.SensorRegistry;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.AudioLeakScanner;
import org.earshot.testing.InfluxServer;
import org.earshot.testing.ServiceProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No audio leaves the service's memory. Recordings of speech from the dataset (and the demo, so that detections and
 * levels do occur) stream through {@code earshot serve} (a child JVM writing to a real InfluxDB), over MQTT and over
 * WebSocket; after a clean stop, an {@link AudioLeakScanner} given exactly the samples that were sent searches every
 * file under the service's data directory (journal segments, checkpoints, keys, InfluxDB position, sensors file), the
 * service's standard output and error, every file of InfluxDB (meta, data, WAL, its log), every MQTT payload a
 * subscriber received, the bodies of /health, /metrics and of every /api/v1 endpoint (as an auditor), and what
 * InfluxDB returns for {@code SELECT *} from every measurement of both retention policies; it must find nothing, and
 * no sensor's token either. A subscription to {@code #} must be refused (it would reach other sensors' topics), and
 * the data directory must not grow like audio. Needs {@code EARSHOT_DATASET} (skipped without it).
 */
@RequiresServers({Server.INFLUXD})
class PrivacyIT {
    /** Capture times from now: InfluxDB refuses points older than its retention policies (30 days for levels). */
    static final long T0 = java.util.concurrent.TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
    static final Duration WAIT = Duration.ofSeconds(90);
    static final int SPEECH_RECORDINGS = 3;

    @TempDir
    Path dir;

    record Payload(String topic, byte[] bytes) {}

    @Test
    void speechStreamedThroughTheServiceLeavesNoAudioInFilesLogsInfluxMqttOrHttp() throws Exception {
        String dataset = System.getenv("EARSHOT_DATASET");
        Assumptions.assumeTrue(dataset != null && Files.isDirectory(Path.of(dataset)), "EARSHOT_DATASET is not set"
                + " (or not a directory): PrivacyIT streams speech recordings from the dataset's manifest.csv; set it"
                + " to the dataset root, e.g. EARSHOT_DATASET=../shared/datasets/train-v1 (as .ci/run does)");
        List<Path> speech = speechRecordings(Path.of(dataset));
        Map<String, float[]> audio = new LinkedHashMap<>();
        audio.put(LiveHarness.DEMO.toString(), AudioLoader.load16k(LiveHarness.DEMO).samples());
        for (Path p : speech) {
            audio.put(p.toString(), AudioLoader.load16k(p).samples());
        }
        Map<String, short[]> sent = new LinkedHashMap<>();
        audio.forEach((name, samples) -> sent.put(name, AudioLeakScanner.pcm16(samples)));
        AudioLeakScanner scanner = AudioLeakScanner.of(sent);

        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("s1", "s2", "s3", "watcher")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        Vertx clients = Vertx.vertx();
        HttpClient http = HttpClient.newHttpClient();
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        List<Payload> payloads = Collections.synchronizedList(new ArrayList<>());
        try (InfluxServer influx = InfluxServer.start(dir.resolve("influxd"));
             ServiceProcess service = ServiceProcess.create(dir.resolve("service"), tokens, JsonParser.parseString(
                     "{\"influx\": {\"url\": \"" + influx.url() + "\", \"flush_seconds\": 0.2}}")
                     .getAsJsonObject())) {
            String readerKey = org.earshot.config.ApiKeyRegistry.add(service.dataDir().resolve("api-keys.json"),
                    "watcher", "operator");
            service.start();
            watch(clients, service, readerKey, payloads);

            // s1: the demo over MQTT; s2: two speech recordings in one stream over MQTT; s3: one over WebSocket.
            List<float[]> recordings = new ArrayList<>(audio.values());
            float[] s2 = concat(recordings.subList(1, SPEECH_RECORDINGS));
            float[] s3 = recordings.get(SPEECH_RECORDINGS);
            AtomicInteger acked = new AtomicInteger();
            List<byte[]> s2Frames = LiveHarness.frames(s2, T0);
            List<Future<Void>> streams = List.of(
                    LiveHarness.stream(mqttSensor(clients, service, "s1"), LiveHarness.frames(recordings.get(0), T0),
                            acked),
                    LiveHarness.stream(mqttSensor(clients, service, "s2"), s2Frames, acked),
                    LiveHarness.stream(new WebSocketSensorClient(clients, ServiceProcess.HOST,
                            service.webSocketPort(), "s3", tokens.get("s3"), null, e -> { }),
                            LiveHarness.frames(s3, T0), acked));
            LiveHarness.await(Future.all(streams));
            int seconds = recordings.get(0).length / 16000 + s2.length / 16000 + s3.length / 16000;

            // The demo's detections and one level per second of audio arrive on MQTT; InfluxDB then holds every
            // final detection and every level with a finite value.
            int demoFinals = LiveHarness.detectCommandOutput().size();
            Await.until(() -> ids(payloads, "earshot/v1/detections/s1/").size() >= demoFinals
                            && levels(payloads).size() >= seconds, WAIT,
                    () -> demoFinals + " final detections of s1 and " + seconds + " levels on MQTT; got "
                            + ids(payloads, "earshot/v1/detections/") + " and " + levels(payloads).size() + " levels");
            long finiteLevels = levels(payloads).stream().filter(l -> !l.get("peak_dbfs").isJsonNull()).count();
            Await.until(() -> {
                String stored = query(http, influx, "SELECT id FROM \"earshot_detections\".\"detection\"");
                return ids(payloads, "earshot/v1/detections/").stream().allMatch(stored::contains)
                        && count(query(http, influx, "SELECT count(peak_dbfs) FROM \"earshot_levels\".\"sound_level\""))
                        >= finiteLevels;
            }, WAIT, () -> "InfluxDB to hold the detections " + ids(payloads, "earshot/v1/detections/") + " and "
                    + finiteLevels + " sound levels; it has " + query(http, influx, "SELECT count(*) FROM /.*/"));

            bodies.put("GET /health", service.get("/health").body());
            bodies.put("GET /metrics", service.get("/metrics").body());
            // Every API endpoint, as an auditor (who may read everything): none returns audio.
            String auditor = org.earshot.config.ApiKeyRegistry.add(service.dataDir().resolve("api-keys.json"),
                    "privacy-auditor", "auditor");
            Await.until(() -> service.get("/api/v1/journal/checkpoints", auditor).statusCode() == 200, WAIT,
                    () -> "the auditor key to be accepted");
            String someId = ids(payloads, "earshot/v1/detections/").iterator().next();
            for (String path : List.of("/api/v1/transparency", "/api/v1/detections?limit=1000",
                    "/api/v1/detections?limit=1000&format=csv", "/api/v1/detections/" + someId,
                    "/api/v1/journal/entries?limit=1000", "/api/v1/journal/checkpoints", "/api/v1/sensors",
                    "/api/v1/config")) {
                HttpResponse<byte[]> r = service.get(path, auditor);
                assertEquals(200, r.statusCode(), path + ": " + new String(r.body(), StandardCharsets.UTF_8));
                bodies.put("GET " + path, r.body());
            }
            assertEquals(ServiceProcess.EXIT_SIGTERM, service.stop(), "clean stop");
            for (String policy : List.of("earshot_detections", "earshot_levels")) {
                String q = "SELECT * FROM \"" + policy + "\"./.*/";
                String result = query(http, influx, q);
                assertTrue(result.contains("\"values\""), q + " returned no rows: " + result);
                bodies.put("InfluxQL " + q, result.getBytes(StandardCharsets.UTF_8));
            }
            influx.stop();

            // The scanner knows the audio: a frame of speech as sent is found in it (the check can fail).
            byte[] frame = s2Frames.get(s2Frames.size() / 2);
            assertFalse(scanner.scan("a frame s2 sent", frame).isEmpty(), "the scanner does not recognise the audio");

            List<AudioLeakScanner.Finding> findings = new ArrayList<>();
            List<String> tokenLeaks = new ArrayList<>();
            List<String> scanned = new ArrayList<>();
            long bytes = 0;
            Map<String, byte[]> contents = new LinkedHashMap<>();
            for (Path root : List.of(service.dataDir(), influx.config().getParent())) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        contents.put(f.toString(), Files.readAllBytes(f));
                        scanned.add(f.toString());
                    }
                }
            }
            for (Path log : service.logs()) {
                contents.put(log.toString(), Files.readAllBytes(log));
                scanned.add(log.toString());
            }
            for (byte[] c : contents.values()) {
                bytes += c.length;
            }
            List<Payload> received;
            synchronized (payloads) {
                received = List.copyOf(payloads);
            }
            for (int i = 0; i < received.size(); i++) {
                contents.put("MQTT message " + i + " on " + received.get(i).topic(), received.get(i).bytes());
            }
            contents.putAll(bodies);
            for (Map.Entry<String, byte[]> c : contents.entrySet()) {
                findings.addAll(scanner.scan(c.getKey(), c.getValue()));
                // Nor a sensor's secret (DESIGN.md: logs never contain tokens).
                String text = new String(c.getValue(), StandardCharsets.ISO_8859_1);
                tokens.forEach((id, token) -> {
                    if (text.contains(token)) {
                        tokenLeaks.add(c.getKey() + " at byte " + text.indexOf(token) + ": the token of " + id);
                    }
                });
            }
            for (String expected : List.of("segment-", "checkpoints.jsonl", "journal-ed25519.pem", "influx-position",
                    "sensors.json", "stdout.log", "stderr.log", "wal", "meta.db")) {
                assertTrue(scanned.stream().anyMatch(f -> f.contains(expected)), "nothing scanned named " + expected
                        + ": " + scanned);
            }
            assertTrue(received.stream().anyMatch(p -> p.topic().startsWith("earshot/v1/levels/")), "no levels");
            assertEquals(List.of(), findings, "audio found outside the service's memory");
            assertEquals(List.of(), tokenLeaks, "sensor tokens found outside the service's memory");

            // The service's own files stay small next to the audio it took in.
            long pcmBytes = 2L * (recordings.get(0).length + s2.length + s3.length);
            long dataBytes = size(service.dataDir());
            assertTrue(dataBytes < pcmBytes / 10, "the data directory holds " + dataBytes + " bytes after "
                    + pcmBytes + " bytes of PCM were streamed: " + sizes(service.dataDir()));

            System.out.printf("privacy: %d s of audio (%d speech recordings + demo, %d bytes of PCM, %d frames"
                            + " acknowledged) streamed; scanned %d files (%d bytes), %d MQTT payloads, %d HTTP/InfluxQL"
                            + " bodies; data directory %d bytes; findings %d%n", seconds, speech.size(), pcmBytes,
                    acked.get(), scanned.size(), bytes, received.size(), bodies.size(), dataBytes, findings.size());
        } finally {
            clients.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The longest speech recordings among the background clips of the manifest ({@code original_label} containing
     * "speech"), ties by path: a fixed choice, so that a failure can be rerun.
     */
    static List<Path> speechRecordings(Path dataset) throws IOException {
        record Clip(Path path, double seconds) {}
        List<Clip> clips = new ArrayList<>();
        List<String> lines = Files.readAllLines(dataset.resolve("manifest.csv"), StandardCharsets.UTF_8);
        List<String> header = List.of(lines.get(0).split(","));
        int path = header.indexOf("path");
        int label = header.indexOf("label");
        int original = header.indexOf("original_label");
        int seconds = header.indexOf("seconds");
        for (String line : lines.subList(1, lines.size())) {
            // Only the last column (license) may hold quoted commas.
            String[] f = line.split(",", header.size());
            if (f[label].equals("background") && f[original].contains("speech")) {
                clips.add(new Clip(dataset.resolve(f[path]), Double.parseDouble(f[seconds])));
            }
        }
        List<Path> chosen = clips.stream().sorted(Comparator.comparingDouble(Clip::seconds).reversed()
                .thenComparing(c -> c.path().toString())).limit(SPEECH_RECORDINGS).map(Clip::path).toList();
        assertEquals(SPEECH_RECORDINGS, chosen.size(), "speech recordings in " + dataset + "/manifest.csv");
        return chosen;
    }

    static float[] concat(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    static MqttSensorClient mqttSensor(Vertx vertx, ServiceProcess service, String id) {
        return new MqttSensorClient(vertx, ServiceProcess.HOST, service.mqttPort(), id, service.token(id), 100, null);
    }

    /**
     * Subscribes as a reader (an operator's API key) to {@code #}, which the embedded endpoint must refuse (it would
     * reach every sensor's errors topic), then to everything it does serve readers: alerts, detections, levels.
     * Collects every payload as bytes.
     */
    static void watch(Vertx vertx, ServiceProcess service, String readerKey, List<Payload> into) throws Exception {
        MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("watcher")
                .setUsername("watcher").setPassword(readerKey).setMaxMessageSize(1 << 20));
        Map<Integer, Promise<List<Integer>>> subAcks = new java.util.concurrent.ConcurrentHashMap<>();
        client.subscribeCompletionHandler((MqttSubAckMessage ack) -> subAcks
                .computeIfAbsent(ack.messageId(), id -> Promise.promise()).tryComplete(ack.grantedQoSLevels()));
        client.publishHandler(m -> into.add(new Payload(m.topicName(), m.payload().getBytes())));
        LiveHarness.await(client.connect(service.mqttPort(), ServiceProcess.HOST));
        int all = LiveHarness.await(client.subscribe("#", MqttQoS.AT_LEAST_ONCE.value()));
        assertEquals(List.of(0x80), LiveHarness.await(subAcks.computeIfAbsent(all, id -> Promise.promise()).future()),
                "a subscription to # must be refused");
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (String t : List.of("earshot/v1/alerts/#", "earshot/v1/detections/#", "earshot/v1/levels/#")) {
            topics.put(t, MqttQoS.AT_LEAST_ONCE.value());
        }
        int served = LiveHarness.await(client.subscribe(topics));
        List<Integer> granted = LiveHarness.await(subAcks.computeIfAbsent(served, id -> Promise.promise()).future());
        assertFalse(granted.contains(0x80), "refused: " + topics.keySet() + " -> " + granted);
    }

    /** The ids of the JSON payloads received on topics under {@code prefix}. */
    static List<String> ids(List<Payload> payloads, String prefix) {
        synchronized (payloads) {
            return payloads.stream().filter(p -> p.topic().startsWith(prefix))
                    .map(p -> JsonParser.parseString(new String(p.bytes(), StandardCharsets.UTF_8)).getAsJsonObject()
                            .get("id").getAsString()).toList();
        }
    }

    /** The level readings received on MQTT. */
    static List<JsonObject> levels(List<Payload> payloads) {
        synchronized (payloads) {
            return payloads.stream().filter(p -> p.topic().startsWith("earshot/v1/levels/"))
                    .map(p -> JsonParser.parseString(new String(p.bytes(), StandardCharsets.UTF_8)).getAsJsonObject())
                    .toList();
        }
    }

    /** InfluxQL over InfluxDB's HTTP API: the raw JSON answer, as any client would get it. */
    static String query(HttpClient http, InfluxServer influx, String influxQl) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(influx.url() + "/query?db=earshot&q="
                    + URLEncoder.encode(influxQl, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), influxQl + ": " + r.body());
            return r.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The single count of a {@code SELECT count(...)} answer; 0 when there are no rows. */
    static long count(String answer) {
        JsonObject result = JsonParser.parseString(answer).getAsJsonObject().getAsJsonArray("results").get(0)
                .getAsJsonObject();
        if (!result.has("series")) {
            return 0;
        }
        return result.getAsJsonArray("series").get(0).getAsJsonObject().getAsJsonArray("values").get(0)
                .getAsJsonArray().get(1).getAsLong();
    }

    static long size(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static String sizes(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(f -> root.relativize(f) + " " + f.toFile().length())
                    .toList().toString();
        }
    }
}
