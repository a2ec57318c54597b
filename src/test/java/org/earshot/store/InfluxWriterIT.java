package org.earshot.store;

import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.earshot.pipeline.LevelReading;
import org.earshot.pipeline.SensorProfile;
import org.earshot.testing.Await;
import org.earshot.testing.InfluxServer;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.Query;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer against a real influxd, including kill -9 of InfluxDB during a stream of detections. */
@RequiresServers({Server.INFLUXD})
class InfluxWriterIT {
    private static final String DB = "earshot_test";
    private static final Duration CAUGHT_UP = Duration.ofSeconds(30);
    /** Detections start now on the wall clock, so that they are inside every retention policy. */
    private static final long T0 = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());

    @TempDir
    Path dir;

    private InfluxServer server;
    private InfluxDB client;
    private final List<InfluxWriter> writers = new ArrayList<>();

    @BeforeEach
    void startInflux() {
        server = InfluxServer.start(dir.resolve("influxd"));
        client = InfluxDBFactory.connect(server.url());
    }

    @AfterEach
    void stopAll() {
        writers.forEach(InfluxWriter::close);
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The journal as the writer sees it: detections at positions with holes (other entry types in between). */
    static final class ListSource implements DetectionSource {
        private final List<StoredDetection> entries = new ArrayList<>();
        private long nextPosition = 3;

        synchronized StoredDetection append(String sensor, String label, long onsetMicros) {
            StoredDetection d = new StoredDetection(nextPosition, sensor + "-" + onsetMicros + "-" + label, sensor,
                    label, onsetMicros, onsetMicros + 500_000, 0.5 + (nextPosition % 50) / 100.0, -20.0,
                    null, "test-model", onsetMicros + 600_000);
            entries.add(d);
            nextPosition += 1 + nextPosition % 3;
            return d;
        }

        synchronized List<String> ids() {
            return entries.stream().map(StoredDetection::id).sorted().toList();
        }

        @Override
        public synchronized long end() {
            return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).position() + 1;
        }

        @Override
        public synchronized List<StoredDetection> read(long from, int max) {
            List<StoredDetection> out = new ArrayList<>();
            for (StoredDetection d : entries) {
                if (d.position() >= from && out.size() < max) {
                    out.add(d);
                }
            }
            return out;
        }
    }

    private InfluxSettings settings(int batchSize, int levelBound) {
        return InfluxSettings.defaults(server.url(), DB, dir.resolve("state").resolve("influx.position"))
                .withBatching(batchSize, Duration.ofMillis(100), levelBound)
                .withHealthInterval(Duration.ofMillis(200));
    }

    private InfluxWriter start(InfluxSettings settings, DetectionSource source, AtomicReference<List<SensorHealth>> health) {
        InfluxWriter writer = new InfluxWriter(settings, source, health::get);
        writers.add(writer);
        writer.start();
        return writer;
    }

    private static void awaitCaughtUp(InfluxWriter writer, ListSource source) {
        writer.detectionsAppended();
        Await.until(() -> writer.position() == source.end() && writer.detectionLag() == 0, CAUGHT_UP,
                () -> "writer caught up to " + source.end() + ", at " + writer.position() + ", failures "
                        + writer.writeFailures());
    }

    private List<Map<String, Object>> rows(String influxQl) {
        return InfluxServer.rows(client.query(new Query(influxQl, DB)), influxQl);
    }

    private List<String> idsInInflux() {
        return rows("SELECT id FROM \"earshot_detections\".\"detection\"").stream()
                .map(row -> (String) row.get("id")).sorted().toList();
    }

    @Test
    void detectionsLevelsAndHealthAreWrittenAndReadBack() {
        ListSource source = new ListSource();
        for (int i = 0; i < 25; i++) {
            source.append("s" + i % 3, i % 2 == 0 ? "shout" : "glass_break", T0 + i * 1_000_000L);
        }
        AtomicReference<List<SensorHealth>> health = new AtomicReference<>(
                List.of(new SensorHealth("s0", true, 1000, 2, 1, 4, 0.5, T0)));
        InfluxWriter writer = start(settings(10, 100), source, health);
        SensorProfile calibrated = new SensorProfile("s0", 94.0, java.util.Set.of());
        for (int i = 0; i < 5; i++) {
            writer.accept(new LevelReading(calibrated, T0 + i * 1_000_000L, -40.0 + i, -10.0));
        }
        // Digital silence: no point, and no write error either.
        writer.accept(new LevelReading(calibrated, T0 + 5_000_000L, Double.NEGATIVE_INFINITY,
                Double.NEGATIVE_INFINITY));

        awaitCaughtUp(writer, source);
        assertEquals(source.ids(), idsInInflux());
        assertEquals(25, writer.detectionsWritten());

        List<Map<String, Object>> first = rows("SELECT * FROM \"earshot_detections\".\"detection\" WHERE id = '"
                + source.read(0, 1).get(0).id() + "'");
        assertEquals(1, first.size());
        assertEquals("s0", first.get(0).get("sensor"));
        assertEquals("shout", first.get(0).get("class"));
        assertEquals("test-model", first.get(0).get("model"));
        assertEquals(0.5, (Double) first.get(0).get("duration_s"), 1e-9);

        Await.until(() -> writer.levelsWritten() == 5 && writer.healthWritten() >= 1, CAUGHT_UP,
                () -> "5 levels and a health sample written, got " + writer.levelsWritten() + " and "
                        + writer.healthWritten());
        List<Map<String, Object>> levels = rows("SELECT laeq_dbfs, laeq_db FROM \"earshot_levels\".\"sound_level\"");
        assertEquals(5, levels.size());
        assertEquals(-40.0 + 94.0, (Double) levels.get(0).get("laeq_db"), 1e-9);
        List<Map<String, Object>> sensorHealth = rows("SELECT * FROM \"earshot_levels\".\"sensor_health\"");
        assertTrue(sensorHealth.size() >= 1);
        assertEquals(true, sensorHealth.get(0).get("connected"));
        assertEquals(0, writer.levelsDropped());
    }

    @Test
    void retentionPoliciesAreCreatedThenAlteredToTheConfiguredDurations() {
        ListSource source = new ListSource();
        InfluxWriter first = start(settings(10, 100).withRetention(Duration.ofHours(2), Duration.ofDays(3)), source,
                new AtomicReference<>(List.of()));
        Await.until(first::schemaReady, CAUGHT_UP, () -> "schema set up");
        assertEquals(Map.of("earshot_detections", Duration.ofHours(2), "earshot_levels", Duration.ofDays(3)),
                earshotPolicies());
        first.close();

        InfluxWriter second = start(settings(10, 100).withRetention(Duration.ofDays(400), Duration.ofHours(5)), source,
                new AtomicReference<>(List.of()));
        Await.until(second::schemaReady, CAUGHT_UP, () -> "schema set up again");
        assertEquals(Map.of("earshot_detections", Duration.ofDays(400), "earshot_levels", Duration.ofHours(5)),
                earshotPolicies());
    }

    private Map<String, Duration> earshotPolicies() {
        Map<String, Duration> policies = new TreeMap<>(InfluxSchema.retentionPolicies(
                client.query(new Query(InfluxSchema.showRetentionPolicies(DB)))));
        policies.keySet().removeIf(name -> !name.startsWith("earshot_"));
        return policies;
    }

    @Test
    void levelsAreBufferedWithinTheBoundWhileInfluxIsDownAndTheOldestAreDropped() {
        int bound = 50;
        InfluxWriter writer = start(settings(10, bound), new ListSource(), new AtomicReference<>(List.of()));
        Await.until(writer::schemaReady, CAUGHT_UP, () -> "schema set up");
        server.kill();

        SensorProfile sensor = SensorProfile.uncalibrated("s1");
        int total = 80;
        for (int i = 0; i < total; i++) {
            writer.accept(new LevelReading(sensor, T0 + i * 1_000_000L, -30.0, -10.0));
        }
        assertEquals(bound, writer.levelsBuffered());
        assertEquals(total - bound, writer.levelsDropped());
        Await.until(() -> writer.writeFailures() > 0 && !writer.connected(), CAUGHT_UP,
                () -> "the writer to notice the outage");
        assertEquals(0, writer.levelsWritten());

        server.restart();
        Await.until(() -> writer.levelsWritten() == bound && writer.levelsBuffered() == 0, CAUGHT_UP,
                () -> "buffered levels written after the restart, written " + writer.levelsWritten());
        List<Map<String, Object>> rows = rows("SELECT laeq_dbfs FROM \"earshot_levels\".\"sound_level\"");
        assertEquals(bound, rows.size());
        // The newest survived: the first point left is the first that was not dropped.
        long firstKeptMicros = T0 + (total - bound) * 1_000_000L;
        List<Map<String, Object>> first = rows("SELECT laeq_dbfs FROM \"earshot_levels\".\"sound_level\" WHERE time = "
                + firstKeptMicros + "u");
        assertEquals(1, first.size());
        assertEquals(total - bound, writer.levelsDropped());
        assertTrue(writer.connected());
    }

    @Test
    void noDetectionIsMissingOrDuplicatedAfterInfluxIsKilledThreeTimesDuringAStream() throws Exception {
        ListSource source = new ListSource();
        InfluxWriter writer = start(settings(20, 1000), source, new AtomicReference<>(List.of()));
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                long onset = T0;
                String[] labels = {"shout", "glass_break", "impact"};
                for (int i = 0; producing.get(); i++) {
                    source.append("s" + i % 4, labels[i % 3], onset);
                    onset += 250_000;
                    writer.detectionsAppended();
                    // Paces the stream (about 1000 detections a second); nothing to wait for here.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            } catch (Throwable t) {
                producerFailure.set(t);
            }
        }, "detection-producer");
        producer.start();
        try {
            for (int kill = 1; kill <= 3; kill++) {
                long writtenBefore = writer.detectionsWritten();
                Await.until(() -> writer.detectionsWritten() >= writtenBefore + 100, CAUGHT_UP,
                        () -> "the writer to write during the stream, written " + writer.detectionsWritten());
                server.kill();
                long failuresBefore = writer.writeFailures();
                Await.until(() -> writer.writeFailures() > failuresBefore, CAUGHT_UP,
                        () -> "the writer to notice the outage");
                server.restart();
            }
            long writtenBefore = writer.detectionsWritten();
            Await.until(() -> writer.detectionsWritten() >= writtenBefore + 100, CAUGHT_UP,
                    () -> "the writer to write after the last restart");
        } finally {
            producing.set(false);
            producer.join();
        }
        assertEquals(null, producerFailure.get());

        awaitCaughtUp(writer, source);
        List<String> produced = source.ids();
        List<String> stored = idsInInflux();
        assertTrue(writer.writeFailures() >= 3, "failures " + writer.writeFailures());
        assertEquals(produced.size(), stored.size(), "detections in InfluxDB (duplicates or missing)");
        assertEquals(produced, stored);
        assertEquals(source.end(), new PositionFile(settings(20, 1000).positionFile()).read());
    }

    @Test
    void aNewWriterResumesFromTheSavedPositionAndRewritesWithoutDuplicates() throws IOException {
        ListSource source = new ListSource();
        for (int i = 0; i < 40; i++) {
            source.append("s1", "impact", T0 + i * 1_000_000L);
        }
        InfluxSettings settings = settings(10, 100);
        InfluxWriter first = start(settings, source, new AtomicReference<>(List.of()));
        awaitCaughtUp(first, source);
        first.close();
        long saved = new PositionFile(settings.positionFile()).read();
        assertEquals(source.end(), saved);

        // As if the process had died after writing the last 10 but before saving the position.
        StoredDetection eleventhFromEnd = source.read(0, 40).get(30);
        new PositionFile(settings.positionFile()).write(eleventhFromEnd.position());
        for (int i = 40; i < 55; i++) {
            source.append("s1", "impact", T0 + i * 1_000_000L);
        }

        InfluxWriter second = start(settings, source, new AtomicReference<>(List.of()));
        assertEquals(eleventhFromEnd.position(), second.position());
        awaitCaughtUp(second, source);
        assertEquals(10 + 15, second.detectionsWritten());
        List<String> stored = idsInInflux();
        assertEquals(55, stored.size());
        assertEquals(source.ids(), stored);
    }

    @Test
    void closeFlushesWhatIsPendingWithoutWaitingForTheNextInterval() {
        ListSource source = new ListSource();
        InfluxSettings slow = settings(100, 100).withBatching(100, Duration.ofMinutes(10), 100);
        InfluxWriter writer = start(slow, source, new AtomicReference<>(List.of()));
        Await.until(writer::schemaReady, CAUGHT_UP, () -> "schema set up");
        for (int i = 0; i < 3; i++) {
            writer.accept(new LevelReading(SensorProfile.uncalibrated("s1"), T0 + i * 1_000_000L, -30.0, -10.0));
            // Appended without notification: only the final flush can pick these up within the test.
            source.append("s1", "shout", T0 + i * 1_000_000L);
        }
        writer.close();
        assertEquals(3, writer.levelsWritten());
        assertEquals(3, rows("SELECT laeq_dbfs FROM \"earshot_levels\".\"sound_level\"").size());
        assertEquals(source.ids(), idsInInflux());
    }
}
