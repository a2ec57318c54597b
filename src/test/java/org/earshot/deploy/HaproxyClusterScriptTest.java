package org.earshot.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import org.earshot.testing.Await;
import org.earshot.testing.FreePorts;
import org.earshot.testing.Haproxy;
import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/haproxy-cluster.sh: the configuration it prints for any nodes, the arguments it refuses, and (with the
 * haproxy binary) start and stop of a real HAProxy in front of a stand-in node. The compose file's configuration is
 * checked against it by {@link ComposeConsistencyTest}, the failover through it by {@code HaproxyFailoverIT}.
 */
class HaproxyClusterScriptTest {
    @TempDir
    Path dir;

    private record Result(int exit, String stdout, String stderr) {
    }

    private Result script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", Haproxy.SCRIPT.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running: " + command);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The lines of one section (from its header to the next blank line). */
    private static List<String> section(String cfg, String header) {
        int start = cfg.indexOf("\n" + header + "\n");
        assertTrue(start >= 0, header + " missing:\n" + cfg);
        int end = cfg.indexOf("\n\n", start + 1);
        return cfg.substring(start + 1, end < 0 ? cfg.length() : end).lines()
                .filter(l -> !l.strip().startsWith("#")).map(String::strip).toList();
    }

    @Test
    void everyNodeIsInEveryBackendWithItsPortAndTheHealthCheck() throws Exception {
        Result r = script("config", "1883", "8081", "8080", "a=10.0.0.1:1001:1002:1003", "b=node-b:2001:2002:2003");
        assertEquals(0, r.exit(), r.stderr());
        String cfg = r.stdout();
        String check = " check inter 1s fall 2 rise 2";
        assertEquals(List.of("backend earshot_mqtt", "balance leastconn",
                "server a 10.0.0.1:1001" + check + " on-marked-down shutdown-sessions",
                "server b node-b:2001" + check + " on-marked-down shutdown-sessions"),
                section(cfg, "backend earshot_mqtt"));
        assertEquals(List.of("backend earshot_websocket", "balance leastconn",
                "server a 10.0.0.1:1002" + check + " on-marked-down shutdown-sessions",
                "server b node-b:2002" + check + " on-marked-down shutdown-sessions"),
                section(cfg, "backend earshot_websocket"));
        List<String> api = section(cfg, "backend earshot_api");
        assertTrue(api.containsAll(List.of("mode http", "option httpchk GET /health",
                "server a 10.0.0.1:1003" + check, "server b node-b:2003" + check)), api.toString());
        assertTrue(section(cfg, "frontend mqtt").contains("bind 127.0.0.1:1883"), cfg);
        assertTrue(section(cfg, "frontend websocket").contains("bind 127.0.0.1:8081"), cfg);
        assertTrue(section(cfg, "frontend api").contains("bind 127.0.0.1:8080"), cfg);
        List<String> defaults = section(cfg, "defaults");
        assertTrue(defaults.containsAll(List.of("mode tcp", "timeout connect 2s", "timeout client 1h",
                "timeout server 1h", "retries 3", "option redispatch 1")), defaults.toString());
        assertFalse(cfg.contains("resolvers"), "no DNS server given");

        Result docker = script("config", "--bind", "0.0.0.0", "--resolver", "127.0.0.11:53", "1883", "8081", "8080",
                "a=a:1:2:3");
        assertEquals(0, docker.exit(), docker.stderr());
        assertTrue(section(docker.stdout(), "resolvers nodes").contains("nameserver dns 127.0.0.11:53"));
        assertTrue(docker.stdout().contains("server a a:1 check inter 1s fall 2 rise 2 on-marked-down"
                + " shutdown-sessions resolvers nodes init-addr libc,none\n"), docker.stdout());
        assertTrue(docker.stdout().contains("bind 0.0.0.0:1883\n"), docker.stdout());
    }

    @Test
    void badArgumentsAreRefusedNamingTheProblem() throws Exception {
        String[][] cases = {
            {"bad MQTT_PORT '0'", "config", "0", "8081", "8080", "a=h:1:2:3"},
            {"bad WS_PORT 'x'", "config", "1883", "x", "8080", "a=h:1:2:3"},
            {"must differ", "config", "1883", "1883", "8080", "a=h:1:2:3"},
            {"bad NODE 'a=h:1:2'", "config", "1883", "8081", "8080", "a=h:1:2"},
            {"a port is not a number 1-65535", "config", "1883", "8081", "8080", "a=h:1:2:70000"},
            {"bad NODE 'a b=h:1:2:3'", "config", "1883", "8081", "8080", "a b=h:1:2:3"},
            {"NODE name 'a' given twice", "config", "1883", "8081", "8080", "a=h:1:2:3", "a=g:4:5:6"},
            {"bad --bind 'host'", "config", "--bind", "host", "1883", "8081", "8080", "a=h:1:2:3"},
            {"bad --resolver '127.0.0.11'", "config", "--resolver", "127.0.0.11", "1883", "8081", "8080", "a=h:1:2:3"},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            Result r = script(args);
            assertEquals(1, r.exit(), String.join(" ", args) + ": " + r.stderr());
            assertTrue(r.stderr().contains(c[0]), c[0] + " not in: " + r.stderr());
            assertEquals("", r.stdout(), "no configuration printed for " + String.join(" ", args));
        }
        Result usage = script("config", "1883", "8081", "8080");
        assertEquals(2, usage.exit());
        assertTrue(usage.stderr().contains("scripts/haproxy-cluster.sh start DIR MQTT_PORT WS_PORT API_PORT NODE..."),
                usage.stderr());
    }

    /** A stand-in node: one loopback HTTP server for all three of its ports, answering /health with 200. */
    private static HttpServer node() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(FreePorts.LOOPBACK, 0), 0);
        server.createContext("/health", exchange -> {
            byte[] body = "{\"status\":\"ok\",\"node\":\"stand-in\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    @RequiresServers(Server.HAPROXY)
    void startListensAndPassesRequestsUntilStopAndRefusesASecondStart() throws Exception {
        HttpServer stand = node();
        int port = stand.getAddress().getPort();
        Path haproxyDir = dir.resolve("haproxy");
        boolean stopped = false;
        try (Haproxy haproxy = Haproxy.start(haproxyDir, List.of(new Haproxy.Node("n1", port, port, port)))) {
            assertTrue(haproxy.isRunning());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://" + haproxy.host() + ":"
                    + haproxy.httpPort() + "/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("stand-in"), health.body());
            assertTrue(Files.readString(haproxy.config()).contains("bind 127.0.0.1:" + haproxy.mqttPort() + "\n"),
                    "loopback only");

            Result again = script("start", haproxyDir.toString(), "1", "2", "3", "n1=127.0.0.1:1:2:3");
            assertEquals(1, again.exit(), again.stderr());
            assertTrue(again.stderr().contains("haproxy already runs from"), again.stderr());

            // The node goes away: two failed checks a second apart take it out, and HAProxy says so.
            stand.stop(0);
            stopped = true;
            Await.until(() -> haproxy.logText().contains("earshot_api/n1 is DOWN"), Duration.ofSeconds(30),
                    haproxy::logText);
        } finally {
            if (!stopped) {
                stand.stop(0);
            }
        }
        Result stopAgain = script("stop", haproxyDir.toString());
        assertEquals(0, stopAgain.exit(), stopAgain.stderr());
        assertTrue(stopAgain.stderr().contains("haproxy is not running from"), stopAgain.stderr());
    }
}
