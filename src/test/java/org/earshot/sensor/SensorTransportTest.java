package org.earshot.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;
import org.earshot.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent and its MQTT client over real connections, against stand-ins for the service's endpoints. */
class SensorTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String TOKEN = "s3cret-token";

    private static final double NO_LIMIT = Double.POSITIVE_INFINITY;

    private Vertx vertx;
    private Context context;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** Calls {@code call} on the test's context (where clients are created and used) and waits for its result. */
    private <T> T on(Callable<Future<T>> call) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                call.call().onComplete(r -> {
                    if (r.succeeded()) {
                        result.complete(r.result());
                    } else {
                        result.completeExceptionally(r.cause());
                    }
                });
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static SensorFrame frame(long sequence, boolean endOfStream) {
        byte[] pcm = new byte[320];
        pcm[0] = (byte) sequence;
        return new SensorFrame(SampleFormat.PCM_S16LE, 16000, 1, endOfStream, sequence, 1_000_000 + sequence * 10_000,
                160, pcm);
    }

    private static byte[] encoded(long sequence) {
        return org.earshot.audio.FrameCodec.encode(frame(sequence, false));
    }

    /** The sequence numbers in the order they first arrived (a frame in flight at a loss may arrive twice). */
    private static List<Long> firstArrivals(List<Long> sequences) {
        return sequences.stream().distinct().collect(Collectors.toList());
    }

    private static List<Long> range(long from, long toInclusive) {
        return LongStream.rangeClosed(from, toInclusive).boxed().collect(Collectors.toList());
    }

    @Test
    void mqttSendsCompleteOnlyWhenTheServiceAcknowledges() throws Exception {
        try (FakeMqttServer server = new FakeMqttServer(vertx, "s1", TOKEN)) {
            AtomicInteger lost = new AtomicInteger();
            AcknowledgedMqttClient[] client = new AcknowledgedMqttClient[1];
            on(() -> {
                client[0] = new AcknowledgedMqttClient(vertx, "127.0.0.1", server.port(), "s1", TOKEN, 10, null,
                        lost::incrementAndGet);
                return client[0].connect();
            });
            assertEquals(List.of("s1"), server.clientIds);
            Await.until(() -> server.statuses.size() == 1, WAIT, () -> "online status");
            assertEquals("{\"state\":\"online\"}", server.statuses.get(0));
            assertTrue(server.statusRetained.get(0));

            server.acknowledging.set(false);
            CompletableFuture<Void> sent = new CompletableFuture<>();
            context.runOnContext(v -> client[0].send(encoded(0)).onComplete(r -> {
                if (r.succeeded()) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(r.cause());
                }
            }));
            Await.until(() -> server.frames.size() == 1, WAIT, () -> "frame received");
            Thread.sleep(200);
            assertFalse(sent.isDone(), "written but not acknowledged yet");
            assertEquals(1, (int) on(() -> Future.succeededFuture(client[0].inFlight())));
            server.releaseAcknowledgements();
            sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, (int) on(() -> Future.succeededFuture(client[0].inFlight())));

            on(() -> client[0].close());
            Await.until(() -> server.statuses.size() == 2, WAIT, () -> "offline status");
            assertTrue(server.statuses.get(1).contains("\"state\":\"offline\""), server.statuses.toString());
            Thread.sleep(100);
            assertEquals(0, lost.get(), "closing is not losing");
        }
    }

    @Test
    void mqttReportsAConnectionTheServiceCloses() throws Exception {
        try (FakeMqttServer server = new FakeMqttServer(vertx, "s1", TOKEN)) {
            server.dropAtFrame.set(1);
            AtomicInteger lost = new AtomicInteger();
            AcknowledgedMqttClient[] client = new AcknowledgedMqttClient[1];
            on(() -> {
                client[0] = new AcknowledgedMqttClient(vertx, "127.0.0.1", server.port(), "s1", TOKEN, 10, null,
                        lost::incrementAndGet);
                return client[0].connect();
            });
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            context.runOnContext(v -> client[0].send(encoded(0)).onComplete(r -> failed.complete(r.cause())));
            assertTrue(failed.get(WAIT.toSeconds(), TimeUnit.SECONDS) != null, "the unacknowledged send fails");
            Await.until(() -> lost.get() == 1, WAIT, () -> "loss reported");
            // Closing a lost client is harmless.
            on(() -> client[0].close());
            assertEquals(1, lost.get());
        }
    }

    @Test
    void mqttWithAWrongTokenDoesNotConnect() throws Exception {
        try (FakeMqttServer server = new FakeMqttServer(vertx, "s1", TOKEN)) {
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            context.runOnContext(v -> new AcknowledgedMqttClient(vertx, "127.0.0.1", server.port(), "s1", "wrong", 10,
                    null, () -> { }).connect().onComplete(r -> failed.complete(r.cause())));
            assertTrue(failed.get(WAIT.toSeconds(), TimeUnit.SECONDS) != null);
            assertEquals(1, server.refused.get());
        }
    }

    private SensorAgent agent(SensorAgent.Connector connector, String target) {
        return new SensorAgent(vertx, connector, new SensorAgent.Settings(200, 10, 100, 60_000, 10_000, 10_000,
                5_000, NO_LIMIT, 0), "sensor s1", target, log::add);
    }

    @Test
    void theAgentStreamsThroughAReconnectionOverMqtt() throws Exception {
        try (FakeMqttServer server = new FakeMqttServer(vertx, "s1", TOKEN)) {
            server.dropAtFrame.set(8);
            SensorAgent agent = agent(onLost -> new AcknowledgedMqttClient(vertx, "127.0.0.1", server.port(), "s1",
                    TOKEN, 10, null, onLost), "mqtt://127.0.0.1:" + server.port());
            agent.start();
            Await.until(() -> agent.status().connected(), WAIT, () -> "connected: " + log);
            for (int i = 0; i < 30; i++) {
                agent.offer(frame(i, i == 29));
                Thread.sleep(10);
            }
            SensorAgent.Outcome outcome = agent.done().toCompletionStage().toCompletableFuture()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(outcome.complete(), outcome.toString());
            assertEquals(range(0, 29), firstArrivals(server.sequences()));
            assertTrue(server.frames.get(server.frames.size() - 1).endOfStream());
            assertEquals(2, server.connections.get());
            assertEquals(List.of("{\"state\":\"online\"}", "{\"state\":\"online\"}"), server.statuses.subList(0, 2));
            assertTrue(server.statuses.get(2).contains("offline"), server.statuses.toString());
            assertEquals(1, agent.status().connectionsLost());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("sensor s1: connection lost")), log.toString());
            assertTrue(log.stream().noneMatch(l -> l.contains(TOKEN)), log.toString());
        }
    }

    @Test
    void theAgentStreamsThroughAReconnectionOverWebSocket() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(vertx)) {
            server.closeAtFrame.set(8);
            WebSocketSensorClient[] ws = new WebSocketSensorClient[1];
            List<String> refusals = new CopyOnWriteArrayList<>();
            SensorAgent agent = agent(onLost -> {
                if (ws[0] == null) {
                    ws[0] = new WebSocketSensorClient(vertx, "127.0.0.1", server.port(), "s1", TOKEN, null,
                            refusals::add);
                }
                return ws[0];
            }, "ws://127.0.0.1:" + server.port());
            agent.start();
            Await.until(() -> agent.status().connected(), WAIT, () -> "connected: " + log);
            for (int i = 0; i < 30; i++) {
                agent.offer(frame(i, i == 29));
                Thread.sleep(10);
            }
            SensorAgent.Outcome outcome = agent.done().toCompletionStage().toCompletableFuture()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(outcome.complete(), outcome.toString());
            assertEquals(range(0, 29), firstArrivals(server.sequences()));
            assertTrue(server.connections.get() >= 2, "reconnected: " + log);
            assertEquals("/v1/sensors/s1/audio", server.paths.get(0));
            assertEquals("Bearer " + TOKEN, server.authorizations.get(0));
            assertTrue(refusals.isEmpty());
        }
    }
}
