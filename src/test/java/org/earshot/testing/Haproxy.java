package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.earshot.testing.ServerProcesses.read;
import static org.earshot.testing.ServerProcesses.tail;

/**
 * A real HAProxy in front of cluster-mode nodes for integration tests, started and stopped by
 * {@code scripts/haproxy-cluster.sh} (the script an operator runs), listening on 127.0.0.1 ports chosen here. Its
 * configuration ({@code haproxy.cfg}), pid file and log ({@code haproxy.log}: one line per connection, and each node
 * going down or up) live in the work directory.
 *
 * <p>It needs the {@code haproxy} binary (Debian package haproxy) and installs nothing: a test class that starts one
 * is annotated {@code @RequiresServers(Server.HAPROXY)}.
 */
public final class Haproxy implements AutoCloseable {
    public static final Path SCRIPT = Path.of("scripts", "haproxy-cluster.sh");
    private static final long SCRIPT_SECONDS = 60;

    /** One node behind the balancer: its name (as HAProxy logs it) and its loopback ports. */
    public record Node(String name, int mqttPort, int webSocketPort, int httpPort) {
        public Node {
            Objects.requireNonNull(name, "name");
        }

        /** The script's NODE argument. */
        String argument() {
            return name + "=" + FreePorts.LOOPBACK.getHostAddress() + ":" + mqttPort + ":" + webSocketPort + ":"
                    + httpPort;
        }
    }

    private final Path workDir;
    private final int mqttPort;
    private final int webSocketPort;
    private final int httpPort;
    private final ProcessHandle process;

    private Haproxy(Path workDir, int mqttPort, int webSocketPort, int httpPort, ProcessHandle process) {
        this.workDir = workDir;
        this.mqttPort = mqttPort;
        this.webSocketPort = webSocketPort;
        this.httpPort = httpPort;
        this.process = process;
    }

    /** The haproxy binary (PATH, the sbin folders). @throws IllegalStateException naming the package when missing */
    public static Path binary() {
        return Executables.find(Server.HAPROXY.binary())
                .orElseThrow(() -> new IllegalStateException(Server.HAPROXY.missingReason()));
    }

    /**
     * Runs {@code scripts/haproxy-cluster.sh start} in {@code workDir} on free loopback ports, which returns once
     * HAProxy listens on all three.
     *
     * @throws IllegalStateException when the binary is missing or the script fails (with its output and the log)
     */
    public static Haproxy start(Path workDir, List<Node> nodes) {
        binary();
        Path dir = workDir.toAbsolutePath();
        int mqtt = FreePorts.loopback();
        int webSocket = FreePorts.loopback();
        int http = FreePorts.loopback();
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "start", dir.toString(),
                String.valueOf(mqtt), String.valueOf(webSocket), String.valueOf(http)));
        nodes.forEach(n -> command.add(n.argument()));
        String output = script(dir, command);
        long pid;
        try {
            pid = Long.parseLong(Files.readString(dir.resolve("haproxy.pid"), StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("no pid from " + command + ": " + output, e);
        }
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                "haproxy (pid " + pid + ") exited right after it started\n" + output + tail(read(dir.resolve(
                        "haproxy.log"), 0))));
        ServerProcesses.track(handle);
        return new Haproxy(dir, mqtt, webSocket, http, handle);
    }

    /** Runs the script; returns its output, throws with it when it fails. */
    private static String script(Path dir, List<String> command) {
        try {
            Files.createDirectories(dir);
            Path out = dir.resolve("script.out");
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
            p.getOutputStream().close();
            if (!p.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " still running after " + SCRIPT_SECONDS + " s\n"
                        + tail(read(out, 0)));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(command + " exited with " + p.exitValue() + "\n" + tail(read(out, 0))
                        + "--- end of " + dir.resolve("haproxy.log") + " ---\n"
                        + tail(read(dir.resolve("haproxy.log"), 0)));
            }
            return read(out, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    public String host() {
        return FreePorts.LOOPBACK.getHostAddress();
    }

    /** The sensors' MQTT port. */
    public int mqttPort() {
        return mqttPort;
    }

    /** The sensors' WebSocket port. */
    public int webSocketPort() {
        return webSocketPort;
    }

    /** The HTTP port (/health, the query API). */
    public int httpPort() {
        return httpPort;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** The log so far: a line per connection when it ends, and each node marked down or up by the health checks. */
    public String logText() {
        return read(workDir.resolve("haproxy.log"), 0);
    }

    /** The configuration the script wrote. */
    public Path config() {
        return workDir.resolve("haproxy.cfg");
    }

    /** {@code scripts/haproxy-cluster.sh stop} (SIGTERM, SIGKILL after 10 s); SIGKILL if it still runs after. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                script(workDir, List.of(SCRIPT.toString(), "stop", workDir.toString()));
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            ServerProcesses.untrack(process);
        }
    }

    @Override
    public String toString() {
        return "Haproxy[" + host() + ": mqtt " + mqttPort + ", websocket " + webSocketPort + ", http " + httpPort + ", "
                + (isRunning() ? "running" : "stopped") + ", " + workDir + "]";
    }
}
