package org.earshot.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.cluster.ClusterSink;
import org.earshot.cluster.KafkaSettings;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.Detection;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.earshot.pipeline.SensorDetection;
import org.earshot.pipeline.SensorProfile;
import org.earshot.testing.Await;
import org.earshot.testing.KafkaCluster;
import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code earshot journal-writer} as two child JVMs on one journal against a real Kafka cluster: the first holds the
 * journal and writes, the second stands by; the first is killed with SIGKILL while records arrive, the second takes
 * over from what the journal holds, and every acknowledged record is journaled exactly once, in a journal that
 * verifies. A node's reader of the journaled topic gets every journaled record announced with its journal seq, those
 * journaled after the kill by the standby, those the killed writer may not have announced when the standby starts;
 * the standby answers /health with 503 until it holds the journal, then 200.
 */
@RequiresServers(Server.KAFKA)
class ClusterWriterFailoverIT {
    static final Duration WAIT = Duration.ofSeconds(120);
    static final int RECORDS = 400;
    static final long T0 = 1_795_900_000_000_000L;

    @TempDir
    Path dir;

    /** One child JVM running {@code earshot journal-writer --config FILE}, its output in one log file. */
    static final class WriterProcess implements AutoCloseable {
        final Process process;
        final Path log;

        WriterProcess(Path config, Path log) throws IOException {
            this.log = log;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "org.earshot.cli.Earshot", "journal-writer", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("EARSHOT_"));
            this.process = builder.start();
        }

        String output() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }

        /** The port of the {@code n}th HTTP listener it started (1: standing by or active, 2: active after that). */
        int httpPort(int n) {
            java.util.regex.Pattern listening = java.util.regex.Pattern.compile(
                    "http: listening on 127\\.0\\.0\\.1:(\\d+)");
            List<Integer> ports = new ArrayList<>();
            Await.until(() -> {
                ports.clear();
                java.util.regex.Matcher m = listening.matcher(output());
                while (m.find()) {
                    ports.add(Integer.parseInt(m.group(1)));
                }
                return ports.size() >= n || !process.isAlive();
            }, WAIT, () -> "HTTP listener " + n + " of the writer:\n" + output());
            assertTrue(ports.size() >= n, output());
            return ports.get(n - 1);
        }

        void awaitOutput(String text) {
            Await.until(() -> output().contains(text) || !process.isAlive(), WAIT,
                    () -> "'" + text + "' from the writer:\n" + output());
            assertTrue(process.isAlive(), "the writer exited:\n" + output());
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The journal's detection entries' record ids, read from its segment files (a torn last line is skipped). */
    static List<String> journaledIds(Path journalDir) {
        try {
            return readIds(journalDir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> readIds(Path journalDir) throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(journalDir)) {
            return ids;
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(journalDir)) {
            segments = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
        for (Path segment : segments) {
            for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
                JsonObject e;
                try {
                    e = JsonParser.parseString(line).getAsJsonObject();
                } catch (RuntimeException torn) {
                    continue;
                }
                if (e.get("type").getAsString().equals("detection") && e.has("data")) {
                    ids.add(e.getAsJsonObject("data").getAsJsonObject("cluster").get("record_id").getAsString());
                }
            }
        }
        return ids;
    }

    /** The journal's detection entries: seq -> detection id. */
    static Map<Long, String> journaledDetections(Path journalDir) throws IOException {
        Map<Long, String> out = new java.util.TreeMap<>();
        List<Path> segments;
        try (Stream<Path> files = Files.list(journalDir)) {
            segments = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
        for (Path segment : segments) {
            for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
                JsonObject e = JsonParser.parseString(line).getAsJsonObject();
                if (e.get("type").getAsString().equals("detection")) {
                    out.put(e.get("seq").getAsLong(), e.getAsJsonObject("data").get("id").getAsString());
                }
            }
        }
        return out;
    }

    @Test
    void aStandbyTakesOverFromAKilledWriterWithNoRecordLostOrDuplicated() throws Exception {
        try (KafkaCluster kafka = KafkaCluster.start(dir.resolve("kafka"))) {
            Path sensorsFile = dir.resolve("sensors.json");
            SensorRegistry.write(sensorsFile, List.of(new SensorRecord("s1", SensorRegistry.tokenSha256(
                    SensorRegistry.newToken()), "test bench", "", null, Set.copyOf(Labels.CLASSES), true)));
            JsonObject cluster = new JsonObject();
            cluster.addProperty("bootstrap_servers", kafka.bootstrapServers());
            cluster.addProperty("node_id", "writer");
            cluster.addProperty("partitions", 3);
            JsonObject json = new JsonObject();
            json.addProperty("data_dir", dir.resolve("writer").toString());
            json.addProperty("sensors_file", sensorsFile.toString());
            json.addProperty("model", LiveHarness.MODEL.toAbsolutePath().toString());
            json.add("cluster", cluster);
            for (String listener : List.of("http", "metrics")) {
                JsonObject l = new JsonObject();
                l.addProperty("host", "127.0.0.1");
                l.addProperty("port", 0);
                json.add(listener, l);
            }
            Path config = dir.resolve("writer.json");
            Files.writeString(config, json.toString());
            Path journalDir = dir.resolve("writer").resolve("journal");

            ServeConfig.Cluster node = new ServeConfig.Cluster(kafka.bootstrapServers(), "node-a", "earshot.", 3, 3,
                    2, 30);
            KafkaSettings settings = new KafkaSettings(node);
            settings.ensureTopic();
            JournalSink entries = new JournalSink(null, "earshot-v2",
                    ModelManifest.read(LiveHarness.MODEL).detectorConfig());
            SensorProfile s1 = SensorProfile.uncalibrated("s1");
            // A node's reader of what the writers announce (from the topic's end now): seq -> detection id.
            java.util.Map<Long, String> announced = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicInteger announcements = new java.util.concurrent.atomic.AtomicInteger();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

            try (org.earshot.cluster.JournaledFeed feed = new org.earshot.cluster.JournaledFeed(settings, e -> {
                    if (e.kind().equals(org.earshot.cluster.JournaledEntry.DETECTION)) {
                        announcements.incrementAndGet();
                        announced.put(e.seq(), e.payload().get("id").getAsString());
                    }
                });
                 WriterProcess active = new WriterProcess(config, dir.resolve("writer-1.log"));
                 ClusterSink sink = new ClusterSink(settings, entries::entry)) {
                active.awaitOutput("journal writer active");
                assertTrue(feed.awaitReady(WAIT));
                try (WriterProcess standby = new WriterProcess(config, dir.resolve("writer-2.log"))) {
                    standby.awaitOutput("standing by");
                    java.net.URI health = java.net.URI.create("http://127.0.0.1:" + standby.httpPort(1) + "/health");
                    java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(health)
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    assertEquals(503, r.statusCode(), r.body());
                    assertTrue(r.body().contains("standby"), r.body());
                    for (int i = 0; i < RECORDS; i++) {
                        sink.accept(new SensorDetection(s1, SensorDetection.Stage.FINAL,
                                new Detection("shout", i, i + 0.5, 0.9, -12.0), T0, T0));
                        if (i == RECORDS / 3) {
                            // SIGKILL once the active writer has journaled some, while records keep coming.
                            Await.until(() -> journaledIds(journalDir).size() >= 50, WAIT,
                                    () -> "the active writer to journal 50 records:\n" + active.output());
                            active.process.destroyForcibly();
                            assertTrue(active.process.waitFor(30, TimeUnit.SECONDS));
                        }
                    }
                    sink.close();
                    assertEquals(RECORDS, sink.detectionsAcknowledged(), "records Kafka acknowledged");
                    standby.awaitOutput("journal writer active");
                    Await.until(() -> journaledIds(journalDir).size() >= RECORDS, WAIT,
                            () -> "the standby to journal every record: " + journaledIds(journalDir).size()
                                    + "\n" + standby.output());
                    // Publication resumed: every journaled record announced, at its journal seq.
                    Await.until(() -> announced.size() >= RECORDS, WAIT, () -> "every journaled record to be"
                            + " announced: " + announced.size() + " of " + RECORDS + "\n" + standby.output());
                    Map<Long, String> journaled = journaledDetections(journalDir);
                    assertEquals(journaled, announced, "announced detections by journal seq");
                    assertTrue(announcements.get() >= RECORDS, "at least once");
                    // Active now: the query API and /health on the listener it started on taking over.
                    health = java.net.URI.create("http://127.0.0.1:" + standby.httpPort(2) + "/health");
                    r = http.send(java.net.http.HttpRequest.newBuilder(health).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                    // A clean stop (SIGTERM): the stop entry and a last checkpoint.
                    standby.process.destroy();
                    assertTrue(standby.process.waitFor(60, TimeUnit.SECONDS), standby.output());
                    assertTrue(standby.output().contains("journal writer stopped (journal closed)"),
                            standby.output());
                }
            }
            List<String> ids = journaledIds(journalDir);
            assertEquals(RECORDS, ids.size(), "records journaled");
            assertEquals(RECORDS, Set.copyOf(ids).size(), "a record was journaled twice");
            ClusterModeIT.assertVerifies(dir.resolve("writer"));
        }
    }
}
