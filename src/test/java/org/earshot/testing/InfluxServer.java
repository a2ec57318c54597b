package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import static org.earshot.testing.ServerProcesses.read;
import static org.earshot.testing.ServerProcesses.size;
import static org.earshot.testing.ServerProcesses.tail;

/**
 * A real InfluxDB 1.x server ({@code influxd}) for integration tests: HTTP on 127.0.0.1 on a free port, the RPC
 * (backup/restore) listener on another free loopback port, no other listener, no usage reporting, and its meta, data
 * and WAL directories, configuration file and log (influxd 1.x logs to stderr, which goes to {@code influxd.log}) all
 * in the work directory, one server per directory. {@link #kill()} is a SIGKILL, like a crash; {@link #restart()}
 * starts it again on the same ports with the same data.
 *
 * <p>It needs the {@code influxd} binary (PATH, /usr/sbin, /usr/bin) and installs nothing: a test class that starts
 * one is annotated {@code @RequiresServers(Server.INFLUXD)}, which skips it when the binary is missing.
 *
 * <pre>{@code
 * try (InfluxServer influx = InfluxServer.start(tempDir)) {
 *     InfluxDBFactory.connect(influx.url()) ...
 * }
 * }</pre>
 */
public final class InfluxServer extends LoopbackServer {
    public static final String HOST = "127.0.0.1";
    /** How long a start may take until /ping answers. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int FREE_PORT_ATTEMPTS = 5;
    private static final String ADDRESS_IN_USE = "address already in use";

    private final Path binary;
    private final Path workDir;
    private final Path config;
    private final Path log;
    private int httpPort;
    private int rpcPort;

    private InfluxServer(Path binary, Path workDir) {
        super("influxd");
        this.binary = binary;
        this.workDir = workDir;
        this.config = workDir.resolve("influxdb.conf");
        this.log = workDir.resolve("influxd.log");
    }

    /**
     * Writes the configuration in {@code workDir} (created if missing), starts influxd and returns once /ping answers
     * 204. On a free port taken meanwhile by someone else, tries again on others.
     *
     * @throws IllegalStateException when influxd is missing and cannot be installed (the message says what to
     *     install), exits during start-up or does not answer within {@link #START_TIMEOUT}; the message carries the
     *     end of its log
     */
    public static InfluxServer start(Path workDir) {
        return start(workDir, FreePorts::loopback);
    }

    static InfluxServer start(Path workDir, IntSupplier freePorts) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InfluxServer server = new InfluxServer(locateBinary(workDir), workDir.toAbsolutePath());
        for (int attempt = 1; ; attempt++) {
            server.httpPort = freePorts.getAsInt();
            server.rpcPort = freePorts.getAsInt();
            server.writeConfig();
            if (server.launch() == Launch.READY) {
                return server;
            }
            if (attempt == FREE_PORT_ATTEMPTS) {
                throw new IllegalStateException(server.describe("influxd could not bind " + server.listeners()
                        + " (" + ADDRESS_IN_USE + "), tried " + FREE_PORT_ATTEMPTS + " pairs of free ports"));
            }
        }
    }

    /** {@code http://127.0.0.1:PORT}, no credentials (authentication is off). */
    /**
     * A query result flattened into rows, one map per point: its series' tags plus column name to value. Throws,
     * naming the query, when InfluxDB reported an error for it.
     */
    public static java.util.List<java.util.Map<String, Object>> rows(org.influxdb.dto.QueryResult result,
                                                                    String influxQl) {
        if (result.getError() != null) {
            throw new IllegalStateException(influxQl + ": " + result.getError());
        }
        java.util.List<java.util.Map<String, Object>> rows = new java.util.ArrayList<>();
        if (result.getResults() == null) {
            return rows;
        }
        for (org.influxdb.dto.QueryResult.Result r : result.getResults()) {
            if (r.getError() != null) {
                throw new IllegalStateException(influxQl + ": " + r.getError());
            }
            if (r.getSeries() == null) {
                continue;
            }
            for (org.influxdb.dto.QueryResult.Series series : r.getSeries()) {
                for (java.util.List<Object> values : series.getValues()) {
                    java.util.Map<String, Object> row = new java.util.HashMap<>();
                    if (series.getTags() != null) {
                        row.putAll(series.getTags());
                    }
                    for (int i = 0; i < values.size(); i++) {
                        row.put(series.getColumns().get(i), values.get(i));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    public String url() {
        return "http://" + HOST + ":" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path config() {
        return config;
    }

    /** influxd's output, all runs appended. */
    public Path log() {
        return log;
    }

    @Override
    public String toString() {
        return "InfluxServer[" + listeners() + ", " + (isRunning() ? "running" : "stopped") + ", " + workDir + "]";
    }

    @Override
    Launch launch() {
        long logStart = size(log);
        try {
            process = new ProcessBuilder(binary.toString(), "run", "-config", config.toString())
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
        ServerProcesses.track(process);
        return awaitLaunch(process, "influxd", "answer " + url() + "/ping", START_TIMEOUT,
                () -> listening(logStart), () -> read(log, logStart),
                output -> output.toLowerCase().contains(ADDRESS_IN_USE));
    }

    /** Its log says it listens on our HTTP port (so it is ours that answers, not a stranger) and /ping answers 204. */
    private boolean listening(long logStart) {
        return read(log, logStart).contains("msg=\"Listening on HTTP\"") && read(log, logStart).contains(
                "addr=" + HOST + ":" + httpPort) && pings();
    }

    private boolean pings() {
        try {
            HttpURLConnection ping = (HttpURLConnection) new URL(url() + "/ping").openConnection();
            ping.setConnectTimeout(1000);
            ping.setReadTimeout(1000);
            try {
                return ping.getResponseCode() == 204;
            } finally {
                ping.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private void writeConfig() {
        List<String> lines = new ArrayList<>();
        lines.add("# Written by " + InfluxServer.class.getName() + " for a test.");
        lines.add("reporting-disabled = true");
        lines.add("bind-address = \"" + HOST + ":" + rpcPort + "\"");
        lines.add("");
        lines.add("[meta]");
        lines.add("  dir = \"" + workDir.resolve("meta") + "\"");
        lines.add("  logging-enabled = false");
        lines.add("");
        lines.add("[data]");
        lines.add("  dir = \"" + workDir.resolve("data") + "\"");
        lines.add("  wal-dir = \"" + workDir.resolve("wal") + "\"");
        lines.add("  query-log-enabled = false");
        lines.add("");
        lines.add("[monitor]");
        lines.add("  store-enabled = false");
        lines.add("");
        lines.add("[http]");
        lines.add("  enabled = true");
        lines.add("  bind-address = \"" + HOST + ":" + httpPort + "\"");
        lines.add("  log-enabled = false");
        lines.add("  pprof-enabled = false");
        lines.add("");
        lines.add("[logging]");
        lines.add("  suppress-logo = true");
        lines.add("");
        // Listed explicitly, so that a packaged default turning one on does not open a port in a test.
        lines.add("[[graphite]]");
        lines.add("  enabled = false");
        lines.add("[[collectd]]");
        lines.add("  enabled = false");
        lines.add("[[opentsdb]]");
        lines.add("  enabled = false");
        lines.add("[[udp]]");
        lines.add("  enabled = false");
        lines.add("");
        lines.add("[continuous_queries]");
        lines.add("  enabled = false");
        try {
            Files.write(config, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    String listeners() {
        return "http " + HOST + ":" + httpPort + " and rpc " + HOST + ":" + rpcPort;
    }

    @Override
    String describe(String what) {
        return what + "\n--- end of " + log + " ---\n" + tail(read(log, 0)) + "--- config " + config + " ---\n"
                + read(config, 0);
    }

    /** The influxd binary; see {@link RequiresServers} for tests that need it. */
    static Path locateBinary(Path workDir) {
        return Executables.find(Server.INFLUXD.binary())
                .orElseThrow(() -> new IllegalStateException(Server.INFLUXD.missingReason()));
    }
}
