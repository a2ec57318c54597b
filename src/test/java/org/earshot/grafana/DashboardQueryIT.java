package org.earshot.grafana;

import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.earshot.app.Service;
import org.earshot.audio.AudioLoader;
import org.earshot.audio.FrameCodec;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.InfluxServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the dashboards and alert rules honest without a Grafana server: a real service, in process, writes to a real
 * influxd what it makes of the demo recording streamed by three MQTT sensors (a fourth is declared and never
 * connects); then every panel target, every query variable and every alert rule query of grafana/ is expanded as
 * Grafana would ({@link InfluxQlTemplate}) and run through InfluxDB's HTTP /query API. An error or an empty result
 * fails the test, naming the file, panel, refId and the expanded query: an empty result is how a misspelt
 * measurement, field, tag or retention policy shows up in InfluxQL. Panels run with the variables at "All" and at one
 * sensor and class. The map's query must place every declared sensor at its declared coordinates, and the alert
 * rules are evaluated on what their queries return: the glass-break-or-impact rule fires for each streaming sensor,
 * the silent-sensor rule for none.
 *
 * <p>At the shipped thresholds the demo's shouts are detected but not its impacts: the service runs with the impact
 * threshold lowered to {@value #IMPACT_THRESHOLD} (at which {@code earshot detect demo/demo.wav --threshold
 * impact=0.9} finds one). The demo has no glass break, so no panel or rule may depend on glass_break data alone.
 */
@RequiresServers({Server.INFLUXD})
class DashboardQueryIT {
    private static final Path MODEL = Path.of("models/earshot-v2");
    private static final Path DEMO = Path.of("demo/demo.wav");
    private static final String HOST = "127.0.0.1";
    private static final String DB = "earshot";
    private static final double IMPACT_THRESHOLD = 0.9;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** What Grafana computes for $__interval varies with the range and the panel's width; panels may raise it. */
    private static final Duration AUTO_INTERVAL = Duration.ofSeconds(10);
    /** Health every second: the derivative panels need sensor_health in at least two 10 s intervals. */
    private static final int HEALTH_POINTS = 21;
    private static final List<String> STREAMING = List.of("s1", "s2", "s3");
    private static final String NEVER_CONNECTED = "pole-4.north";
    private static final String CALIBRATED = "s1";
    /** Declared positions (WGS 84), every sensor of the sensors file. */
    private static final Map<String, double[]> POSITIONS = new TreeMap<>(Map.of(
            "s1", new double[] {52.3731, 4.8922},
            "s2", new double[] {52.3702, 4.8952},
            "s3", new double[] {52.3676, 4.9041},
            NEVER_CONNECTED, new double[] {52.3600, 4.8852}));

    @TempDir
    Path dir;

    private InfluxServer influx;
    private Service service;
    private OnnxClassifier classifier;
    private final Vertx clients = Vertx.vertx();
    private final HttpClient http = HttpClient.newHttpClient();
    private int apiRequests;

    @AfterEach
    void stopAll() throws Exception {
        try {
            if (service != null) {
                service.close();
            }
            if (classifier != null) {
                classifier.close();
            }
            clients.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            if (influx != null) {
                influx.close();
            }
        }
    }

    @Test
    void everyPanelVariableAndAlertQueryReturnsDataFromWhatTheServiceWrote() throws Exception {
        influx = InfluxServer.start(dir.resolve("influxd"));
        long startedMillis = System.currentTimeMillis();
        Map<String, String> tokens = startService();

        // Public and refused API requests, before and after the streams: api_access for the access panels.
        apiGet("/api/v1/transparency", 200);
        apiGet("/api/v1/detections", 401);

        // Capture times in the recent past: inside the retention policies and the alert rules' last 5 minutes, and
        // the whole recording before now, whatever the speed of this machine.
        long t0Micros = TimeUnit.MILLISECONDS.toMicros(startedMillis) - 30_000_000L;
        List<byte[]> frames = frames(AudioLoader.load16k(DEMO).samples(), t0Micros);
        List<Future<Void>> streams = new ArrayList<>();
        for (String sensor : STREAMING) {
            streams.add(stream(new MqttSensorClient(clients, HOST, service.mqttPort(), sensor, tokens.get(sensor), 100,
                    null), frames));
        }
        Future.all(streams).toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        apiGet("/api/v1/transparency", 200);
        awaitSeed(frames.size());

        long fromMillis = TimeUnit.MICROSECONDS.toMillis(t0Micros) - 60_000;
        InfluxQlTemplate.TimeRange range = new InfluxQlTemplate.TimeRange(fromMillis,
                System.currentTimeMillis() + 60_000);
        List<String> failures = new ArrayList<>();
        int queriesRun = 0;
        for (GrafanaDashboard dashboard : GrafanaDashboard.readAll(GrafanaDashboard.DIRECTORY)) {
            Map<String, List<String>> all = new LinkedHashMap<>();
            for (GrafanaQuery variable : dashboard.variableQueries()) {
                String expanded = InfluxQlTemplate.expand(variable.query(), range, AUTO_INTERVAL, Map.of());
                Result r = query(expanded);
                queriesRun++;
                if (r.problem() != null) {
                    failures.add(variable + ": " + r.problem() + "\n    " + expanded);
                    continue;
                }
                all.put(variable.where().substring("variable $".length()), r.column("value"));
            }
            List<String> sensors = all.getOrDefault("sensor", List.of());
            assertEquals(POSITIONS.keySet(), new TreeSet<>(sensors),
                    dashboard.name() + ": $sensor lists every declared sensor");
            all.put("class", List.of(GrafanaDashboard.queryOf(dashboard.variable("class")).split(",")));
            assertEquals(Labels.CLASSES, all.get("class"));
            Map<String, List<String>> one = Map.of("sensor", List.of(CALIBRATED), "class", List.of("impact"));

            for (GrafanaQuery panel : dashboard.panelQueries()) {
                Duration interval = panel.minInterval() == null ? AUTO_INTERVAL
                        : max(AUTO_INTERVAL, InfluxQlTemplate.parseDuration(panel.minInterval()));
                for (Map<String, List<String>> values : List.of(all, one)) {
                    String expanded = InfluxQlTemplate.expand(panel.query(), range, interval, values);
                    Result r = query(expanded);
                    queriesRun++;
                    if (r.problem() != null) {
                        failures.add(panel + " with " + values + ": " + r.problem() + "\n    " + expanded);
                    }
                }
            }
            if (dashboard.name().equals("operations.json")) {
                checkMap(dashboard, range, all);
            }
        }
        queriesRun += checkAlertRules(failures);
        int run = queriesRun;
        assertTrue(failures.isEmpty(), () -> failures.size() + " problems in " + run + " queries:\n"
                + String.join("\n", failures));
    }

    /** The map's query, variables at All: every declared sensor, at its declared position. */
    private void checkMap(GrafanaDashboard ops, InfluxQlTemplate.TimeRange range, Map<String, List<String>> all)
            throws Exception {
        GrafanaQuery map = ops.queryPanels().stream().filter(p -> p.get("type").getAsString().equals("geomap"))
                .findFirst().map(p -> ops.panelQueries().stream()
                        .filter(q -> q.where().equals(GrafanaDashboard.describe(p))).findFirst().orElseThrow())
                .orElseThrow(() -> new AssertionError("operations.json has no geomap panel"));
        Result r = query(InfluxQlTemplate.expand(map.query(), range, AUTO_INTERVAL, all));
        assertEquals(null, r.problem(), map.toString());
        Map<String, double[]> placed = new TreeMap<>();
        for (Series s : r.series()) {
            Map<String, Object> row = s.row(0);
            assertTrue(row.get("latitude") instanceof Number && row.get("longitude") instanceof Number,
                    map + ": latitude and longitude columns, got " + s.columns());
            placed.put(s.tags().get("sensor"), new double[] {((Number) row.get("latitude")).doubleValue(),
                    ((Number) row.get("longitude")).doubleValue()});
        }
        assertEquals(POSITIONS.keySet(), placed.keySet(), "sensors on the map");
        POSITIONS.forEach((sensor, position) -> {
            assertEquals(position[0], placed.get(sensor)[0], 1e-9, sensor + " latitude");
            assertEquals(position[1], placed.get(sensor)[1], 1e-9, sensor + " longitude");
        });
    }

    /**
     * Every alert rule's queries over their relative time range from now, run and evaluated: which series would make
     * the rule fire. Returns the number of queries run.
     */
    private int checkAlertRules(List<String> failures) throws Exception {
        int run = 0;
        for (GrafanaAlertRules.Rule rule : GrafanaAlertRules.read(GrafanaAlertRules.FILE)) {
            Set<String> firing = new TreeSet<>();
            for (GrafanaAlertRules.Data data : rule.data()) {
                if (data.isExpression()) {
                    continue;
                }
                long now = System.currentTimeMillis();
                InfluxQlTemplate.TimeRange range = new InfluxQlTemplate.TimeRange(now - data.fromSeconds() * 1000,
                        now - data.toSeconds() * 1000);
                Object intervalMs = data.model().getOrDefault("intervalMs", 1000);
                String expanded = InfluxQlTemplate.expand(data.query(), range,
                        Duration.ofMillis(((Number) intervalMs).longValue()), Map.of());
                Result r = query(expanded);
                run++;
                if (r.problem() != null) {
                    failures.add("alert rule " + rule.uid() + " / " + data.refId() + ": " + r.problem() + "\n    "
                            + expanded);
                    continue;
                }
                for (Series s : r.series()) {
                    List<Double> values = new ArrayList<>();
                    for (int i = 0; i < s.values().size(); i++) {
                        Object v = s.row(i).get(s.columns().get(1));
                        values.add(v instanceof Number n ? n.doubleValue() : null);
                    }
                    if (rule.fires(values)) {
                        firing.add(new TreeMap<>(s.tags()).toString());
                    }
                }
            }
            Set<String> expected = switch (rule.uid()) {
                // Each streaming sensor detected an impact within the rule's 5 minutes.
                case "earshot-glass-break-or-impact" -> Set.of("{class=impact, sensor=s1}",
                        "{class=impact, sensor=s2}", "{class=impact, sensor=s3}");
                // The sensors streamed seconds ago: none is silent for a minute.
                case "earshot-sensor-silent" -> Set.of();
                default -> throw new AssertionError("no expectation for alert rule " + rule.uid());
            };
            if (!expected.equals(firing)) {
                failures.add("alert rule " + rule.uid() + " would fire for " + firing + ", expected " + expected);
            }
        }
        return run;
    }

    // --- the seed ------------------------------------------------------------------------------------------------

    /** Sensors with positions, one calibrated; health written every second; checkpoints every second. */
    private Map<String, String> startService() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        List<SensorRecord> records = new ArrayList<>();
        for (Map.Entry<String, double[]> p : POSITIONS.entrySet()) {
            String token = SensorRegistry.newToken();
            tokens.put(p.getKey(), token);
            records.add(new SensorRecord(p.getKey(), SensorRegistry.tokenSha256(token), "test bench " + p.getKey(), "",
                    p.getKey().equals(CALIBRATED) ? 94.0 : null, Set.copyOf(Labels.CLASSES), true,
                    p.getValue()[0], p.getValue()[1]));
        }
        Path data = dir.resolve("service");
        Files.createDirectories(data);
        Path sensorsFile = data.resolve("sensors.json");
        SensorRegistry.write(sensorsFile, records);
        Path config = data.resolve("config.json");
        Files.writeString(config, """
                {"data_dir": "%s", "sensors_file": "%s",
                 "ingest": {"queue_seconds": 60, "max_clock_offset_seconds": 3153600000},
                 "mqtt": {"host": "127.0.0.1", "port": 0},
                 "websocket": {"host": "127.0.0.1", "port": 0},
                 "metrics": {"host": "127.0.0.1", "port": 0},
                 "http": {"host": "127.0.0.1", "port": 0},
                 "journal": {"checkpoint_seconds": 1.0},
                 "influx": {"url": "%s", "flush_seconds": 0.2, "health_seconds": 1.0}}
                """.formatted(data, sensorsFile, influx.url()));
        ServeConfig cfg = ServeConfig.load(Optional.of(config), Map.of());
        ModelManifest manifest = ModelManifest.read(MODEL);
        DetectorConfig detector = manifest.detectorConfig().withThreshold("impact", IMPACT_THRESHOLD);
        classifier = OnnxClassifier.load(MODEL);
        service = Service.start(cfg, SensorRegistry.load(cfg.sensorsFile()), classifier, detector, manifest.name);
        return tokens;
    }

    /**
     * Waits until InfluxDB holds what the panels show: every frame analysed, shouts and impacts of every streaming
     * sensor, a health sample after the streams, enough health samples for rates, the API requests and a signed
     * checkpoint.
     */
    private void awaitSeed(int framesPerSensor) {
        Await.until(() -> STREAMING.stream().allMatch(s -> service.metrics().sensor(s).framesProcessed()
                >= framesPerSensor), WAIT, () -> "every frame analysed");
        String detections = "SELECT count(\"confidence\") FROM \"earshot_detections\".\"detection\""
                + " GROUP BY \"sensor\", \"class\"";
        String lastHealth = "SELECT last(\"frames\") FROM \"earshot_levels\".\"sensor_health\" GROUP BY \"sensor\"";
        String healthCount = "SELECT count(\"frames\") FROM \"earshot_levels\".\"sensor_health\""
                + " WHERE \"sensor\" = '" + CALIBRATED + "'";
        String api = "SELECT last(\"requests\") FROM \"earshot_levels\".\"api_access\" WHERE \"role\" = 'public'";
        String checkpoint = "SELECT last(\"checkpoint_age_s\") FROM \"earshot_levels\".\"service_status\"";
        Set<String> wanted = new TreeSet<>();
        for (String s : STREAMING) {
            wanted.add(s + "/shout");
            wanted.add(s + "/impact");
        }
        Await.until(() -> {
            Set<String> found = new TreeSet<>();
            for (Series s : query(detections).series()) {
                found.add(s.tags().get("sensor") + "/" + s.tags().get("class"));
            }
            Map<String, Number> frames = new TreeMap<>();
            for (Series s : query(lastHealth).series()) {
                frames.put(s.tags().get("sensor"), (Number) s.row(0).get("last"));
            }
            return found.containsAll(wanted)
                    && STREAMING.stream().allMatch(s -> frames.containsKey(s)
                            && frames.get(s).longValue() == framesPerSensor)
                    && number(healthCount) >= HEALTH_POINTS
                    && number(api) == apiRequests
                    && number(checkpoint) >= 0;
        }, WAIT, () -> "the seed in InfluxDB: detections " + query(detections).series() + ", health "
                + query(lastHealth).series() + ", health points of " + CALIBRATED + " " + number(healthCount)
                + ", public API requests " + number(api) + " of " + apiRequests + ", checkpoint age "
                + number(checkpoint) + "\n" + service.metrics().prometheus().lines()
                .filter(l -> l.startsWith("earshot_influx_")).reduce("", (a, b) -> a + b + "\n"));
    }

    /** The single value of a one-row query, -1 when there is none. */
    private double number(String influxQl) {
        List<Series> series = query(influxQl).series();
        if (series.isEmpty()) {
            return -1;
        }
        Object v = series.get(0).row(0).get(series.get(0).columns().get(1));
        return v instanceof Number n ? n.doubleValue() : -1;
    }

    private void apiGet(String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":"
                + service.httpPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), path + ": " + response.body());
        apiRequests++;
    }

    /** The recording as 100 ms PCM16 frames from capture time t0, the last one ending the stream. */
    private static List<byte[]> frames(float[] samples, long t0Micros) {
        List<byte[]> frames = new ArrayList<>();
        for (int start = 0, seq = 0; start < samples.length; start += 1600, seq++) {
            int end = Math.min(samples.length, start + 1600);
            frames.add(FrameCodec.encodePcm16(seq, t0Micros + Math.round(start * 1e6 / 16000), 16000, samples, start,
                    end, end == samples.length));
        }
        return frames;
    }

    /** Connects, sends each frame once the previous one is acknowledged, closes. */
    private static Future<Void> stream(MqttSensorClient client, List<byte[]> frames) {
        Promise<Void> done = Promise.promise();
        client.connect().onSuccess(v -> sendFrom(client, frames, 0, done)).onFailure(done::tryFail);
        return done.future();
    }

    private static void sendFrom(MqttSensorClient client, List<byte[]> frames, int next, Promise<Void> done) {
        if (next == frames.size()) {
            client.close().onComplete(done);
            return;
        }
        client.send(frames.get(next)).onSuccess(v -> sendFrom(client, frames, next + 1, done))
                .onFailure(done::tryFail);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    // --- InfluxDB's /query, as Grafana calls it (GET, epoch milliseconds) -----------------------------------------

    record Series(String name, Map<String, String> tags, List<String> columns, List<List<Object>> values) {
        Map<String, Object> row(int i) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int c = 0; c < columns.size(); c++) {
                row.put(columns.get(c), values.get(i).get(c));
            }
            return row;
        }

        @Override
        public String toString() {
            return tags + "=" + values;
        }
    }

    /**
     * The series of the first statement, or what went wrong: an error, no series with values, or a column without any
     * value (InfluxQL answers a misspelt field among others with a column of nulls).
     */
    record Result(List<Series> series, String error) {
        String problem() {
            if (error != null) {
                return "InfluxDB error: " + error;
            }
            if (series.isEmpty()) {
                return "empty result";
            }
            Set<String> columns = new TreeSet<>();
            series.forEach(s -> columns.addAll(s.columns()));
            columns.remove("time");
            for (String c : columns) {
                if (series.stream().noneMatch(s -> s.columns().contains(c)
                        && s.values().stream().anyMatch(row -> row.get(s.columns().indexOf(c)) != null))) {
                    return "column \"" + c + "\" has no value in any row";
                }
            }
            return null;
        }

        List<String> column(String name) {
            List<String> out = new ArrayList<>();
            for (Series s : series) {
                for (int i = 0; i < s.values().size(); i++) {
                    out.add(String.valueOf(s.row(i).get(name)));
                }
            }
            return out;
        }
    }

    private Result query(String influxQl) {
        try {
            URI uri = URI.create(influx.url() + "/query?db=" + DB + "&epoch=ms&q="
                    + URLEncoder.encode(influxQl, StandardCharsets.UTF_8));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonObject body = JsonParser.parseString(response.body()).getAsJsonObject();
            if (body.has("error")) {
                return new Result(List.of(), body.get("error").getAsString());
            }
            JsonObject first = body.getAsJsonArray("results").get(0).getAsJsonObject();
            if (first.has("error")) {
                return new Result(List.of(), first.get("error").getAsString());
            }
            if (response.statusCode() != 200) {
                return new Result(List.of(), "HTTP " + response.statusCode() + ": " + response.body());
            }
            List<Series> series = new ArrayList<>();
            JsonArray array = first.getAsJsonArray("series");
            if (array != null) {
                for (JsonElement e : array) {
                    Series s = series(e.getAsJsonObject());
                    if (!s.values().isEmpty()) {
                        series.add(s);
                    }
                }
            }
            return new Result(series, null);
        } catch (Exception e) {
            throw new AssertionError("GET /query " + influxQl + ": " + e, e);
        }
    }

    private static Series series(JsonObject o) {
        Map<String, String> tags = new TreeMap<>();
        if (o.has("tags")) {
            o.getAsJsonObject("tags").entrySet().forEach(t -> tags.put(t.getKey(), t.getValue().getAsString()));
        }
        List<String> columns = new ArrayList<>();
        o.getAsJsonArray("columns").forEach(c -> columns.add(c.getAsString()));
        List<List<Object>> values = new ArrayList<>();
        if (o.has("values")) {
            for (JsonElement row : o.getAsJsonArray("values")) {
                List<Object> r = new ArrayList<>();
                for (JsonElement v : row.getAsJsonArray()) {
                    r.add(v.isJsonNull() ? null : v.getAsJsonPrimitive().isNumber() ? (Object) v.getAsDouble()
                            : v.getAsJsonPrimitive().isBoolean() ? (Object) v.getAsBoolean() : v.getAsString());
                }
                values.add(r);
            }
        }
        return new Series(GrafanaDashboard.string(o, "name"), tags, columns, values);
    }
}
