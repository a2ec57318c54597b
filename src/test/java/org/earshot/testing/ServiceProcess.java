package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import org.earshot.config.ConfigException;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.detect.Labels;

/**
 * {@code earshot serve --config FILE} as a child JVM, for tests that must kill the service the way an operating
 * system does (SIGKILL: no shutdown hook, no flush) or stop it the way an operator does (SIGTERM: the shutdown hook
 * flushes every stream and journals a stop entry). The child runs this JVM's class path and Java, with {@code -Xmx1g};
 * its standard output and error go to one pair of files per run under {@code <work>/logs} (the service's logs).
 * The configuration puts the embedded MQTT endpoint, WebSocket and HTTP on fixed free loopback ports (fixed, so that
 * a restart listens where the clients expect it), the data directory in {@code <work>/data} and a sensors file with
 * the given sensors and tokens. {@link #start()} returns once {@code GET /health} answers 200. A JVM shutdown hook
 * kills any child still running, so that no test leaves a service behind.
 *
 * <pre>{@code
 * try (ServiceProcess service = ServiceProcess.create(dir, tokens, new JsonObject())) {
 *     service.start();   // ... stream, then service.kill(); service.start(); ... service.stop();
 * }
 * }</pre>
 */
public final class ServiceProcess implements AutoCloseable {
    public static final Path MODEL = Path.of("models/earshot-v2").toAbsolutePath();
    public static final String HOST = "127.0.0.1";
    /** JVM start, model load, journal recovery and listeners; generous because the test machine is shared. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** A clean stop flushes every stream and the InfluxDB writer. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Exit status of a JVM ended by a signal: 128 + the signal's number. */
    public static final int EXIT_SIGKILL = 128 + 9;
    public static final int EXIT_SIGTERM = 128 + 15;

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "service-process-cleanup"));
    }

    private final Path workDir;
    private final Path dataDir;
    private final Path logDir;
    private final Path config;
    private final Map<String, String> tokens;
    private final int mqttPort;
    private final int webSocketPort;
    private final int httpPort;
    private final int metricsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Path> logs = new ArrayList<>();
    private Process process;
    private int runs;
    /** Started in {@link #workDir} with data_dir "data" and no model key: the paths an operator writes. */
    private boolean relative;

    private ServiceProcess(Path workDir, Map<String, String> tokens, int mqttPort, int webSocketPort, int httpPort,
                           int metricsPort) {
        this.workDir = workDir.toAbsolutePath();
        this.dataDir = this.workDir.resolve("data");
        this.logDir = this.workDir.resolve("logs");
        this.config = this.workDir.resolve("config.json");
        this.tokens = Map.copyOf(tokens);
        this.mqttPort = mqttPort;
        this.webSocketPort = webSocketPort;
        this.httpPort = httpPort;
        this.metricsPort = metricsPort;
    }

    /**
     * Writes the sensors file (every sensor enabled for every class, uncalibrated) and the configuration; starts
     * nothing. {@code extra} holds further configuration sections (for example {@code influx} or {@code journal}),
     * merged over the generated ones key by key.
     */
    public static ServiceProcess create(Path workDir, Map<String, String> tokens, JsonObject extra) {
        ServiceProcess service = new ServiceProcess(workDir, tokens, FreePorts.loopback(), FreePorts.loopback(),
                FreePorts.loopback(), FreePorts.loopback());
        try {
            service.writeFiles(extra);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return service;
    }

    /**
     * Like {@link #create}, but the service runs with {@code workDir} as its working directory and the configuration
     * as an operator writes it: {@code "data_dir": "data"} (relative) and no {@code model} key (the shipped model,
     * found through {@code earshot.home}). {@code extra} may set {@code model} to test other values.
     */
    public static ServiceProcess createRelative(Path workDir, Map<String, String> tokens, JsonObject extra) {
        ServiceProcess service = new ServiceProcess(workDir, tokens, FreePorts.loopback(), FreePorts.loopback(),
                FreePorts.loopback(), FreePorts.loopback());
        service.relative = true;
        try {
            service.writeFiles(extra);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return service;
    }

    private void writeFiles(JsonObject extra) throws IOException {
        Files.createDirectories(dataDir);
        Files.createDirectories(logDir);
        List<SensorRecord> sensors = new ArrayList<>();
        for (Map.Entry<String, String> t : new LinkedHashMap<>(tokens).entrySet()) {
            sensors.add(new SensorRecord(t.getKey(), SensorRegistry.tokenSha256(t.getValue()), "test bench", "",
                    null, Set.copyOf(Labels.CLASSES), true));
        }
        try {
            SensorRegistry.write(sensorsFile(), sensors);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
        JsonObject c = new JsonObject();
        if (relative) {
            c.addProperty("data_dir", "data");
        } else {
            c.addProperty("data_dir", dataDir.toString());
            c.addProperty("sensors_file", sensorsFile().toString());
            c.addProperty("model", MODEL.toString());
        }
        c.add("mqtt", listener(mqttPort));
        c.add("websocket", listener(webSocketPort));
        c.add("http", listener(httpPort));
        c.add("metrics", listener(metricsPort));
        // Streams in tests run faster than real time; a larger queue keeps the overload policy out of their way.
        JsonObject ingest = new JsonObject();
        ingest.addProperty("queue_seconds", 60);
        // Their recordings carry fixed capture times, not the clock's: allow the widest clock offset.
        ingest.addProperty("max_clock_offset_seconds", 3_153_600_000L);
        c.add("ingest", ingest);
        for (Map.Entry<String, com.google.gson.JsonElement> e : extra.entrySet()) {
            if (e.getValue().isJsonObject() && c.has(e.getKey()) && c.get(e.getKey()).isJsonObject()) {
                e.getValue().getAsJsonObject().entrySet()
                        .forEach(k -> c.getAsJsonObject(e.getKey()).add(k.getKey(), k.getValue()));
            } else {
                c.add(e.getKey(), e.getValue());
            }
        }
        Files.writeString(config, c.toString());
    }

    private static JsonObject listener(int port) {
        JsonObject o = new JsonObject();
        o.addProperty("host", HOST);
        o.addProperty("port", port);
        return o;
    }

    /**
     * Starts the service (again, on the same ports and data) and returns once /health answers 200.
     *
     * @throws IllegalStateException when it exits during start-up or is not healthy within {@link #START_TIMEOUT};
     *                               the message carries the end of its standard error
     */
    public void start() {
        start(status -> status == 200);
    }

    /**
     * Starts the service and returns once {@code GET /health} answers a status that {@code ready} accepts (for a
     * service that must start degraded, say with its broker down: {@code status -> status == 503}).
     */
    public void start(java.util.function.IntPredicate ready) {
        if (isRunning()) {
            throw new IllegalStateException("already running: pid " + process.pid());
        }
        runs++;
        Path out = logDir.resolve("run-" + runs + ".stdout.log");
        Path err = logDir.resolve("run-" + runs + ".stderr.log");
        logs.add(out);
        logs.add(err);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx1g", "-Dai.djl.offline=true",
                "-Dearshot.home=" + Path.of("").toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
                "org.earshot.cli.Earshot", "serve", "--config", config.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        if (relative) {
            builder.directory(workDir.toFile());
        }
        builder.environment().keySet().removeIf(k -> k.startsWith("EARSHOT_"));
        builder.environment().put("PYTORCH_FLAVOR", "cpu");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + java, e);
        }
        LIVE.add(process);
        Process started = process;
        try {
            Await.until(() -> {
                if (!started.isAlive()) {
                    throw new IllegalStateException("earshot serve exited with " + started.exitValue()
                            + " during start-up; its standard error ends:\n" + tail(err));
                }
                int status = healthStatus();
                return status > 0 && ready.test(status);
            }, START_TIMEOUT, () -> "GET /health of earshot serve answering as expected; its standard error ends:\n"
                    + tail(err));
        } catch (AssertionError | IllegalStateException e) {
            if (started.isAlive()) {
                kill();
            }
            LIVE.remove(started);
            throw e;
        }
    }

    /** The status of GET /health, or -1 when nothing answers. */
    private int healthStatus() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the service", e);
        }
    }

    /** GET on the service's HTTP port (for {@code /metrics}, its metrics listener): the status and the body. */
    public HttpResponse<byte[]> get(String path) {
        return get(path, null);
    }

    /** GET with {@code Authorization: Bearer <credential>} when it is not null. */
    public HttpResponse<byte[]> get(String path, String bearer) {
        try {
            String base = path.startsWith("/metrics") ? "http://" + HOST + ":" + metricsPort : baseUrl();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(10));
            if (bearer != null) {
                request.header("Authorization", "Bearer " + bearer);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * SIGKILL ({@link Process#destroyForcibly()} sends SIGKILL on Linux; the exit status, 137, confirms it) and
     * waits for the exit, so that its ports and journal lock are free when this returns. Returns the exit status.
     */
    public int kill() {
        return end(true);
    }

    /**
     * SIGTERM: the shutdown hook stops taking audio, flushes every stream, journals the stop and signs a last
     * checkpoint; waits for the exit and returns the exit status (143 for a JVM ended by SIGTERM).
     */
    public int stop() {
        return end(false);
    }

    private int end(boolean forcibly) {
        if (process == null) {
            throw new IllegalStateException("not started");
        }
        if (forcibly) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(forcibly ? 30 : STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new IllegalStateException("earshot serve (pid " + process.pid() + ") did not exit within "
                        + (forcibly ? 30 : STOP_TIMEOUT.toSeconds()) + " s of " + (forcibly ? "SIGKILL" : "SIGTERM")
                        + "; killed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (!process.isAlive()) {
                LIVE.remove(process);
            }
        }
        return process.exitValue();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The pid of the current (or last) run. */
    public long pid() {
        return process.pid();
    }

    public String baseUrl() {
        return "http://" + HOST + ":" + httpPort;
    }

    public int mqttPort() {
        return mqttPort;
    }

    public int webSocketPort() {
        return webSocketPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public String token(String sensorId) {
        return tokens.get(sensorId);
    }

    public Path workDir() {
        return workDir;
    }

    /** Everything the service itself writes: journal, keys, sensors file, InfluxDB position. */
    public Path dataDir() {
        return dataDir;
    }

    public Path journalDir() {
        return dataDir.resolve("journal");
    }

    /** The checkpoint-signing key, as {@code journal.key_file} defaults it; its public key is beside it. */
    public Path journalKeyFile() {
        return dataDir.resolve("keys").resolve("journal-ed25519.pem");
    }

    public Path sensorsFile() {
        return dataDir.resolve("sensors.json");
    }

    public Path config() {
        return config;
    }

    /** The standard output and error files of every run so far, oldest first. */
    public List<Path> logs() {
        return List.copyOf(logs);
    }

    /** The value of one unlabelled series of /metrics, or NaN when absent. */
    public double metric(String name) {
        String body = new String(get("/metrics").body(), StandardCharsets.UTF_8);
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return Double.NaN;
    }

    /** The value of a per-sensor series of /metrics ({@code name{sensor="ID"}}), or 0 when absent. */
    public long sensorCounter(String name, String sensorId) {
        String prefix = name + "{sensor=\"" + sensorId + "\"} ";
        String body = new String(get("/metrics").body(), StandardCharsets.UTF_8);
        return body.lines().filter(line -> line.startsWith(prefix))
                .mapToLong(line -> Long.parseLong(line.substring(prefix.length()).trim())).findFirst().orElse(0);
    }

    /** The standard error (the service's log) of the current or last run. */
    public String stderr() {
        Path err = logs.stream().filter(p -> p.toString().endsWith(".stderr.log")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("not started"));
        try {
            return Files.readString(err, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the service if it still runs (a test that failed half-way). */
    @Override
    public void close() {
        if (isRunning()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return "earshot serve [" + workDir + (isRunning() ? ", pid " + process.pid() : ", not running") + "]";
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
