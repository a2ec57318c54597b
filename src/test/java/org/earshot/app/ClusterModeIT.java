package org.earshot.app;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.earshot.audio.AudioLoader;
import org.earshot.cluster.ClusterSink;
import org.earshot.cluster.WriterPositions;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalVerifier;
import org.earshot.model.ModelManifest;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.AudioLeakScanner;
import org.earshot.testing.InfluxServer;
import org.earshot.testing.KafkaCluster;
import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster mode against a real three-node Kafka cluster (one per class): services in cluster mode analyse the demo
 * recording streamed over MQTT and send their detections and alerts through Kafka; a journal writer journals them
 * exactly once per record id, the journal verifies, its final detections are what {@code earshot detect} finds, and
 * only then reach InfluxDB.
 * Each test has its own topic prefix and journal.
 */
@RequiresServers({Server.KAFKA, Server.INFLUXD})
class ClusterModeIT {
    static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    static Path shared;
    static KafkaCluster kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaCluster.start(shared.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The demo's final detections, and how many frames it is. */
    static final int DEMO_FINALS = LiveHarness.detectCommandOutput().size();

    private static String nodeConfig(String prefix, String node) {
        return nodeConfig(kafka, prefix, node);
    }

    private static JsonObject cluster(String prefix, String node) {
        return cluster(kafka, prefix, node);
    }

    /** An embedded-endpoint service's configuration with a cluster section (also for the other cluster ITs). */
    static String nodeConfig(KafkaCluster kafka, String prefix, String node) {
        JsonObject json = JsonParser.parseString(LiveHarness.embeddedConfig()).getAsJsonObject();
        json.add("cluster", cluster(kafka, prefix, node));
        return json.toString();
    }

    static JsonObject cluster(KafkaCluster kafka, String prefix, String node) {
        JsonObject c = new JsonObject();
        c.addProperty("bootstrap_servers", kafka.bootstrapServers());
        c.addProperty("node_id", node);
        c.addProperty("topic_prefix", prefix);
        c.addProperty("partitions", 3);
        return c;
    }

    private ClusterJournalWriter writer(Path writerDir, Path sensorsFile, String prefix) throws Exception {
        return writer(writerDir, sensorsFile, prefix, new JsonObject());
    }

    private ClusterJournalWriter writer(Path writerDir, Path sensorsFile, String prefix, JsonObject extra)
            throws Exception {
        return writer(kafka, writerDir, sensorsFile, prefix, extra);
    }

    /**
     * A journal writer ({@code writer-1}, its listeners on ports of the system's choice) started on {@code writerDir}
     * and assigned its partitions (also for the other cluster ITs).
     */
    static ClusterJournalWriter writer(KafkaCluster kafka, Path writerDir, Path sensorsFile, String prefix,
                                       JsonObject extra) throws Exception {
        Files.createDirectories(writerDir);
        JsonObject json = extra.deepCopy();
        json.addProperty("data_dir", writerDir.toString());
        json.addProperty("sensors_file", sensorsFile.toString());
        json.add("cluster", cluster(kafka, prefix, "writer-1"));
        for (String listener : List.of("http", "metrics")) {
            JsonObject l = new JsonObject();
            l.addProperty("host", "127.0.0.1");
            l.addProperty("port", 0);
            json.add(listener, l);
        }
        Path file = writerDir.resolve("config.json");
        Files.writeString(file, json.toString());
        ServeConfig config = ServeConfig.load(Optional.of(file), Map.of());
        ModelManifest manifest = ModelManifest.read(LiveHarness.MODEL);
        ClusterJournalWriter writer = ClusterJournalWriter.start(config, SensorRegistry.load(sensorsFile),
                manifest.name, manifest.detectorConfig(), () -> false);
        assertNotNull(writer);
        assertTrue(writer.writer().awaitAssigned(WAIT), "the writer was not assigned its partitions");
        return writer;
    }

    private static JsonObject withInflux(JsonObject json, InfluxServer influx) {
        JsonObject i = new JsonObject();
        i.addProperty("url", influx.url());
        i.addProperty("flush_seconds", 0.2);
        json.add("influx", i);
        return json;
    }

    private static MqttSensorClient sensor(LiveHarness live, String id) {
        return new MqttSensorClient(live.clients, "127.0.0.1", live.service.mqttPort(), id, live.tokens.get(id), 100,
                null);
    }

    /** Streams the demo as {@code sensor} from capture time T0 (so the same detections have the same ids). */
    private static Future<Void> streamDemo(LiveHarness live, String sensor, AtomicInteger acked) throws Exception {
        return LiveHarness.stream(sensor(live, sensor), LiveHarness.demoFrames(0, LiveHarness.T0), acked);
    }

    /** Waits until the node's sink has no record in flight, and returns it. */
    private static ClusterSink settled(LiveHarness live) {
        ClusterSink sink = live.service.clusterSink();
        assertNotNull(sink, "the service is not in cluster mode");
        Await.until(() -> sink.pending() == 0, WAIT, () -> sink.pending() + " records still in flight");
        return sink;
    }

    /** Every entry of a closed journal, as {type, data} objects in order (read from its segment files). */
    static List<JsonObject> entries(Path journalDir) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        List<Path> segments;
        try (Stream<Path> files = Files.list(journalDir)) {
            segments = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
        for (Path segment : segments) {
            for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(JsonParser.parseString(line).getAsJsonObject());
                }
            }
        }
        return out;
    }

    /** The record ids of the journal's entries of this type, failing on any one journaled twice. */
    static Map<String, JsonObject> journaledOnce(List<JsonObject> entries, String type) {
        Map<String, JsonObject> byId = new LinkedHashMap<>();
        for (JsonObject e : entries) {
            if (!e.get("type").getAsString().equals(type)) {
                continue;
            }
            JsonObject data = e.getAsJsonObject("data");
            String id = data.getAsJsonObject(WriterPositions.SOURCE).get("record_id").getAsString();
            assertFalse(byId.containsKey(id), id + " journaled twice");
            byId.put(id, data);
        }
        return byId;
    }

    static void assertVerifies(Path writerDir) throws Exception {
        Path keyFile = writerDir.resolve("keys").resolve("journal-ed25519.pem");
        JournalVerifier.Report report = JournalVerifier.verify(writerDir.resolve("journal"), null,
                JournalKeys.readPublic(JournalKeys.publicKeyFile(keyFile)), null);
        assertTrue(report.ok(), "earshot verify: " + report.failure());
    }

    @Test
    void twoNodesDetectionsAreJournaledOnceEvenWhenASensorIsAnalysedAgainOnAnotherNode() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("s1", SensorRegistry.newToken());
        tokens.put("s2", SensorRegistry.newToken());
        Path writerDir = dir.resolve("writer");
        int alertsMade;
        int detectionsMade;
        long duplicates;
        String storedInInflux;
        JsonObject influxSection = new JsonObject();
        try (InfluxServer influx = InfluxServer.start(dir.resolve("influxd"));
             LiveHarness a = new LiveHarness(Files.createDirectories(dir.resolve("node-a")),
                nodeConfig("t1.", "node-a"), tokens);
             LiveHarness b = new LiveHarness(Files.createDirectories(dir.resolve("node-b")),
                     nodeConfig("t1.", "node-b"), tokens);
             ClusterJournalWriter writer = writer(writerDir, a.dir.resolve("sensors.json"), "t1.",
                     withInflux(influxSection, influx))) {
            AtomicInteger acked = new AtomicInteger();
            LiveHarness.await(Future.all(streamDemo(a, "s1", acked), streamDemo(b, "s2", acked)));
            ClusterSink sa = settled(a);
            ClusterSink sb = settled(b);
            Await.until(() -> sa.detectionsAcknowledged() == DEMO_FINALS && sb.detectionsAcknowledged() == DEMO_FINALS,
                    WAIT, () -> "each node to have " + DEMO_FINALS + " detections acknowledged: "
                            + sa.detectionsAcknowledged() + " and " + sb.detectionsAcknowledged());
            // s1 reconnects to node b and its agent sends the same audio again: the same detections, made twice.
            LiveHarness.await(streamDemo(b, "s1", acked));
            Await.until(() -> settled(b).detectionsAcknowledged() == 2L * DEMO_FINALS, WAIT,
                    () -> "node b to have made s1's detections too: " + sb.detectionsAcknowledged());
            assertEquals(0, sa.failed() + sb.failed(), "records Kafka did not acknowledge");
            long made = sa.detectionsAcknowledged() + sa.alertsAcknowledged() + sb.detectionsAcknowledged()
                    + sb.alertsAcknowledged();
            Await.until(() -> writer.writer().journaled() + writer.writer().duplicates() == made, WAIT,
                    () -> "the writer to have read all " + made + " records: journaled "
                            + writer.writer().journaled() + ", duplicates " + writer.writer().duplicates());
            detectionsMade = (int) (sa.detectionsAcknowledged() + sb.detectionsAcknowledged());
            alertsMade = (int) (sa.alertsAcknowledged() + sb.alertsAcknowledged());
            duplicates = writer.writer().duplicates();
            assertEquals(0, writer.writer().refused());
            // Journaled, then published: the writer's InfluxDB writer catches up with every journaled detection.
            long journaledDetections = 2L * DEMO_FINALS;
            Await.until(() -> writer.influx().detectionsWritten() >= journaledDetections, WAIT,
                    () -> "InfluxDB to get " + journaledDetections + " detections from the writer: "
                            + writer.influx().detectionsWritten());
            storedInInflux = PrivacyIT.query(java.net.http.HttpClient.newHttpClient(), influx,
                    "SELECT id FROM \"earshot_detections\".\"detection\"");
        }
        assertEquals(3 * DEMO_FINALS, detectionsMade);
        // s1's second analysis made each of its records again; each is journaled once.
        assertEquals((detectionsMade + alertsMade) / 3, duplicates);

        List<JsonObject> journal = entries(writerDir.resolve("journal"));
        Map<String, JsonObject> detections = journaledOnce(journal, "detection");
        Map<String, JsonObject> alerts = journaledOnce(journal, "alert");
        assertEquals(2 * DEMO_FINALS, detections.size(), detections.keySet().toString());
        assertEquals(alertsMade * 2 / 3, alerts.size());
        for (String sensor : List.of("s1", "s2")) {
            List<JsonObject> finals = detections.values().stream()
                    .filter(d -> d.get("sensor").getAsString().equals(sensor)).toList();
            LiveHarness.assertSameAsDetect(finals, sensor, LiveHarness.T0);
        }
        Set<String> nodes = new HashSet<>();
        detections.values().forEach(d -> nodes.add(d.getAsJsonObject(WriterPositions.SOURCE).get("node")
                .getAsString()));
        assertEquals(Set.of("node-a", "node-b"), nodes);
        assertVerifies(writerDir);
        for (JsonObject d : detections.values()) {
            assertTrue(storedInInflux.contains(d.get("id").getAsString()), d.get("id") + " not in InfluxDB: "
                    + storedInInflux);
        }

        // Audio stays on the node: no sample of the demo is in any broker's log directory.
        short[] demo = AudioLeakScanner.pcm16(AudioLoader.load16k(LiveHarness.DEMO).samples());
        AudioLeakScanner scanner = AudioLeakScanner.of(Map.of(LiveHarness.DEMO.toString(), demo));
        byte[] frame = LiveHarness.demoFrames(0, LiveHarness.T0).get(20);
        assertFalse(scanner.scan("a demo frame as sent", frame).isEmpty(), "the scanner does not recognise audio");
        List<AudioLeakScanner.Finding> findings = new ArrayList<>();
        long scanned = 0;
        for (Path root : kafka.dataDirs()) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    byte[] bytes = Files.readAllBytes(f);
                    scanned += bytes.length;
                    findings.addAll(scanner.scan(f.toString(), bytes));
                }
            }
        }
        assertTrue(scanned > 0, "nothing to scan in " + kafka.dataDirs());
        assertTrue(findings.isEmpty(), "audio in Kafka's log directories: " + findings);
    }

    /** The journal entry at {@code seq} as the writer's files hold it now; null when not there (yet). */
    static JsonObject journaledAt(Path journalDir, long seq) {
        try (Stream<Path> files = Files.list(journalDir)) {
            for (Path segment : files.filter(f -> f.getFileName().toString().startsWith("segment-")).toList()) {
                for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
                    try {
                        JsonObject e = JsonParser.parseString(line).getAsJsonObject();
                        if (e.get("seq").getAsLong() == seq) {
                            return e;
                        }
                    } catch (RuntimeException torn) {
                        // a line being written
                    }
                }
            }
            return null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void journaledDetectionsArePublishedOnTheNodesMqttEndpointAndTheWritersApiProvesThem() throws Exception {
        Map<String, String> tokens = Map.of("s1", SensorRegistry.newToken());
        Path writerDir = Files.createDirectories(dir.resolve("writer"));
        String auditor = org.earshot.config.ApiKeyRegistry.add(writerDir.resolve("api-keys.json"), "audit-office",
                "auditor");
        JsonObject journal = new JsonObject();
        journal.addProperty("checkpoint_seconds", 0.2);
        JsonObject extra = new JsonObject();
        extra.add("journal", journal);
        Path journalDir = writerDir.resolve("journal");
        // What the reader got, and what the journal did not hold (yet) when it arrived: must stay empty.
        List<JsonObject> received = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> beforeJournaled = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> checkpoints = java.util.Collections.synchronizedList(new ArrayList<>());
        try (LiveHarness a = new LiveHarness(Files.createDirectories(dir.resolve("node-a")),
                nodeConfig("t5.", "node-a"), tokens)) {
            io.vertx.mqtt.MqttClient reader = io.vertx.mqtt.MqttClient.create(a.clients,
                    new io.vertx.mqtt.MqttClientOptions().setClientId("auditor-reader")
                            .setUsername(LiveHarness.READER).setPassword(a.readerKey).setMaxMessageSize(65536));
            reader.publishHandler(m -> {
                JsonObject json = JsonParser.parseString(m.payload().toString(StandardCharsets.UTF_8))
                        .getAsJsonObject();
                if (m.topicName().equals(org.earshot.ingest.Topics.CHECKPOINT)) {
                    checkpoints.add(json.toString());
                    return;
                }
                // Journaled, then published: the entry at journal_seq is on disk and is this detection.
                JsonObject entry = journaledAt(journalDir, json.get("journal_seq").getAsLong());
                if (entry == null || !entry.getAsJsonObject("data").get("id").equals(json.get("id"))) {
                    beforeJournaled.add(m.topicName() + " " + json + " journal: " + entry);
                }
                received.add(json);
            });
            LiveHarness.await(reader.connect(a.service.mqttPort(), "127.0.0.1"));
            LiveHarness.await(reader.subscribe(Map.of("earshot/v1/detections/#", 1,
                    org.earshot.ingest.Topics.CHECKPOINT, 1)));
            List<JsonObject> published;
            try (ClusterJournalWriter writer = writer(writerDir, a.dir.resolve("sensors.json"), "t5.", extra)) {
                LiveHarness.await(streamDemo(a, "s1", new AtomicInteger()));
                Await.until(() -> received.size() >= DEMO_FINALS, WAIT,
                        () -> "the reader to get " + DEMO_FINALS + " journaled detections: " + received);
                assertEquals(List.of(), beforeJournaled, "published before the journal held it");
                Await.until(() -> !checkpoints.isEmpty(), WAIT, () -> "a checkpoint of the writer's journal");

                published = new ArrayList<>(received);
                LiveHarness.assertSameAsDetect(published, "s1", LiveHarness.T0);
                // The payload is a single node's (the journal entry's published fields) with journal_seq added.
                for (JsonObject d : published) {
                    JsonObject data = journaledAt(journalDir, d.get("journal_seq").getAsLong()).getAsJsonObject("data");
                    JsonObject expected = data.deepCopy();
                    expected.remove("threshold");
                    expected.remove("off_threshold");
                    expected.remove(WriterPositions.SOURCE);
                    expected.addProperty("journal_seq", d.get("journal_seq").getAsLong());
                    assertEquals(expected, d);
                }

                // The writer's query API answers from the cluster's journal: the detections, each with a proof.
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
                    try {
                        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                + writer.httpPort() + path)).header("Authorization", "Bearer " + auditor).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                assertEquals(200, get.apply("/health").statusCode(), get.apply("/health").body());
                java.net.http.HttpResponse<String> list = get.apply("/api/v1/detections?limit=1000");
                assertEquals(200, list.statusCode(), list.body());
                Set<String> listed = new HashSet<>();
                JsonParser.parseString(list.body()).getAsJsonObject().getAsJsonArray("items")
                        .forEach(i -> listed.add(i.getAsJsonObject().get("id").getAsString()));
                Set<String> publishedIds = new HashSet<>();
                published.forEach(d -> publishedIds.add(d.get("id").getAsString()));
                assertEquals(publishedIds, listed);
                JournalKeys keys = JournalKeys.loadOrCreate(writerDir.resolve("keys").resolve("journal-ed25519.pem"));
                String id = published.get(0).get("id").getAsString();
                JsonObject[] proof = new JsonObject[1];
                Await.until(() -> {
                    java.net.http.HttpResponse<String> r = get.apply("/api/v1/detections/" + id);
                    assertEquals(200, r.statusCode(), r.body());
                    proof[0] = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("proof");
                    return !proof[0].get("checkpoint").isJsonNull();
                }, WAIT, () -> "a proof of " + id + " against a signed checkpoint");
                QueryApiServiceIT.assertProofVerifies(proof[0], keys);
                // The node's own API holds no detections: it says so and points to the writer.
                java.net.http.HttpResponse<String> onNode = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + a.service.httpPort() + "/api/v1/detections"))
                        .header("Authorization", "Bearer " + a.readerKey).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(503, onNode.statusCode(), onNode.body());
                assertTrue(onNode.body().contains("journal writer"), onNode.body());
            }

            // At least once: a writer that died before Kafka acknowledged any announcement (its saved position
            // still at the start) announces the journal's detections again when the next one starts.
            new org.earshot.store.PositionFile(writerDir.resolve(ClusterJournalWriter.ANNOUNCED_POSITION_FILE))
                    .write(0);
            int before = received.size();
            try (ClusterJournalWriter again = writer(writerDir, a.dir.resolve("sensors.json"), "t5.", extra)) {
                Await.until(() -> received.size() >= before + DEMO_FINALS, WAIT,
                        () -> "the detections announced again: " + (received.size() - before));
            }
            assertEquals(List.of(), beforeJournaled, "published before the journal held it");
            assertEquals(published, new ArrayList<>(received.subList(before, before + DEMO_FINALS)),
                    "announced again, the same payloads (readers dedupe by id)");
            LiveHarness.await(reader.disconnect());
        }
        assertVerifies(writerDir);
    }

    @Test
    void aBrokerKilledDuringProductionLosesNoAcknowledgedRecordAndARestartedWriterJournalsNothingTwice()
            throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String s : List.of("s1", "s2", "s3")) {
            tokens.put(s, SensorRegistry.newToken());
        }
        Path writerDir = dir.resolve("writer");
        Map<String, Long> made = new HashMap<>();
        try (LiveHarness a = new LiveHarness(Files.createDirectories(dir.resolve("node-a")),
                nodeConfig("t2.", "node-a"), tokens)) {
            ClusterSink sink = a.service.clusterSink();
            try (ClusterJournalWriter writer = writer(writerDir, a.dir.resolve("sensors.json"), "t2.")) {
                AtomicInteger acked = new AtomicInteger();
                List<Future<Void>> streams = new ArrayList<>();
                for (String s : tokens.keySet()) {
                    streams.add(streamDemo(a, s, acked));
                }
                int frames = LiveHarness.demoFrames(0, LiveHarness.T0).size();
                // Kill one broker once a third of the audio is in, while detections are being produced.
                Await.until(() -> acked.get() >= frames, WAIT, () -> acked.get() + " frames acknowledged");
                kafka.node(3).kill();
                LiveHarness.await(Future.all(streams));
                // Frames are acknowledged once queued: the last detections come after the streams end.
                Await.until(() -> sink.detectionsAcknowledged() + sink.failed() >= 3L * DEMO_FINALS, WAIT,
                        () -> "the node to make " + 3 * DEMO_FINALS + " detections: " + sink.detectionsAcknowledged()
                                + " acknowledged, " + sink.failed() + " failed");
                settled(a);
                made.put("detections", sink.detectionsAcknowledged());
                made.put("alerts", sink.alertsAcknowledged());
                made.put("failed", sink.failed());
                long total = sink.detectionsAcknowledged() + sink.alertsAcknowledged();
                Await.until(() -> writer.writer().journaled() == total, WAIT,
                        () -> "the writer to journal all " + total + " acknowledged records: "
                                + writer.writer().journaled());
            } finally {
                kafka.node(3).restart();
            }
            assertEquals(0L, made.get("failed"), "records not acknowledged during the broker's death");
            assertEquals(3L * DEMO_FINALS, made.get("detections"));

            // A new writer on the same journal: where to read from comes from the journal, so it journals only
            // what is new (s1's detections made once more by a fresh stream at a later capture time). The group's
            // committed offsets are set back to 0 first, as if the writer had died before committing anything: a
            // writer that trusted them would read every old record again (and count them as duplicates).
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()))) {
                Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
                for (int p = 0; p < 3; p++) {
                    zero.put(new TopicPartition("t2.records", p), new OffsetAndMetadata(0));
                }
                admin.alterConsumerGroupOffsets("t2.journal-writer", zero).all().get(60, TimeUnit.SECONDS);
            }
            int before = entries(writerDir.resolve("journal")).size();
            try (ClusterJournalWriter again = writer(writerDir, a.dir.resolve("sensors.json"), "t2.")) {
                LiveHarness.await(LiveHarness.stream(sensor(a, "s1"),
                        LiveHarness.demoFrames(0, LiveHarness.T0 + 3_600_000_000L), new AtomicInteger()));
                Await.until(() -> sink.detectionsAcknowledged() >= 4L * DEMO_FINALS, WAIT,
                        () -> "s1's new stream to make its detections: " + sink.detectionsAcknowledged());
                long newer = settled(a).detectionsAcknowledged() + sink.alertsAcknowledged()
                        - made.get("detections") - made.get("alerts");
                assertTrue(newer > 0);
                Await.until(() -> again.writer().journaled() == newer, WAIT,
                        () -> "the new writer to journal the " + newer + " new records: " + again.writer().journaled());
                assertEquals(0, again.writer().duplicates() + again.writer().alreadyJournaled(),
                        "the new writer read records the journal already had");
                assertTrue(before > 0);
            }
        }
        List<JsonObject> journal = entries(writerDir.resolve("journal"));
        Map<String, JsonObject> detections = journaledOnce(journal, "detection");
        journaledOnce(journal, "alert");
        assertEquals(4L * DEMO_FINALS, detections.size());
        assertVerifies(writerDir);
    }

    @Test
    void withoutAQuorumOfBrokersNoDetectionIsMadeAndHealthSaysSo() throws Exception {
        Map<String, String> tokens = Map.of("s1", SensorRegistry.newToken());
        JsonObject json = JsonParser.parseString(nodeConfig("t3.", "node-a")).getAsJsonObject();
        json.getAsJsonObject("cluster").addProperty("delivery_timeout_seconds", 5);
        Path writerDir = dir.resolve("writer");
        try (LiveHarness a = new LiveHarness(Files.createDirectories(dir.resolve("node-a")), json.toString(), tokens);
             ClusterJournalWriter writer = writer(writerDir, a.dir.resolve("sensors.json"), "t3.")) {
            ClusterSink sink = a.service.clusterSink();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI health = java.net.URI.create("http://127.0.0.1:" + a.service.httpPort() + "/health");
            assertEquals(200, http.send(java.net.http.HttpRequest.newBuilder(health).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
            // Two of three brokers gone: min.insync.replicas=2 cannot be met, so nothing can be acknowledged.
            kafka.node(2).kill();
            kafka.node(3).kill();
            try {
                LiveHarness.await(streamDemo(a, "s1", new AtomicInteger()));
                Await.until(() -> sink.failed() >= DEMO_FINALS && sink.pending() == 0, WAIT,
                        () -> "the node's detections to fail: " + sink.failed() + " failed, " + sink.pending()
                                + " pending");
                assertEquals(0, sink.detectionsAcknowledged(), "a detection counted as made without Kafka");
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(health).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.body().contains("cluster_records"), r.body());
            } finally {
                kafka.node(2).restart();
                kafka.node(3).restart();
                kafka.awaitBrokers(KafkaCluster.NODES);
            }
            // A record Kafka did not acknowledge in time may still have reached the leader's log and be committed
            // once the replicas are back: journaled although not counted as made (never the reverse), and once.
        }
        assertTrue(journaledOnce(entries(writerDir.resolve("journal")), "detection").size() <= DEMO_FINALS);
    }

    @Test
    void aSensorThatConnectsToAnotherNodeIsClosedOnTheFirst() throws Exception {
        Map<String, String> tokens = Map.of("s1", SensorRegistry.newToken());
        try (LiveHarness a = new LiveHarness(Files.createDirectories(dir.resolve("node-a")),
                nodeConfig("t4.", "node-a"), tokens);
             LiveHarness b = new LiveHarness(Files.createDirectories(dir.resolve("node-b")),
                     nodeConfig("t4.", "node-b"), tokens)) {
            List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0);
            java.util.concurrent.CountDownLatch closedOnA = new java.util.concurrent.CountDownLatch(1);
            MqttSensorClient onA = sensor(a, "s1").closeHandler(closedOnA::countDown);
            LiveHarness.await(onA.connect());
            LiveHarness.await(LiveHarness.sendAll(onA, frames.subList(0, 10)));
            assertEquals(1, closedOnA.getCount(), "closed before another connection");
            // The sensor reconnects through the balancer to node b: the newest connection wins.
            java.util.concurrent.CountDownLatch closedOnB = new java.util.concurrent.CountDownLatch(1);
            MqttSensorClient onB = sensor(b, "s1").closeHandler(closedOnB::countDown);
            LiveHarness.await(onB.connect());
            assertTrue(closedOnA.await(WAIT.toSeconds(), TimeUnit.SECONDS), "node a kept s1's old connection");
            LiveHarness.await(LiveHarness.sendAll(onB, frames.subList(10, 20)));
            assertEquals(1, closedOnB.getCount(), "node b closed the newest connection");
            LiveHarness.await(onB.close());
        }
    }

    @Test
    void aWebSocketSensorThatConnectsToAnotherNodeIsClosedOnTheFirst() throws Exception {
        Map<String, String> tokens = Map.of("s1", SensorRegistry.newToken());
        try (LiveHarness a = new LiveHarness(Files.createDirectories(dir.resolve("node-a")),
                nodeConfig("t5.", "node-a"), tokens);
             LiveHarness b = new LiveHarness(Files.createDirectories(dir.resolve("node-b")),
                     nodeConfig("t5.", "node-b"), tokens)) {
            List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0);
            java.util.concurrent.CountDownLatch closedOnA = new java.util.concurrent.CountDownLatch(1);
            WebSocketSensorClient onA = new WebSocketSensorClient(a.clients, "127.0.0.1",
                    a.service.webSocketPort(), "s1", tokens.get("s1"), null, e -> { })
                    .closeHandler(closedOnA::countDown);
            LiveHarness.await(onA.connect());
            LiveHarness.await(LiveHarness.sendAll(onA, frames.subList(0, 10)));
            assertEquals(1, closedOnA.getCount(), "closed before another connection");
            // The sensor reconnects, over MQTT this time, to node b: the newest connection wins, whatever transport.
            java.util.concurrent.CountDownLatch closedOnB = new java.util.concurrent.CountDownLatch(1);
            MqttSensorClient onB = sensor(b, "s1").closeHandler(closedOnB::countDown);
            LiveHarness.await(onB.connect());
            assertTrue(closedOnA.await(WAIT.toSeconds(), TimeUnit.SECONDS), "node a kept s1's WebSocket");
            LiveHarness.await(LiveHarness.sendAll(onB, frames.subList(10, 20)));
            // And back to node a over WebSocket: node b closes its MQTT connection.
            WebSocketSensorClient again = new WebSocketSensorClient(a.clients, "127.0.0.1",
                    a.service.webSocketPort(), "s1", tokens.get("s1"), null, e -> { });
            LiveHarness.await(again.connect());
            assertTrue(closedOnB.await(WAIT.toSeconds(), TimeUnit.SECONDS), "node b kept s1's MQTT connection");
            LiveHarness.await(LiveHarness.sendAll(again, frames.subList(20, 30)));
            LiveHarness.await(again.close());
        }
    }
}
