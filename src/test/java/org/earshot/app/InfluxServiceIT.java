package org.earshot.app;

import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.earshot.pipeline.OutputJson;
import org.earshot.audio.AudioLoader;
import org.earshot.config.SensorRegistry;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.InfluxServer;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.Query;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The InfluxDB writer as the service runs it, against a real influxd: sensors stream the demo over the embedded MQTT
 * endpoint, and what reaches InfluxDB (detections, sound levels, sensor health, retention policies) is compared with
 * docs/INFLUXDB.md and with the journal. InfluxDB is killed with SIGKILL during a stream and restarted, and is down
 * from the service's start: the service keeps journaling and publishing, /health stays 200, and once InfluxDB is back
 * the writer catches up from the journal with no detection missing or duplicated.
 *
 * <p>{@code -Dearshot.influxKills=N} raises the number of kills of the outage test (default 3) for
 * {@code bench/influx-outage.sh}, which keeps the one-line summary it prints.
 */
@RequiresServers({Server.INFLUXD})
class InfluxServiceIT {
    private static final String HOST = "127.0.0.1";
    private static final String DB = "earshot";
    private static final Duration CAUGHT_UP = Duration.ofSeconds(90);
    /** Each play of the demo starts this far after the previous one on the sensor's clock (the demo is ~23 s). */
    private static final long PLAY_SPACING_MICROS = 30_000_000L;
    /** Capture times start now, so that every point is inside the retention policies. */
    private static final long T0 = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());

    @TempDir
    Path dir;

    private InfluxServer server;
    private LiveHarness live;
    private InfluxDB client;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stopAll() throws Exception {
        try {
            if (live != null) {
                live.close();
            }
        } finally {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    /** Stops the service (its writer's last flush included) so that its journal can be read; returns its data dir. */
    private Path closeService() throws Exception {
        LiveHarness closing = live;
        live = null;
        closing.close();
        return closing.dir;
    }

    private static Map<String, String> tokens(int sensors) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (int i = 1; i <= sensors; i++) {
            tokens.put("s" + i, SensorRegistry.newToken());
        }
        tokens.put("watcher", SensorRegistry.newToken());
        return tokens;
    }

    /** LiveHarness's embedded configuration plus an {@code influx} section. */
    private static String config(String influxJson) {
        JsonObject json = JsonParser.parseString(LiveHarness.embeddedConfig()).getAsJsonObject();
        json.add("influx", JsonParser.parseString(influxJson));
        return json.toString();
    }

    private LiveHarness startService(String influxJson, int sensors) throws Exception {
        live = new LiveHarness(dir.resolve("service"), config(influxJson), tokens(sensors));
        return live;
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void detectionsLevelsAndHealthReachInfluxWithTheDocumentedSchemaAndRetention() throws Exception {
        server = InfluxServer.start(dir.resolve("influxd"));
        client = InfluxDBFactory.connect(server.url());
        startService("{\"url\": \"" + server.url() + "\", \"flush_seconds\": 0.2,"
                + " \"detections_retention_days\": 400, \"levels_retention_days\": 3}", 2);
        // Before any detection the journal holds only the configuration and the start: nothing for InfluxDB.
        Await.until(() -> metric("earshot_influx_connected") == 1, CAUGHT_UP, this::influxMetrics);
        Await.until(() -> metric("earshot_influx_detection_lag_entries") == 0, Duration.ofSeconds(5),
                () -> "no detection lag before the first detection:\n" + influxMetrics());
        LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                "earshot/v1/detections/#", "earshot/v1/levels/#");
        // s2 is calibrated (LiveHarness gives it 94 dB): its points carry the dB SPL fields too.
        Future<Integer> s1 = stream("s1", 1, new AtomicBoolean(false));
        Future<Integer> s2 = stream("s2", 1, new AtomicBoolean(false));
        LiveHarness.await(s1);
        LiveHarness.await(s2);
        int perPlay = LiveHarness.detectCommandOutput().size();
        assertTrue(perPlay > 0);
        monitor.awaitCount("earshot/v1/detections/", 2 * perPlay);
        int levelsPublished = finiteLevels(monitor.on("earshot/v1/levels/")).size();
        assertTrue(levelsPublished >= 2 * 23, "levels published on MQTT: " + levelsPublished);

        Await.until(() -> metric("earshot_influx_detection_lag_entries") == 0
                        && metric("earshot_influx_detections_written_total") == 2 * perPlay
                        && metric("earshot_influx_levels_written_total") == levelsPublished
                        && metric("earshot_influx_levels_buffered") == 0,
                CAUGHT_UP, () -> "the writer to write " + 2 * perPlay + " detections and " + levelsPublished
                        + " levels:\n" + influxMetrics());
        // The first health sample is taken when the writer starts, before any sensor is known; the next ones every
        // 10 s (the default interval). Wait for one taken after s1's play.
        double framesPerPlay = LiveHarness.frames(demo(), 0, T0).size();
        String lastHealth = "SELECT * FROM \"earshot_levels\".\"sensor_health\" WHERE \"sensor\" = 's1'"
                + " ORDER BY time DESC LIMIT 1";
        Await.until(() -> !rows(lastHealth).isEmpty()
                        && framesPerPlay == (Double) rows(lastHealth).get(0).get("frames"), CAUGHT_UP,
                () -> "a sensor_health point of s1 with all " + framesPerPlay + " frames: " + rows(lastHealth));
        Map<String, Object> health = rows(lastHealth).get(0);
        assertEquals(0.0, (Double) health.get("gaps"));
        assertEquals(0.0, (Double) health.get("dropped"));
        assertEquals(0.0, (Double) health.get("queue_depth"));
        assertTrue((Double) health.get("last_seen_us") > 0);

        assertEquals(Map.of("earshot_detections", "9600h0m0s", "earshot_levels", "72h0m0s"), earshotPolicies());

        assertEquals(Set.of("sensor", "class", "model"), tagKeys("earshot_detections", "detection"));
        assertEquals(Map.of("id", "string", "position", "integer", "confidence", "float", "onset_us", "integer",
                        "offset_us", "integer", "duration_s", "float", "peak_dbfs", "float", "peak_db", "float",
                        "received_us", "integer", "latency_s", "float"),
                fieldKeys("earshot_detections", "detection"));
        assertEquals(Set.of("sensor"), tagKeys("earshot_levels", "sound_level"));
        assertEquals(Map.of("laeq_dbfs", "float", "peak_dbfs", "float", "laeq_db", "float", "peak_db", "float"),
                fieldKeys("earshot_levels", "sound_level"));
        assertEquals(Set.of("sensor"), tagKeys("earshot_levels", "sensor_health"));
        assertEquals(Map.ofEntries(Map.entry("connected", "boolean"), Map.entry("frames", "integer"),
                        Map.entry("gaps", "integer"), Map.entry("dropped", "integer"),
                        Map.entry("queue_depth", "integer"), Map.entry("queue_seconds", "float"),
                        Map.entry("last_seen_us", "integer"), Map.entry("silent_s", "float"),
                        Map.entry("clipped", "integer"), Map.entry("location", "string")),
                fieldKeys("earshot_levels", "sensor_health"));
        assertEquals(Set.of("model"), tagKeys("earshot_levels", "service_status"));
        assertEquals(Map.of("model_name", "string", "journal_entries", "integer", "journal_healthy", "boolean",
                        "checkpoint_tree_size", "integer", "unsigned_entries", "integer",
                        "checkpoint_age_s", "float"), // a checkpoint is signed as soon as the start is recorded
                fieldKeys("earshot_levels", "service_status"));
        // Only the documented measurements, each in its policy (no API request was made: no api_access).
        assertEquals(Set.of("detection", "sensor_health", "sound_level", "service_status"), measurements());

        // Every detection as journaled, field by field, with time = onset.
        List<JournalLine> journaled = journalDetections(closeService());
        assertEquals(2 * perPlay, journaled.size());
        Map<String, Map<String, Object>> stored = new HashMap<>();
        for (Map<String, Object> row : rows("SELECT * FROM \"earshot_detections\".\"detection\"")) {
            stored.put((String) row.get("id"), row);
        }
        assertEquals(journaled.size(), stored.size());
        for (JournalLine line : journaled) {
            JsonObject d = line.dataJson();
            Map<String, Object> row = stored.get(d.get("id").getAsString());
            assertTrue(row != null, "detection " + d.get("id") + " missing from InfluxDB");
            assertEquals(d.get("sensor").getAsString(), row.get("sensor"));
            assertEquals(d.get("class").getAsString(), row.get("class"));
            assertEquals(d.get("model").getAsString(), row.get("model"));
            assertEquals((double) line.seq(), (Double) row.get("position"));
            assertEquals(d.get("confidence").getAsDouble(), (Double) row.get("confidence"), 0.0);
            assertEquals(d.get("onset_us").getAsLong(), micros(row.get("time")));
            assertEquals((double) d.get("offset_us").getAsLong(), (Double) row.get("offset_us"));
            assertEquals(d.get("peak_dbfs").getAsDouble(), (Double) row.get("peak_dbfs"), 0.0);
            if (d.get("sensor").getAsString().equals("s2")) {
                assertEquals(d.get("peak_db").getAsDouble(), (Double) row.get("peak_db"), 0.0);
            } else {
                assertEquals(null, row.get("peak_db"), "s1 is uncalibrated");
            }
        }

        // One sound_level point per published level, at the second's start on the sensor's clock.
        List<Map<String, Object>> levels = rows("SELECT * FROM \"earshot_levels\".\"sound_level\""
                + " WHERE \"sensor\" = 's1'");
        List<JsonObject> published = finiteLevels(monitor.on("earshot/v1/levels/s1"));
        assertEquals(published.size(), levels.size());
        assertEquals(T0, micros(levels.get(0).get("time")));
        assertEquals(published.get(0).get("laeq_dbfs").getAsDouble(), (Double) levels.get(0).get("laeq_dbfs"),
                0.051, "MQTT rounds levels to 0.1 dB");
        assertEquals(null, levels.get(0).get("laeq_db"), "s1 is uncalibrated");
        Map<String, Object> s2Level = rows("SELECT * FROM \"earshot_levels\".\"sound_level\" WHERE \"sensor\" = 's2'")
                .get(0);
        assertEquals((Double) s2Level.get("laeq_dbfs") + 94.0, (Double) s2Level.get("laeq_db"), 1e-9);

    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void noDetectionIsMissingOrDuplicatedInInfluxAfterItIsKilledRepeatedlyDuringAStream() throws Exception {
        int kills = Integer.getInteger("earshot.influxKills", 3);
        int sensors = 8;
        int minPlays = 3;
        server = InfluxServer.start(dir.resolve("influxd"));
        client = InfluxDBFactory.connect(server.url());
        startService("{\"url\": \"" + server.url() + "\", \"flush_seconds\": 0.2}", sensors);
        int perPlay = LiveHarness.detectCommandOutput().size();
        LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                "earshot/v1/detections/#");

        // Every sensor plays the demo again and again until InfluxDB has been killed and restarted `kills` times,
        // so that every kill falls in the middle of the stream whatever the speed of this machine.
        AtomicBoolean keepPlaying = new AtomicBoolean(true);
        List<Future<Integer>> streams = new ArrayList<>();
        long backlog = 0;
        for (int i = 1; i <= sensors; i++) {
            streams.add(stream("s" + i, minPlays, keepPlaying));
        }
        try {
            for (int kill = 1; kill <= kills; kill++) {
                int k = kill;
                long written = metric("earshot_influx_detections_written_total");
                Await.until(() -> metric("earshot_influx_detections_written_total") > written, CAUGHT_UP,
                        () -> "the writer to write detections before kill " + k + ":\n" + influxMetrics());
                assertTrue(streams.stream().noneMatch(Future::isComplete), () -> "the stream ended before kill " + k
                        + ": " + streams.stream().filter(Future::failed).map(f -> f.cause().toString()).toList());
                long failures = metric("earshot_influx_write_failures_total");
                server.kill();
                // Down long enough that detections pile up in the journal: the restart is followed by a catch-up.
                Await.until(() -> metric("earshot_influx_write_failures_total") > failures
                                && metric("earshot_influx_detection_lag_entries") > 0, CAUGHT_UP,
                        () -> "the writer to notice the outage with detections waiting:\n" + influxMetrics());
                backlog += metric("earshot_influx_detection_lag_entries");
                server.restart();
            }
            long written = metric("earshot_influx_detections_written_total");
            Await.until(() -> metric("earshot_influx_detections_written_total") > written, CAUGHT_UP,
                    () -> "the writer to write after the last restart:\n" + influxMetrics());
        } finally {
            keepPlaying.set(false);
        }
        int plays = 0;
        for (Future<Integer> s : streams) {
            plays += LiveHarness.await(s);
        }
        int expected = plays * perPlay;
        long dropped = 0;
        for (int i = 1; i <= sensors; i++) {
            dropped += live.service.metrics().sensor("s" + i).droppedFrames();
        }
        assertEquals(0, dropped, "frames dropped by the pipeline");
        long caughtUpFrom = System.nanoTime();
        // Published on MQTT only once journaled: when all are published, the journal has them all.
        monitor.awaitCount("earshot/v1/detections/", expected);
        // Caught up as the writer sees it; whether InfluxDB really holds them all is what the comparison below tells.
        Await.until(() -> metric("earshot_influx_detection_lag_entries") == 0
                        && metric("earshot_influx_detections_written_total") >= expected,
                CAUGHT_UP, () -> "the writer to catch up with " + expected + " detections:\n" + influxMetrics());
        double catchUpSeconds = (System.nanoTime() - caughtUpFrom) / 1e9;
        long writeFailures = metric("earshot_influx_write_failures_total");

        List<String> journalIds = journalDetections(closeService()).stream()
                .map(l -> l.dataJson().get("id").getAsString()).toList();
        List<String> influxIds = idsInInflux();
        Set<String> missing = new TreeSet<>(journalIds);
        missing.removeAll(influxIds);
        Set<String> extra = new TreeSet<>(influxIds);
        extra.removeAll(journalIds);
        int duplicates = influxIds.size() - new HashSet<>(influxIds).size();
        System.out.printf("influx-outage: sensors=%d plays=%d detections_journaled=%d detections_in_influx=%d"
                        + " influxd_kills=%d journal_entries_behind_at_restarts=%d write_failures=%d missing=%d"
                        + " duplicates=%d not_in_journal=%d catch_up_after_stream_s=%.1f%n", sensors, plays,
                journalIds.size(), influxIds.size(), kills, backlog, writeFailures, missing.size(), duplicates,
                extra.size(), catchUpSeconds);

        assertEquals(expected, journalIds.size(), "every play's detections are journaled");
        assertEquals(journalIds.size(), new HashSet<>(journalIds).size(), "ids in the journal are unique");
        assertEquals(Set.of(), missing, "detections of the journal missing in InfluxDB");
        assertEquals(Set.of(), extra, "detections in InfluxDB that the journal does not hold");
        assertEquals(0, duplicates, "duplicate detections in InfluxDB");
        assertTrue(writeFailures >= kills, "write failures " + writeFailures);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void withInfluxDownFromStartTheServiceRunsCountsDroppedLevelsAndCatchesUpWhenItComesUp() throws Exception {
        // A port where InfluxDB will listen later: started once to own the port pair, then stopped.
        server = InfluxServer.start(dir.resolve("influxd"));
        server.stop();
        client = InfluxDBFactory.connect(server.url());
        int levelBuffer = 20;
        startService("{\"url\": \"" + server.url() + "\", \"flush_seconds\": 0.2, \"batch_size\": 10,"
                + " \"level_buffer\": " + levelBuffer + "}", 2);
        LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                "earshot/v1/detections/#", "earshot/v1/levels/#");
        Await.until(() -> metric("earshot_influx_write_failures_total") > 0, CAUGHT_UP,
                () -> "the writer to find InfluxDB unreachable:\n" + influxMetrics());
        assertEquals(0, metric("earshot_influx_connected"));

        LiveHarness.await(stream("s1", 1, new AtomicBoolean(false)));
        LiveHarness.await(stream("s2", 1, new AtomicBoolean(false)));
        int perPlay = LiveHarness.detectCommandOutput().size();
        // Journaled and published on MQTT while InfluxDB is down.
        monitor.awaitCount("earshot/v1/detections/", 2 * perPlay);
        int levelsPublished = finiteLevels(monitor.on("earshot/v1/levels/")).size();
        assertTrue(levelsPublished > levelBuffer, "levels published: " + levelsPublished);
        Await.until(() -> metric("earshot_influx_levels_dropped_total") == levelsPublished - levelBuffer,
                CAUGHT_UP, () -> levelsPublished + " levels into a buffer of " + levelBuffer + ":\n"
                        + influxMetrics());
        assertEquals(levelBuffer, metric("earshot_influx_levels_buffered"));
        assertEquals(0, metric("earshot_influx_detections_written_total"));
        assertTrue(metric("earshot_influx_detection_lag_entries") > 0);
        // InfluxDB is not one of the health checks: the journal has everything and the writer will catch up.
        HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"status\":\"ok\""), health.body());

        server.restart();
        Await.until(() -> metric("earshot_influx_connected") == 1
                        && metric("earshot_influx_detection_lag_entries") == 0
                        && metric("earshot_influx_levels_written_total") == levelBuffer
                        && metric("earshot_influx_levels_buffered") == 0,
                CAUGHT_UP, () -> "the writer to catch up once InfluxDB is up:\n" + influxMetrics());
        assertEquals(levelsPublished - levelBuffer, metric("earshot_influx_levels_dropped_total"));
        assertEquals(2L * perPlay, metric("earshot_influx_detections_written_total"));
        assertEquals(levelBuffer, rows("SELECT * FROM \"earshot_levels\".\"sound_level\"").size());
        List<String> journalIds = journalDetections(closeService()).stream()
                .map(l -> l.dataJson().get("id").getAsString()).sorted().toList();
        assertEquals(journalIds, idsInInflux().stream().sorted().toList());
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The demo at 16 kHz, loaded once per test. */
    private float[] demoSamples;

    private float[] demo() throws Exception {
        if (demoSamples == null) {
            demoSamples = AudioLoader.load16k(LiveHarness.DEMO).samples();
        }
        return demoSamples;
    }

    /**
     * Connects the sensor and plays the demo at least {@code minPlays} times, on as long as {@code keepPlaying}, each
     * play {@link #PLAY_SPACING_MICROS} later on the capture clock; completes with the number of plays. The next play
     * starts once the service has analysed every frame of the previous ones: acknowledgements come when a frame is
     * queued, and a sensor far ahead of the analysis would have its oldest audio dropped (the overload policy).
     */
    private Future<Integer> stream(String sensor, int minPlays, AtomicBoolean keepPlaying) throws Exception {
        float[] demo = demo();
        MqttSensorClient client = new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), sensor,
                live.tokens.get(sensor), 100, null);
        AtomicInteger plays = new AtomicInteger();
        return client.connect().compose(v -> play(sensor, client, demo, plays, minPlays, keepPlaying))
                .compose(v -> client.close()).map(v -> plays.get());
    }

    private Future<Void> play(String sensor, MqttSensorClient client, float[] demo, AtomicInteger plays,
                              int minPlays, AtomicBoolean keepPlaying) {
        int k = plays.get();
        List<byte[]> frames = LiveHarness.frames(demo, 0, T0 + k * PLAY_SPACING_MICROS);
        long analysed = (long) (k + 1) * frames.size();
        return LiveHarness.sendAll(client, frames)
                .compose(v -> when(() -> live.service.metrics().sensor(sensor).framesProcessed() >= analysed,
                        () -> sensor + " analysed " + analysed + " frames"))
                .compose(v -> {
                    int done = plays.incrementAndGet();
                    return done < minPlays || keepPlaying.get()
                            ? play(sensor, client, demo, plays, minPlays, keepPlaying) : Future.succeededFuture();
                });
    }

    /** Completes once {@code condition} holds (polled on the clients' Vert.x), fails after {@link #CAUGHT_UP}. */
    private Future<Void> when(BooleanSupplier condition, Supplier<String> what) {
        Promise<Void> done = Promise.promise();
        long deadline = System.nanoTime() + CAUGHT_UP.toNanos();
        live.clients.setPeriodic(1, Await.POLL_INTERVAL.toMillis(), id -> {
            if (condition.getAsBoolean()) {
                live.clients.cancelTimer(id);
                done.tryComplete();
            } else if (System.nanoTime() - deadline > 0) {
                live.clients.cancelTimer(id);
                done.tryFail("timed out after " + CAUGHT_UP.toSeconds() + " s waiting for " + what.get());
            }
        });
        return done.future();
    }

    /** Levels as published on MQTT that have a point in InfluxDB: digital silence (null levels) has none. */
    private static List<JsonObject> finiteLevels(List<JsonObject> levels) {
        return levels.stream().filter(l -> !l.get("laeq_dbfs").isJsonNull() || !l.get("peak_dbfs").isJsonNull())
                .toList();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + live.service.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A metric without labels, from /metrics. */
    private long metric(String name) {
        String body = metricsText();
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Math.round(Double.parseDouble(line.substring(name.length() + 1).trim()));
            }
        }
        throw new AssertionError(name + " missing from /metrics:\n" + body);
    }

    private String metricsText() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":"
                    + live.service.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            return response.body();
        } catch (Exception e) {
            throw new AssertionError("GET /metrics: " + e, e);
        }
    }

    private String influxMetrics() {
        return metricsText().lines().filter(l -> l.startsWith("earshot_influx_") || l.startsWith("earshot_journal_"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    /** The detection entries of the journal in {@code <dataDir>/journal}, read after the service has closed it. */
    private static List<JournalLine> journalDetections(Path dataDir) throws Exception {
        List<JournalLine> detections = new ArrayList<>();
        JournalKeys keys = JournalKeys.loadOrCreate(dataDir.resolve("keys").resolve("journal-ed25519.pem"));
        try (Journal journal = Journal.open(dataDir.resolve("journal"), Journal.Options.defaults(), keys,
                OutputJson::nowMicros, line -> {
                    if (line.type().equals(JournalSink.TYPE_DETECTION)) {
                        detections.add(line);
                    }
                })) {
            assertTrue(journal.healthy());
        }
        return detections;
    }

    private static long micros(Object time) {
        return Math.round((Double) time);
    }

    private List<String> idsInInflux() {
        return rows("SELECT \"id\" FROM \"earshot_detections\".\"detection\"").stream()
                .map(row -> (String) row.get("id")).toList();
    }

    private List<Map<String, Object>> rows(String influxQl) {
        // Epoch microseconds: exact in a double, unlike nanoseconds.
        return InfluxServer.rows(client.query(new Query(influxQl, DB), TimeUnit.MICROSECONDS), influxQl);
    }

    private Map<String, String> earshotPolicies() {
        Map<String, String> policies = new HashMap<>();
        for (Map<String, Object> row : rows("SHOW RETENTION POLICIES ON \"" + DB + "\"")) {
            String name = (String) row.get("name");
            if (name.startsWith("earshot_")) {
                policies.put(name, (String) row.get("duration"));
            }
        }
        return policies;
    }

    private Set<String> tagKeys(String policy, String measurement) {
        Set<String> keys = new HashSet<>();
        for (Map<String, Object> row : rows("SHOW TAG KEYS FROM \"" + policy + "\".\"" + measurement + "\"")) {
            keys.add((String) row.get("tagKey"));
        }
        return keys;
    }

    private Map<String, String> fieldKeys(String policy, String measurement) {
        Map<String, String> keys = new HashMap<>();
        for (Map<String, Object> row : rows("SHOW FIELD KEYS FROM \"" + policy + "\".\"" + measurement + "\"")) {
            keys.put((String) row.get("fieldKey"), (String) row.get("fieldType"));
        }
        return keys;
    }

    private Set<String> measurements() {
        Set<String> names = new HashSet<>();
        for (Map<String, Object> row : rows("SHOW MEASUREMENTS")) {
            names.add((String) row.get("name"));
        }
        return names;
    }
}
