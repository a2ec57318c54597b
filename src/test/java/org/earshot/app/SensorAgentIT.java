package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.earshot.audio.AudioLoader;
import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;
import org.earshot.cli.CliRunner;
import org.earshot.config.SensorRegistry;
import org.earshot.pipeline.SensorMetrics;
import org.earshot.sensor.Credentials;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.PcmReader;
import org.earshot.sensor.SensorAgent;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.TestTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference sensor agent ({@code earshot sensor}, {@link SensorAgent}) against the real service on loopback: the
 * demo as raw s16le PCM arrives whole over MQTT and WebSocket, a restart of the service mid-stream costs no audio, a
 * wrong token is retried and reported once, and the command streams a file, with TLS too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SensorAgentIT {
    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final double NO_LIMIT = Double.POSITIVE_INFINITY;

    @TempDir
    static Path dir;
    static LiveHarness live;
    static byte[] demoPcm;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("mqtt-1", "ws-1", "restart-1", "bad-1", "pole-11", "pole-12")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        live = new LiveHarness(Files.createDirectories(dir.resolve("service")), LiveHarness.embeddedConfig(), tokens);
        float[] demo = AudioLoader.load16k(LiveHarness.DEMO).samples();
        ByteBuffer pcm = ByteBuffer.allocate(demo.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : demo) {
            pcm.putShort((short) Math.max(-32768, Math.min(32767, Math.round(x * 32768f))));
        }
        demoPcm = pcm.array();
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    /** The frames {@code earshot sensor} would make of {@code pcm}: 100 ms of 16 kHz mono s16le each. */
    private static List<SensorFrame> frames(byte[] pcm, long firstSequence) throws IOException {
        PcmReader reader = new PcmReader(new ByteArrayInputStream(pcm), SampleFormat.PCM_S16LE, 16000, 1, 1600,
                firstSequence);
        List<SensorFrame> frames = new ArrayList<>();
        SensorFrame f;
        while ((f = reader.next()) != null) {
            frames.add(f);
        }
        return frames;
    }

    private static SensorAgent agent(SensorAgent.Connector connector, int bufferFrames, List<String> log) {
        return new SensorAgent(live.clients, connector, new SensorAgent.Settings(bufferFrames, 20, 100, 60_000,
                20_000, 20_000, 5_000, NO_LIMIT, 0), "sensor test", "the service", log::add);
    }

    private static SensorAgent.Connector mqtt(String id, String token) {
        return onLost -> new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), id, token, 20, null)
                .closeHandler(onLost);
    }

    private static SensorAgent.Outcome await(SensorAgent agent) throws Exception {
        return agent.done().toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void assertArrivedWhole(SensorMetrics m, int frames, String log) {
        Await.until(() -> m.framesAccepted() >= frames, WAIT, () -> "accepted " + m.framesAccepted() + " of "
                + frames + "; " + log);
        assertEquals(frames, m.framesAccepted(), log);
        assertEquals(0, m.gaps(), log);
        assertEquals(0, m.missingFrames(), log);
        assertEquals(0, m.duplicates(), log);
        assertEquals(0, m.lateFrames(), log);
    }

    @Test
    @Order(1)
    void theDemoAsRawPcmArrivesWholeOverMqtt() throws Exception {
        List<SensorFrame> frames = frames(demoPcm, 5_000);
        List<String> log = new CopyOnWriteArrayList<>();
        SensorAgent agent = agent(mqtt("mqtt-1", live.tokens.get("mqtt-1")), frames.size() + 1, log);
        agent.start();
        frames.forEach(agent::offer);
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete(), outcome + " " + log);
        assertEquals(frames.size(), outcome.framesSent());
        assertArrivedWhole(live.service.metrics().sensor("mqtt-1"), frames.size(), log.toString());
        assertTrue(frames.get(frames.size() - 1).endOfStream());
    }

    @Test
    @Order(2)
    void theDemoAsRawPcmArrivesWholeOverWebSocket() throws Exception {
        List<SensorFrame> frames = frames(demoPcm, 7_000);
        List<String> log = new CopyOnWriteArrayList<>();
        List<String> refusals = new CopyOnWriteArrayList<>();
        WebSocketSensorClient ws = new WebSocketSensorClient(live.clients, HOST, live.service.webSocketPort(), "ws-1",
                live.tokens.get("ws-1"), null, refusals::add);
        SensorAgent agent = agent(onLost -> ws.closeHandler(onLost), frames.size() + 1, log);
        agent.start();
        frames.forEach(agent::offer);
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete(), outcome + " " + log);
        assertArrivedWhole(live.service.metrics().sensor("ws-1"), frames.size(), log.toString());
        assertTrue(refusals.isEmpty(), refusals.toString());
    }

    @Test
    @Order(3)
    void aWrongTokenIsRetriedAndReportedOnce() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        String wrong = "not-the-token-of-bad-1";
        long before = live.service.metrics().refusedCount("mqtt", "bad_credentials");
        SensorAgent agent = agent(mqtt("bad-1", wrong), 100, log);
        agent.start();
        for (SensorFrame f : frames(java.util.Arrays.copyOf(demoPcm, 3200 * 5), 1)) {
            agent.offer(f);
        }
        Await.until(() -> live.service.metrics().refusedCount("mqtt", "bad_credentials") >= before + 3, WAIT,
                () -> "refused " + live.service.metrics().refusedCount("mqtt", "bad_credentials") + "; " + log);
        agent.stop();
        SensorAgent.Outcome outcome = await(agent);
        assertFalse(outcome.complete());
        assertEquals(0, agent.status().connects());
        assertEquals(1, log.stream().filter(l -> l.contains("cannot connect")).count(), log.toString());
        assertTrue(log.stream().noneMatch(l -> l.contains(wrong)), log.toString());
        assertEquals(0, live.service.metrics().sensor("bad-1").framesAccepted());
    }

    @Test
    @Order(4)
    void theCommandStreamsARawFileOverMqttAndWebSocket() throws Exception {
        Path credentials = credentials();
        // 0.25 s of the demo and one stray byte: two full 100 ms frames and a 50 ms end-of-stream frame.
        Path pcm = dir.resolve("audio.raw");
        Files.write(pcm, java.util.Arrays.copyOf(demoPcm, 2 * 4000 + 1));
        CliRunner.Run r = CliRunner.run("sensor", "--credentials", credentials.toString(), "--id", "pole-12",
                "--host", HOST, "--port", String.valueOf(live.service.mqttPort()), "--input", pcm.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrivedWhole(live.service.metrics().sensor("pole-12"), 3, r.err());
        assertTrue(r.err().contains("sensor pole-12: connected to mqtt://127.0.0.1:" + live.service.mqttPort()),
                r.err());
        assertTrue(r.err().contains("sensor pole-12: stream ended; 3 frames sent, 0 dropped, 0 undelivered"),
                r.err());
        assertTrue(r.err().contains("discarded 1 byte(s) of an incomplete sample"), r.err());
        assertFalse(r.err().contains(live.tokens.get("pole-12")), r.err());

        // The first row of the file (pole-11), 50 ms frames: five full ones and an empty end-of-stream frame.
        r = CliRunner.run("sensor", "--credentials", credentials.toString(), "--host", HOST, "--transport",
                "websocket", "--port", String.valueOf(live.service.webSocketPort()), "--input", pcm.toString(),
                "--frame-ms", "50");
        assertEquals(0, r.exitCode(), r.err());
        assertArrivedWhole(live.service.metrics().sensor("pole-11"), 6, r.err());
        assertFalse(r.err().contains(live.tokens.get("pole-11")), r.err());
    }

    @Test
    @Order(5)
    void theCommandStreamsOverTlsWithATrustStore() throws Exception {
        TestTls tls = TestTls.create(Files.createDirectories(dir.resolve("tls")));
        String config = """
                {"data_dir": "@DATA@", "sensors_file": "@SENSORS@",
                 "mqtt": {"host": "127.0.0.1", "port": 0, "tls": true},
                 "websocket": {"host": "127.0.0.1", "port": 0, "tls": true},
                 "http": {"host": "127.0.0.1", "port": 0, "tls": true},
                 "metrics": {"host": "127.0.0.1", "port": 0},
                 "tls": {"keystore": "%s", "keystore_password": "%s"}}
                """.formatted(tls.keystore(), tls.keystorePassword());
        Path pcm = dir.resolve("tls.raw");
        Files.write(pcm, java.util.Arrays.copyOf(demoPcm, 2 * 4000 + 1));
        try (LiveHarness secure = new LiveHarness(Files.createDirectories(dir.resolve("secure")), config,
                live.tokens)) {
            Path credentials = credentials();
            // The certificate is for localhost: the host name is verified.
            CliRunner.Run r = CliRunner.run("sensor", "--credentials", credentials.toString(), "--host",
                    "localhost", "--port", String.valueOf(secure.service.mqttPort()), "--input", pcm.toString(),
                    "--truststore", tls.truststore().toString(), "--truststore-password", tls.truststorePassword());
            assertEquals(0, r.exitCode(), r.err());
            assertArrivedWhole(secure.service.metrics().sensor("pole-11"), 3, r.err());
            assertTrue(r.err().contains("sensor pole-11: connected to mqtts://localhost:"
                    + secure.service.mqttPort()), r.err());
            assertFalse(r.err().contains(tls.truststorePassword()), r.err());

            r = CliRunner.run("sensor", "--credentials", credentials.toString(), "--id", "pole-12", "--host",
                    "localhost", "--transport", "websocket", "--port", String.valueOf(secure.service.webSocketPort()),
                    "--input", pcm.toString(), "--truststore", tls.truststore().toString(), "--truststore-password",
                    tls.truststorePassword());
            assertEquals(0, r.exitCode(), r.err());
            assertArrivedWhole(secure.service.metrics().sensor("pole-12"), 3, r.err());
            assertTrue(r.err().contains("sensor pole-12: connected to wss://localhost:"
                    + secure.service.webSocketPort()), r.err());
        }
    }

    /** Last: restarts the shared service. */
    @Test
    @Order(6)
    void aServiceRestartMidStreamCostsNoAudio() throws Exception {
        List<SensorFrame> frames = frames(java.util.Arrays.copyOf(demoPcm, 3200 * 150), 9_000);
        List<String> log = new CopyOnWriteArrayList<>();
        SensorAgent agent = agent(mqtt("restart-1", live.tokens.get("restart-1")), frames.size() + 1, log);
        agent.start();
        SensorMetrics first = live.service.metrics().sensor("restart-1");
        Thread capture = new Thread(() -> {
            for (SensorFrame f : frames) {
                agent.offer(f);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        capture.start();
        Await.until(() -> first.framesAccepted() >= 30, WAIT, log::toString);
        live.restart();
        capture.join();
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete(), outcome + " " + log);
        assertEquals(1, agent.status().connectionsLost(), log.toString());
        assertEquals(2, agent.status().connects(), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("sensor test: connection lost")), log.toString());
        SensorMetrics second = live.service.metrics().sensor("restart-1");
        Await.until(() -> first.framesAccepted() + second.framesAccepted() >= frames.size(), WAIT,
                () -> first.framesAccepted() + " + " + second.framesAccepted() + " of " + frames.size());
        // A frame in flight at the restart may have reached the first service and come again to the second.
        long total = first.framesAccepted() + second.framesAccepted();
        assertTrue(total >= frames.size() && total <= frames.size() + 20, total + " of " + frames.size());
        assertTrue(second.framesAccepted() > 0, "the second service got the rest");
        // The second service got the rest in order: no gap, nothing late, nothing twice.
        assertEquals(0, second.gaps(), log.toString());
        assertEquals(0, second.missingFrames(), log.toString());
        assertEquals(0, second.lateFrames(), log.toString());
        assertEquals(0, second.duplicates(), log.toString());
        assertEquals(0, first.gaps());
    }

    private static Path credentials() throws IOException {
        Path file = dir.resolve("poles.csv");
        Files.writeString(file, Credentials.HEADER + "\npole-11," + live.tokens.get("pole-11") + "\npole-12,"
                + live.tokens.get("pole-12") + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
