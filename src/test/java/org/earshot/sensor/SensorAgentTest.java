package org.earshot.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.FrameFormatException;
import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;
import org.earshot.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's buffering, ordering, reconnection and ending, against an in-memory {@link SensorClient} (the real
 * service is in {@code org.earshot.app.SensorAgentIT}).
 */
class SensorAgentTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final double NO_LIMIT = Double.POSITIVE_INFINITY;

    private Vertx vertx;
    private FakeService service;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        service = new FakeService();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /**
     * The service's side: which connections it takes, what it received (sequence numbers of frames, in order of
     * arrival), and whether it acknowledges. Its methods run on the agent's context.
     */
    static final class FakeService {
        final AtomicBoolean up = new AtomicBoolean(true);
        final AtomicBoolean acknowledging = new AtomicBoolean(true);
        final AtomicInteger failNextSends = new AtomicInteger();
        final List<Long> received = new CopyOnWriteArrayList<>();
        final List<SensorFrame> frames = new CopyOnWriteArrayList<>();
        final List<FakeClient> clients = new CopyOnWriteArrayList<>();
        final AtomicInteger connects = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        /** Connection attempts that never answer (until the test completes them). */
        final AtomicBoolean hanging = new AtomicBoolean();
        final List<Promise<Void>> hungAttempts = new CopyOnWriteArrayList<>();

        SensorAgent.Connector connector() {
            return onLost -> {
                FakeClient c = new FakeClient(this, onLost);
                clients.add(c);
                return c;
            };
        }

        FakeClient current() {
            return clients.get(clients.size() - 1);
        }
    }

    /** A connection to the fake service; the agent calls it on its context, tests from their thread. */
    static final class FakeClient implements SensorClient {
        final FakeService service;
        final Runnable onLost;
        final List<Promise<Void>> pending = new ArrayList<>();
        boolean open;
        int closed;

        FakeClient(FakeService service, Runnable onLost) {
            this.service = service;
            this.onLost = onLost;
        }

        @Override
        public synchronized Future<Void> connect() {
            if (!service.up.get()) {
                return Future.failedFuture("connection refused");
            }
            if (service.hanging.get()) {
                Promise<Void> attempt = Promise.promise();
                service.hungAttempts.add(attempt);
                return attempt.future().onSuccess(v -> {
                    synchronized (this) {
                        open = true;
                    }
                });
            }
            open = true;
            service.connects.incrementAndGet();
            return Future.succeededFuture();
        }

        @Override
        public synchronized Future<Void> send(byte[] frame) {
            if (!open) {
                return Future.failedFuture("not connected");
            }
            if (service.failNextSends.get() > 0) {
                service.failNextSends.decrementAndGet();
                return Future.failedFuture("broken pipe");
            }
            SensorFrame f;
            try {
                f = FrameCodec.decode(frame, FrameCodec.DEFAULT_MAX_FRAME_BYTES);
            } catch (FrameFormatException e) {
                throw new AssertionError(e);
            }
            service.received.add(f.sequence());
            service.frames.add(f);
            if (service.acknowledging.get()) {
                return Future.succeededFuture();
            }
            Promise<Void> p = Promise.promise();
            pending.add(p);
            return p.future();
        }

        /** The service acknowledges the first {@code n} frames awaiting it. */
        void acknowledge(int n) {
            List<Promise<Void>> some;
            synchronized (this) {
                some = new ArrayList<>(pending.subList(0, n));
                pending.subList(0, n).clear();
            }
            some.forEach(Promise::tryComplete);
        }

        void acknowledgeAll() {
            acknowledge(pendingCount());
        }

        synchronized int closedCount() {
            return closed;
        }

        synchronized int pendingCount() {
            return pending.size();
        }

        /** The service drops the connection: nothing pending will be acknowledged. */
        void drop() {
            List<Promise<Void>> all;
            synchronized (this) {
                open = false;
                all = new ArrayList<>(pending);
                pending.clear();
            }
            onLost.run();
            all.forEach(p -> p.tryFail("connection closed"));
        }

        @Override
        public synchronized boolean isConnected() {
            return open;
        }

        @Override
        public synchronized int inFlight() {
            return pending.size();
        }

        @Override
        public synchronized Future<Void> close() {
            open = false;
            closed++;
            service.closes.incrementAndGet();
            return Future.succeededFuture();
        }
    }

    private static SensorAgent.Settings settings(int bufferFrames, int maxInFlight) {
        return new SensorAgent.Settings(bufferFrames, maxInFlight, 50, 60_000, 5_000, 60_000, 5_000, NO_LIMIT, 0);
    }

    private SensorAgent agent(SensorAgent.Settings settings) {
        return new SensorAgent(vertx, service.connector(), settings, "sensor s1", "fake://service", log::add);
    }

    private static SensorFrame frame(long sequence, boolean endOfStream) {
        return new SensorFrame(SampleFormat.PCM_S16LE, 16000, 1, endOfStream, sequence, 1_000_000 + sequence * 10_000,
                160, new byte[320]);
    }

    private static List<Long> range(long from, long toInclusive) {
        return LongStream.rangeClosed(from, toInclusive).boxed().collect(Collectors.toList());
    }

    private static SensorAgent.Outcome await(SensorAgent agent) throws Exception {
        return agent.done().toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private void awaitConnected(SensorAgent agent, long connects) {
        Await.until(() -> agent.status().connected() && agent.status().connects() >= connects, WAIT,
                () -> "connection " + connects + "; log " + log);
    }

    @Test
    void sendsEveryFrameInOrderAndDisconnectsAfterTheEndOfStream() throws Exception {
        SensorAgent agent = agent(settings(100, 10));
        agent.start();
        for (int i = 0; i < 20; i++) {
            agent.offer(frame(i, i == 19));
        }
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete());
        assertEquals(20, outcome.framesSent());
        assertEquals(0, outcome.framesDropped());
        assertEquals(range(0, 19), service.received);
        assertTrue(service.frames.get(19).endOfStream());
        assertEquals(1, service.closes.get());
        assertTrue(log.stream().anyMatch(l -> l.equals("sensor s1: connected to fake://service")), log.toString());
        assertTrue(log.get(log.size() - 1).contains("stream ended; 20 frames sent, 0 dropped, 0 undelivered"),
                log.toString());
    }

    @Test
    void framesReadBeforeTheFirstConnectionAreBufferedAndSentInOrder() throws Exception {
        service.up.set(false);
        SensorAgent agent = agent(settings(100, 4));
        agent.start();
        for (int i = 0; i < 30; i++) {
            agent.offer(frame(i, false));
        }
        Await.until(() -> agent.status().framesRead() == 30, WAIT, () -> "frames read");
        assertEquals(30, agent.status().buffered());
        assertFalse(agent.status().connected());
        service.up.set(true);
        awaitConnected(agent, 1);
        agent.offer(frame(30, true));
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete());
        assertEquals(range(0, 30), service.received);
        // One line for the refusal (not one per attempt), one for the connection.
        assertEquals(1, log.stream().filter(l -> l.equals("sensor s1: cannot connect: connection refused; retrying "
                + "every 0.05 s")).count(), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("connected to fake://service; sending 30 buffered frame(s)")),
                log.toString());
    }

    @Test
    void aFullBufferDropsTheOldestFramesAndCountsThem() throws Exception {
        service.up.set(false);
        SensorAgent agent = agent(settings(4, 2));
        agent.start();
        for (int i = 0; i < 10; i++) {
            agent.offer(frame(i, i == 9));
        }
        Await.until(() -> agent.status().framesRead() == 10, WAIT, () -> "frames read");
        SensorAgent.Status status = agent.status();
        assertEquals(4, status.buffered());
        assertEquals(6, status.framesDropped());
        service.up.set(true);
        SensorAgent.Outcome outcome = await(agent);
        assertFalse(outcome.complete(), "dropped frames make the stream incomplete (the command exits 1)");
        assertEquals(6, outcome.framesDropped());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("sensor s1: WARNING: 6 of 10 frames (60%) were dropped")),
                log.toString());
        // The newest frames, in order; the service sees the gap in the sequence numbers.
        assertEquals(range(6, 9), service.received);
        assertEquals(1, log.stream().filter(l -> l.contains("buffer full (4 frames); dropping the oldest")).count());
    }

    @Test
    void atMostMaxInFlightFramesAwaitTheirAcknowledgement() throws Exception {
        service.acknowledging.set(false);
        SensorAgent agent = agent(settings(100, 3));
        agent.start();
        awaitConnected(agent, 1);
        for (int i = 0; i < 10; i++) {
            agent.offer(frame(i, false));
        }
        Await.until(() -> agent.status().framesRead() == 10, WAIT, () -> "frames read");
        Thread.sleep(100);
        assertEquals(range(0, 2), service.received);
        assertEquals(10, agent.status().buffered());
        // Each acknowledgement lets the next frames go.
        service.current().acknowledgeAll();
        Await.until(() -> service.received.size() == 6, WAIT, () -> "three more frames: " + service.received);
        assertEquals(range(0, 5), service.received);
        assertEquals(3, agent.status().framesSent());
    }

    @Test
    void framesInFlightWhenTheConnectionDropsAreSentAgainAfterReconnecting() throws Exception {
        service.acknowledging.set(false);
        SensorAgent agent = agent(settings(100, 5));
        agent.start();
        awaitConnected(agent, 1);
        for (int i = 0; i < 9; i++) {
            agent.offer(frame(i, false));
        }
        Await.until(() -> service.received.size() == 5, WAIT, () -> "five in flight: " + service.received);
        // Two are acknowledged (so two more go), then the connection drops with five in flight.
        FakeClient first = service.current();
        first.acknowledge(2);
        Await.until(() -> service.received.size() == 7 && agent.status().framesSent() == 2, WAIT,
                () -> "two more in flight: " + service.received);
        service.up.set(false);
        first.drop();
        Await.until(() -> agent.status().connectionsLost() == 1, WAIT, () -> "loss noticed");
        assertFalse(agent.status().connected());
        assertEquals(7, agent.status().buffered());
        service.received.clear();
        service.acknowledging.set(true);
        service.up.set(true);
        awaitConnected(agent, 2);
        agent.offer(frame(9, true));
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete());
        // The unacknowledged frames come first, in order, then the rest; the acknowledged ones are not sent again.
        assertEquals(range(2, 9), service.received);
        assertEquals(10, outcome.framesSent());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("sensor s1: connection lost (connection closed); "
                + "buffering up to 100 frames, reconnecting every 0.05 s")), log.toString());
    }

    @Test
    void theListenerHearsOfEachConnectionAndLossWithItsReason() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        SensorAgent agent = agent(settings(100, 5)).listener(new SensorAgent.ConnectionListener() {
            @Override
            public void connected() {
                heard.add("connected");
            }

            @Override
            public void lost(String reason) {
                heard.add("lost: " + reason);
            }
        });
        agent.start();
        awaitConnected(agent, 1);
        service.current().drop();
        awaitConnected(agent, 2);
        service.failNextSends.set(1);
        agent.offer(frame(0, false));
        awaitConnected(agent, 3);
        agent.offer(frame(1, true));
        assertTrue(await(agent).complete());
        assertEquals(List.of("connected", "lost: connection closed", "connected", "lost: send failed: broken pipe",
                "connected"), heard);
    }

    @Test
    void aFailedSendCountsAsALostConnection() throws Exception {
        SensorAgent agent = agent(settings(100, 5));
        agent.start();
        awaitConnected(agent, 1);
        service.failNextSends.set(1);
        for (int i = 0; i < 5; i++) {
            agent.offer(frame(i, i == 4));
        }
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete());
        assertEquals(2, service.connects.get());
        // Frame 0 failed; everything arrives, in order, over the second connection (copies are the service's to drop).
        List<Long> distinct = service.received.stream().distinct().collect(Collectors.toList());
        assertEquals(range(0, 4), distinct);
        assertTrue(log.stream().anyMatch(l -> l.contains("connection lost (send failed: broken pipe)")),
                log.toString());
    }

    @Test
    void aStalledConnectionIsDroppedAndReplaced() throws Exception {
        service.acknowledging.set(false);
        SensorAgent agent = new SensorAgent(vertx, service.connector(),
                new SensorAgent.Settings(100, 5, 50, 60_000, 5_000, 200, 5_000, NO_LIMIT, 0), "sensor s1",
                "fake://service", log::add);
        agent.start();
        awaitConnected(agent, 1);
        agent.offer(frame(0, false));
        Await.until(() -> agent.status().connects() >= 2, WAIT, () -> "a new connection: " + log);
        assertTrue(log.stream().anyMatch(l -> l.contains("connection lost (no acknowledgement for 0.2 s)")),
                log.toString());
        service.acknowledging.set(true);
        agent.offer(frame(1, true));
        assertTrue(await(agent).complete());
        assertEquals(List.of(0L, 1L), service.received.stream().distinct().sorted().collect(Collectors.toList()));
    }

    @Test
    void anAttemptThatDoesNotAnswerIsAbandonedAndALateAnswerIsClosed() throws Exception {
        service.hanging.set(true);
        SensorAgent agent = new SensorAgent(vertx, service.connector(),
                new SensorAgent.Settings(100, 5, 50, 60_000, 5_000, 60_000, 200, NO_LIMIT, 0), "sensor s1",
                "fake://service", log::add);
        agent.start();
        Await.until(() -> log.stream().anyMatch(l -> l.contains("cannot connect: no answer within 0.2 s")), WAIT,
                () -> "timeout: " + log);
        FakeClient first = service.clients.get(0);
        service.hanging.set(false);
        awaitConnected(agent, 1);
        FakeClient current = service.current();
        // The first attempt answers after all: it is closed, and the agent stays on its current connection.
        service.hungAttempts.get(0).complete();
        Await.until(() -> first.closedCount() >= 2, WAIT, () -> "the late connection closed");
        agent.offer(frame(0, true));
        assertTrue(await(agent).complete());
        assertEquals(List.of(0L), service.received);
        assertTrue(current != first);
        assertEquals(1, agent.status().connects());
    }

    @Test
    void stopEndsTheStreamAfterTheLastFrameAndIgnoresLaterOnes() throws Exception {
        SensorAgent agent = agent(settings(100, 5));
        agent.start();
        for (int i = 0; i < 3; i++) {
            agent.offer(frame(i, false));
        }
        agent.stop();
        agent.offer(frame(3, false));
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete());
        assertEquals(range(0, 3), service.received);
        SensorFrame eos = service.frames.get(3);
        assertTrue(eos.endOfStream());
        assertEquals(0, eos.samplesPerChannel());
        assertEquals(1_000_000 + 3 * 10_000, eos.captureMicros());
        assertEquals(4, outcome.framesRead());
    }

    @Test
    void stopBeforeAnyAudioJustDisconnects() throws Exception {
        SensorAgent agent = agent(settings(100, 5));
        agent.start();
        awaitConnected(agent, 1);
        agent.stop();
        SensorAgent.Outcome outcome = await(agent);
        assertTrue(outcome.complete());
        assertEquals(0, outcome.framesSent());
        assertTrue(service.received.isEmpty());
        assertEquals(1, service.closes.get());
    }

    @Test
    void theAgentGivesUpWaitingAfterTheDrainTimeAndReportsWhatWasNotDelivered() throws Exception {
        service.up.set(false);
        SensorAgent agent = new SensorAgent(vertx, service.connector(),
                new SensorAgent.Settings(100, 5, 50, 60_000, 300, 60_000, 5_000, NO_LIMIT, 0), "sensor s1",
                "fake://service", log::add);
        agent.start();
        for (int i = 0; i < 5; i++) {
            agent.offer(frame(i, i == 4));
        }
        SensorAgent.Outcome outcome = await(agent);
        assertFalse(outcome.complete());
        assertEquals(5, outcome.undelivered());
        assertEquals(0, outcome.framesSent());
    }

    @Test
    void theStatusLineComesPeriodically() throws Exception {
        SensorAgent agent = new SensorAgent(vertx, service.connector(),
                new SensorAgent.Settings(100, 5, 50, 100, 5_000, 60_000, 5_000, NO_LIMIT, 0), "sensor s1",
                "fake://service", log::add);
        agent.start();
        agent.offer(frame(0, false));
        Await.until(() -> log.stream().anyMatch(l -> l.equals("sensor s1: 1 frames sent, 0 buffered, 0 dropped, "
                + "connected")), WAIT, () -> "status line: " + log);
        agent.stop();
        await(agent);
    }

    @Test
    void aBacklogIsSentNoFasterThanTheCatchUpSpeed() throws Exception {
        service.up.set(false);
        // 2 s of 100 ms frames wait; then half a second goes at once and the rest at 4x real time (about 375 ms).
        SensorAgent agent = new SensorAgent(vertx, service.connector(),
                new SensorAgent.Settings(100, 50, 50, 60_000, 5_000, 60_000, 5_000, 4, 500), "sensor s1",
                "fake://service", log::add);
        agent.start();
        for (int i = 0; i < 20; i++) {
            agent.offer(new SensorFrame(SampleFormat.PCM_S16LE, 16000, 1, false, i, 1_000_000 + i * 100_000L, 1600,
                    new byte[3200]));
        }
        Await.until(() -> agent.status().framesRead() == 20, WAIT, () -> "frames read");
        long start = System.nanoTime();
        service.up.set(true);
        Await.until(() -> service.received.size() >= 5, WAIT, () -> "the first half second");
        int early = service.received.size();
        Await.until(() -> service.received.size() == 20, WAIT, () -> "the whole backlog");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(early <= 8, "only the burst goes at once, got " + early);
        assertTrue(seconds >= 0.3, "the backlog took " + seconds + " s");
        assertEquals(range(0, 19), service.received);
        agent.offer(frame(20, true));
        assertTrue(await(agent).complete());
    }

    @Test
    void settingsAreChecked() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> settings(5, 5));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> settings(5, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SensorAgent.Settings(5, 1, 0, 1, 1, 1, 1, NO_LIMIT, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SensorAgent.Settings(5, 1, 1, 1, 1, 1, 1, 0.5, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SensorAgent.Settings(5, 1, 1, 1, 1, 1, 1, Double.NaN, 0));
    }
}
