package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Future;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.sensor.MqttSensorClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the embedded MQTT endpoint by clients that hold a valid sensor token, each of which once worked: taking
 * over another sensor's session by using its client id, exhausting the heap with subscription filters, holding
 * unlimited connections with one token, holding sockets open without ever sending CONNECT, and reconnecting so
 * quickly that the previous connection is still closing.
 */
class MqttEndpointAbuseIT {
    static final String HOST = "127.0.0.1";
    /** The harness runs with the defaults of these limits. */
    static final int MAX_SUBSCRIPTIONS = ServeConfig.Mqtt.DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
    static final int MAX_CONNECTIONS = ServeConfig.Mqtt.DEFAULT_MAX_CONNECTIONS_PER_SENSOR;
    static final int CONNECT_TIMEOUT_SECONDS = ServeConfig.Mqtt.DEFAULT_CONNECT_TIMEOUT_SECONDS;
    @TempDir
    static Path dir;
    static LiveHarness live;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("victim", "attacker", "watcher", "crowd", "cycler", "roamer")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        // Checkpoints every second while there are new entries: the checkpoint test sees one signed while it waits.
        live = new LiveHarness(dir, LiveHarness.embeddedConfig().replace("\"ingest\":",
                "\"journal\": {\"checkpoint_seconds\": 1}, \"ingest\":"), tokens);
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private MqttClient client(String sensorId, String clientId) {
        return MqttClient.create(live.clients, new MqttClientOptions().setClientId(clientId).setUsername(sensorId)
                .setPassword(live.tokens.get(sensorId)).setMaxMessageSize(65536));
    }

    private MqttClient reader(String clientId) {
        return MqttClient.create(live.clients, new MqttClientOptions().setClientId(clientId)
                .setUsername(LiveHarness.READER).setPassword(live.readerKey).setMaxMessageSize(65536));
    }

    @Test
    void aSensorsTokenReadsOnlyItsOwnErrorsTopicAndReadersReadTheOutputs() throws Exception {
        MqttClient sensor = client("attacker", "attacker-reading");
        Map<Integer, CompletableFuture<List<Integer>>> acks = new ConcurrentHashMap<>();
        sensor.subscribeCompletionHandler(a -> acks.computeIfAbsent(a.messageId(), id -> new CompletableFuture<>())
                .complete(a.grantedQoSLevels()));
        LiveHarness.await(sensor.connect(live.service.mqttPort(), HOST));
        long forbiddenBefore = live.service.metrics().refusedCount("mqtt", "forbidden_subscription");
        Map<String, Integer> everyonesOutputs = new LinkedHashMap<>();
        for (String f : List.of("earshot/v1/detections/#", "earshot/v1/alerts/victim/+", "earshot/v1/levels/victim",
                "earshot/v1/sensors/victim/errors", "earshot/v1/sensors/attacker/errors")) {
            everyonesOutputs.put(f, 1);
        }
        assertEquals(List.of(0x80, 0x80, 0x80, 0x80, 1), subscribe(sensor, acks, everyonesOutputs),
                "a sensor's token may read its own errors topic only");
        assertEquals(forbiddenBefore + 4, live.service.metrics().refusedCount("mqtt", "forbidden_subscription"));
        LiveHarness.await(sensor.disconnect());

        MqttClient reader = reader("reader-outputs");
        Map<Integer, CompletableFuture<List<Integer>>> readerAcks = new ConcurrentHashMap<>();
        reader.subscribeCompletionHandler(a -> readerAcks.computeIfAbsent(a.messageId(),
                id -> new CompletableFuture<>()).complete(a.grantedQoSLevels()));
        LiveHarness.await(reader.connect(live.service.mqttPort(), HOST));
        Map<String, Integer> outputs = new LinkedHashMap<>();
        outputs.put("earshot/v1/detections/#", 1);
        outputs.put("earshot/v1/alerts/+/+", 1);
        outputs.put("earshot/v1/levels/#", 0);
        outputs.put("earshot/v1/sensors/victim/errors", 1);
        assertEquals(List.of(1, 1, 0, 0x80), subscribe(reader, readerAcks, outputs),
                "a reader reads the outputs, not a sensor's errors");
        // A reader publishes nothing: its frame is acknowledged, counted and never reaches the pipeline.
        long accepted = live.service.metrics().sensor("victim").framesAccepted();
        LiveHarness.await(reader.publish("earshot/v1/sensors/victim/audio",
                io.vertx.core.buffer.Buffer.buffer(LiveHarness.demoFrames(0, LiveHarness.T0).get(0)),
                io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false));
        org.earshot.testing.Await.until(() -> live.service.metrics().refusedCount("mqtt", "reader_publish") == 1,
                LiveHarness.WAIT, () -> "the reader's publish was not refused");
        assertEquals(accepted, live.service.metrics().sensor("victim").framesAccepted());
        LiveHarness.await(reader.disconnect());
    }

    @Test
    void anotherSensorsTokenWithTheVictimsClientIdDoesNotDisconnectTheVictim() throws Exception {
        MqttSensorClient victim = new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), "victim",
                live.tokens.get("victim"), 10, null);
        AtomicBoolean lost = new AtomicBoolean();
        victim.closeHandler(() -> lost.set(true));
        LiveHarness.await(victim.connect());
        List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0);
        LiveHarness.await(victim.send(frames.get(0)));
        // The attacker authenticates with its own token but presents the victim's client id, again and again.
        for (int i = 0; i < 3; i++) {
            MqttClient attacker = client("attacker", "victim");
            LiveHarness.await(attacker.connect(live.service.mqttPort(), HOST));
            LiveHarness.await(attacker.disconnect());
        }
        // The victim's connection is still there: its next frames are acknowledged on the same connection.
        for (int i = 1; i < 4; i++) {
            LiveHarness.await(victim.send(frames.get(i)));
        }
        assertFalse(lost.get(), "the victim's connection was closed");
        assertTrue(victim.isConnected());
        assertEquals(4, live.service.metrics().sensor("victim").framesAccepted());
        // One stream throughout: a disconnect would have ended it, and the next frame would have started another.
        org.earshot.testing.Await.until(() -> live.service.metrics().sensor("victim").framesProcessed() == 4,
                LiveHarness.WAIT, () -> "the victim's frames were not analysed");
        assertEquals(1, live.service.metrics().sensor("victim").streams(), "the victim's stream went on");
        LiveHarness.await(victim.close());
    }

    @Test
    void anOldConnectionClosingLateDoesNotEndTheStreamANewerOneCarries() throws Exception {
        // An agent restarted with another client id streams on; its previous socket closes only afterwards. Once that
        // old close ended the sensor's stream, and the next frame of the new connection started another one.
        List<byte[]> frames = LiveHarness.demoFrames(0, LiveHarness.T0);
        MqttClient old = client("roamer", "roamer-before-restart");
        MqttClient fresh = client("roamer", "roamer-after-restart");
        LiveHarness.await(old.connect(live.service.mqttPort(), HOST));
        for (int i = 0; i < 4; i++) {
            publishFrame(old, frames.get(i));
        }
        LiveHarness.await(fresh.connect(live.service.mqttPort(), HOST));
        int withOld = live.service.mqttConnections();
        for (int i = 4; i < 8; i++) {
            publishFrame(fresh, frames.get(i));
        }
        org.earshot.testing.Await.until(() -> live.service.metrics().sensor("roamer").framesProcessed() == 8,
                LiveHarness.WAIT, () -> "the roamer's first frames were not analysed");
        LiveHarness.await(old.disconnect());
        // Only once the service has handled the old connection's close do the new connection's next frames go out.
        org.earshot.testing.Await.until(() -> live.service.mqttConnections() < withOld,
                LiveHarness.WAIT, () -> "the old connection's close was not handled");
        // A wrongly ended stream is flushed by the idle pipeline within milliseconds; give it ample time to show.
        Thread.sleep(500);
        for (int i = 8; i < 12; i++) {
            publishFrame(fresh, frames.get(i));
        }
        org.earshot.testing.Await.until(() -> live.service.metrics().sensor("roamer").framesProcessed() == 12,
                LiveHarness.WAIT, () -> "the roamer's frames were not analysed");
        assertEquals(1, live.service.metrics().sensor("roamer").streams(), "the stream went on across the restart");
        LiveHarness.await(fresh.disconnect());
    }

    private static void publishFrame(MqttClient client, byte[] frame) throws Exception {
        LiveHarness.await(client.publish("earshot/v1/sensors/roamer/audio", io.vertx.core.buffer.Buffer.buffer(frame),
                io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false));
    }

    @Test
    void subscriptionFiltersPerConnectionAreBoundedAndRefusalsCounted() throws Exception {
        MqttClient watcher = reader("reader-flood");
        Map<Integer, CompletableFuture<List<Integer>>> acks = new ConcurrentHashMap<>();
        // SUBACK may overtake the completion of the write that sent SUBSCRIBE: whichever comes first makes the entry.
        watcher.subscribeCompletionHandler(a -> acks.computeIfAbsent(a.messageId(), id -> new CompletableFuture<>())
                .complete(a.grantedQoSLevels()));
        LiveHarness.await(watcher.connect(live.service.mqttPort(), HOST));
        long refusedBefore = live.service.metrics().refusedCount("mqtt", "too_many_subscriptions");
        List<Integer> granted = new ArrayList<>();
        // Far more distinct filters than a connection may hold, 16 per SUBSCRIBE.
        for (int batch = 0; batch < 8; batch++) {
            Map<String, Integer> filters = new LinkedHashMap<>();
            for (int i = 0; i < 16; i++) {
                filters.put("earshot/v1/levels/flood-" + (batch * 16 + i), 0);
            }
            granted.addAll(subscribe(watcher, acks, filters));
        }
        assertTrue(MAX_SUBSCRIPTIONS < 128);
        assertEquals(128, granted.size());
        assertEquals(MAX_SUBSCRIPTIONS, granted.stream().filter(q -> q == 0).count(), granted.toString());
        assertTrue(granted.subList(MAX_SUBSCRIPTIONS, granted.size()).stream().allMatch(q -> q == 0x80),
                "every filter over the limit is refused: " + granted);
        assertEquals(refusedBefore + 128 - MAX_SUBSCRIPTIONS,
                live.service.metrics().refusedCount("mqtt", "too_many_subscriptions"));
        // Subscribing again to a filter it holds replaces it and costs nothing; unsubscribing frees a place.
        assertEquals(List.of(1), subscribe(watcher, acks, Map.of("earshot/v1/levels/flood-0", 1)));
        LiveHarness.await(watcher.unsubscribe("earshot/v1/levels/flood-1"));
        assertEquals(List.of(1), subscribe(watcher, acks, Map.of("earshot/v1/detections/#", 1)));
        assertEquals(List.of(0x80), subscribe(watcher, acks, Map.of("earshot/v1/alerts/#", 1)));
        LiveHarness.await(watcher.disconnect());
    }

    /** Subscribes and returns the SUBACK's codes: the granted QoS per filter, or 0x80 for a refused one. */
    private static List<Integer> subscribe(MqttClient client, Map<Integer, CompletableFuture<List<Integer>>> acks,
                                           Map<String, Integer> filters) throws Exception {
        int id = LiveHarness.await(client.subscribe(filters));
        return acks.computeIfAbsent(id, k -> new CompletableFuture<>()).get(30, TimeUnit.SECONDS);
    }

    @Test
    void connectionsPerSensorAreBoundedAndRefusalsCounted() throws Exception {
        long refusedBefore = live.service.metrics().refusedCount("mqtt", "too_many_connections");
        List<MqttClient> held = new ArrayList<>();
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            MqttClient c = client("crowd", "crowd-" + i);
            LiveHarness.await(c.connect(live.service.mqttPort(), HOST));
            held.add(c);
        }
        MqttClient oneTooMany = client("crowd", "crowd-extra");
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> LiveHarness.await(oneTooMany.connect(live.service.mqttPort(), HOST)));
        assertTrue(refused.getCause() instanceof MqttConnectionException, refused.toString());
        assertEquals(refusedBefore + 1, live.service.metrics().refusedCount("mqtt", "too_many_connections"));
        // Reconnecting with a client id it already holds replaces that connection, within the limit.
        MqttClient again = client("crowd", "crowd-0");
        LiveHarness.await(again.connect(live.service.mqttPort(), HOST));
        // Another sensor is not affected by this sensor's connections.
        MqttClient other = client("watcher", "watcher-other");
        LiveHarness.await(other.connect(live.service.mqttPort(), HOST));
        // Once one is closed, a new connection is accepted.
        LiveHarness.await(held.get(1).disconnect());
        MqttClient later = client("crowd", "crowd-later");
        Future<?> connected = later.connect(live.service.mqttPort(), HOST);
        LiveHarness.await(connected);
        for (MqttClient c : List.of(held.get(2), held.get(3), again, other, later)) {
            LiveHarness.await(c.disconnect());
        }
    }

    /**
     * A sensor that disconnects and at once connects again with the same client id: the new CONNECT may arrive on
     * another event loop while the previous connection is still closing there (the DISCONNECT marked it closed, its
     * close handler has not run yet). Every CONNECT must be answered with CONNACK. Raw sockets, so that nothing
     * waits between the DISCONNECT and the next CONNECT.
     */
    @Test
    void quickDisconnectReconnectCyclesAreAllAnswered() throws Exception {
        int cycles = 120;
        byte[] connect = connectPacket("cycler-session", "cycler", live.tokens.get("cycler"));
        List<Integer> unanswered = new ArrayList<>();
        Socket previous = connectRaw(connect);
        assertTrue(readConnack(previous), "the first CONNECT was not answered");
        for (int i = 0; i < cycles && unanswered.size() < 5; i++) {
            previous.getOutputStream().write(new byte[] {(byte) 0xE0, 0x00});
            previous.getOutputStream().flush();
            Socket next = connectRaw(connect);
            previous.close();
            if (!readConnack(next)) {
                unanswered.add(i);
            }
            previous = next;
        }
        previous.close();
        assertEquals(List.of(), unanswered, "cycles whose CONNECT got no CONNACK within 5 s (stopped at 5)");
        // The session's bookkeeping is whole: this sensor holds no connection now, so it may open its limit again.
        org.earshot.testing.Await.until(() -> {
            try (Socket s = connectRaw(connectPacket("cycler-probe", "cycler", live.tokens.get("cycler")))) {
                return readConnack(s);
            } catch (java.io.IOException e) {
                return false;
            }
        }, LiveHarness.WAIT, () -> "the sensor cannot connect after the cycles");
    }

    private Socket connectRaw(byte[] connect) throws java.io.IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(HOST, live.service.mqttPort()), 5000);
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(connect);
        socket.getOutputStream().flush();
        return socket;
    }

    /** True when the socket's next four bytes are a CONNACK that accepts; false on a timeout or anything else. */
    private static boolean readConnack(Socket socket) throws java.io.IOException {
        byte[] ack = new byte[4];
        try {
            int n = 0;
            while (n < 4) {
                int r = socket.getInputStream().read(ack, n, 4 - n);
                if (r < 0) {
                    return false;
                }
                n += r;
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
        return ack[0] == 0x20 && ack[1] == 0x02 && ack[3] == 0x00;
    }

    /** An MQTT 3.1.1 CONNECT with a clean session, username and password, keep-alive 60 s. */
    static byte[] connectPacket(String clientId, String username, String password) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(4);
        body.write(0xC2);
        body.write(0);
        body.write(60);
        writeString(body, clientId);
        writeString(body, username);
        writeString(body, password);
        java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
        packet.write(0x10);
        int length = body.size();
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static void writeString(java.io.ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xFF);
        out.writeBytes(b);
    }

    /**
     * The embedded endpoint publishes the journal's signed checkpoints as broker mode does on the broker: a reader
     * that subscribes gets the newest at once, marked retained, and then each newer one as it is signed; a sensor's
     * token may not read them. An auditor can keep them for {@code earshot verify --checkpoints-from}.
     */
    @Test
    void readersGetTheNewestSignedCheckpointAtOnceAndEachNewOne() throws Exception {
        MqttClient sensor = client("attacker", "attacker-checkpoints");
        Map<Integer, CompletableFuture<List<Integer>>> sensorAcks = new ConcurrentHashMap<>();
        sensor.subscribeCompletionHandler(a -> sensorAcks.computeIfAbsent(a.messageId(),
                id -> new CompletableFuture<>()).complete(a.grantedQoSLevels()));
        LiveHarness.await(sensor.connect(live.service.mqttPort(), HOST));
        assertEquals(List.of(0x80, 0x80), subscribe(sensor, sensorAcks,
                new LinkedHashMap<>(Map.of(org.earshot.ingest.Topics.CHECKPOINT, 1, "earshot/v1/journal/#", 1))));
        LiveHarness.await(sensor.disconnect());

        MqttClient reader = reader("reader-checkpoints");
        java.util.concurrent.LinkedBlockingQueue<io.vertx.mqtt.messages.MqttPublishMessage> received =
                new java.util.concurrent.LinkedBlockingQueue<>();
        reader.publishHandler(received::add);
        Map<Integer, CompletableFuture<List<Integer>>> acks = new ConcurrentHashMap<>();
        reader.subscribeCompletionHandler(a -> acks.computeIfAbsent(a.messageId(), id -> new CompletableFuture<>())
                .complete(a.grantedQoSLevels()));
        LiveHarness.await(reader.connect(live.service.mqttPort(), HOST));
        java.security.PublicKey key = org.earshot.journal.JournalKeys.readPublic(
                live.dir.resolve("keys").resolve("journal-ed25519.pem.pub"));
        try {
            assertEquals(List.of(1), subscribe(reader, acks, Map.of(org.earshot.ingest.Topics.CHECKPOINT, 1)));
            // (One signed at this moment may come in too, not marked retained: the retained one is looked for.)
            io.vertx.mqtt.messages.MqttPublishMessage first = next(received, m -> m.isRetain());
            assertTrue(first != null, "no retained checkpoint on subscribing");
            assertEquals(org.earshot.ingest.Topics.CHECKPOINT, first.topicName());
            assertTrue(first.isRetain(), "the newest checkpoint is sent as a retained message");
            org.earshot.journal.Checkpoint held = org.earshot.journal.Checkpoint.parse(first.payload().toString());
            assertTrue(held.treeSize() > 0);
            assertTrue(held.verify(key), "signed by the journal's key");

            // New entries (a reader's API request is journaled) are signed within a second: the reader gets that
            // checkpoint as it is signed, not marked retained.
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + HOST + ":"
                            + live.service.httpPort() + "/api/v1/sensors"))
                            .header("Authorization", "Bearer " + live.readerKey).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            io.vertx.mqtt.messages.MqttPublishMessage next = next(received, m -> !m.isRetain()
                    && treeSize(m) > held.treeSize());
            assertTrue(next != null, "no newer checkpoint after new entries");
            org.earshot.journal.Checkpoint newer = org.earshot.journal.Checkpoint.parse(next.payload().toString());
            assertTrue(newer.verify(key));

            // A second subscription now gets the newer one at once.
            MqttClient late = reader("reader-checkpoints-late");
            java.util.concurrent.LinkedBlockingQueue<io.vertx.mqtt.messages.MqttPublishMessage> lateReceived =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            late.publishHandler(lateReceived::add);
            LiveHarness.await(late.connect(live.service.mqttPort(), HOST));
            LiveHarness.await(late.subscribe("earshot/v1/journal/#", 0));
            io.vertx.mqtt.messages.MqttPublishMessage retained = next(lateReceived, m -> m.isRetain());
            assertTrue(retained != null, "no retained checkpoint for the late reader");
            assertTrue(treeSize(retained) >= newer.treeSize());
            LiveHarness.await(late.disconnect());
        } finally {
            LiveHarness.await(reader.disconnect());
        }
    }

    /** The first message from {@code queue} that {@code wanted} accepts within a minute; null if none. */
    private static io.vertx.mqtt.messages.MqttPublishMessage next(
            java.util.concurrent.BlockingQueue<io.vertx.mqtt.messages.MqttPublishMessage> queue,
            java.util.function.Predicate<io.vertx.mqtt.messages.MqttPublishMessage> wanted) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            io.vertx.mqtt.messages.MqttPublishMessage m = queue.poll(left, TimeUnit.NANOSECONDS);
            if (m != null && wanted.test(m)) {
                return m;
            }
        }
        return null;
    }

    private static long treeSize(io.vertx.mqtt.messages.MqttPublishMessage m) {
        try {
            return org.earshot.journal.Checkpoint.parse(m.payload().toString()).treeSize();
        } catch (org.earshot.journal.JournalFormatException e) {
            throw new AssertionError("not a checkpoint: " + m.payload(), e);
        }
    }

    @Test
    void aSocketThatNeverSendsConnectIsClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, live.service.mqttPort()), 5000);
            socket.setSoTimeout((CONNECT_TIMEOUT_SECONDS + 10) * 1000);
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            assertEquals(-1, in.read(), "the endpoint closes the socket");
            assertTrue(System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(CONNECT_TIMEOUT_SECONDS - 1),
                    "not before the timeout");
        }
    }

    /**
     * Runs {@code attack} while a copy of standard error (where the service logs: slf4j-simple) is kept, and returns
     * that copy's lines.
     */
    private static List<String> loggedDuring(ThrowingRunnable attack) throws Exception {
        java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        java.io.PrintStream tee = new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (copy) {
                    copy.write(b, off, len);
                }
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
        System.setErr(tee);
        try {
            attack.run();
        } finally {
            System.setErr(original);
        }
        synchronized (copy) {
            return List.of(copy.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n", -1));
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aRefusedConnectCannotForgeOrFloodLogLines() throws Exception {
        String forgedDetection = "{\"class\":\"shout\",\"onset\":1.0,\"offset\":2.0,\"confidence\":0.99}";
        String forgingUser = "nobody\n2026-12-05T20:00:00.000+0000 [vert.x-eventloop-thread-0] INFO"
                + " org.earshot.ingest.MqttIngestVerticle - mqtt: sensor victim connected from /10.0.0.1:4242\r\n"
                + forgedDetection + "\u0000\u2028";
        String hugeClientId = "A".repeat(60_000);
        long refusedBefore = live.service.metrics().refusedCount("mqtt", "bad_credentials");
        int attempts = 5;
        List<String> lines = loggedDuring(() -> {
            for (int i = 0; i < attempts; i++) {
                MqttClient c = MqttClient.create(live.clients, new MqttClientOptions().setClientId(hugeClientId)
                        .setUsername(forgingUser).setPassword("not-a-token").setMaxMessageSize(65536));
                Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                        () -> LiveHarness.await(c.connect(live.service.mqttPort(), HOST)));
                assertTrue(refused.getCause() instanceof MqttConnectionException, refused.toString());
            }
        });
        assertEquals(refusedBefore + attempts, live.service.metrics().refusedCount("mqtt", "bad_credentials"),
                "every refusal is counted");
        for (String line : lines) {
            assertFalse(line.contains("mqtt: sensor victim connected from /10.0.0.1"), "forged line: " + line);
            assertFalse(line.startsWith("{\"class\""), "forged detection line: " + line);
            assertFalse(line.contains("\u0000") || line.contains("\u2028"), "raw control character in: " + line);
            assertTrue(line.length() <= 1000, "log line of " + line.length() + " characters");
        }
        List<String> refusals = lines.stream().filter(l -> l.contains("refused CONNECT")).toList();
        assertEquals(1, refusals.size(), "refusals from one address are logged at most every 10 s: " + refusals);
        assertTrue(refusals.get(0).contains("\\u000a"), "the line break is shown escaped: " + refusals.get(0));
        assertTrue(refusals.get(0).contains("(60000 chars)"), "the client id's length is stated: " + refusals.get(0));
    }

    @Test
    void oversizedAndMistypedStatusMessagesAreRefusedWithShortErrors() throws Exception {
        MqttClient sensor = MqttClient.create(live.clients, new MqttClientOptions().setClientId("watcher-status")
                .setUsername("watcher").setPassword(live.tokens.get("watcher")).setMaxMessageSize(300_000));
        java.util.concurrent.LinkedBlockingQueue<String> errors = new java.util.concurrent.LinkedBlockingQueue<>();
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        sensor.publishHandler(m -> errors.add(m.payload().toString(java.nio.charset.StandardCharsets.UTF_8)));
        sensor.subscribeCompletionHandler(a -> subscribed.complete(null));
        LiveHarness.await(sensor.connect(live.service.mqttPort(), HOST));
        LiveHarness.await(sensor.subscribe("earshot/v1/sensors/watcher/errors", 0));
        subscribed.get(60, TimeUnit.SECONDS);
        long refusedBefore = live.service.metrics().sensor("watcher").rejectedCount("bad_status");
        String huge = "{\"state\":\"online\",\"reason\":\"" + "x".repeat(250_000) + "\"}";
        List<String> lines = loggedDuring(() -> {
            LiveHarness.await(sensor.publish("earshot/v1/sensors/watcher/status",
                    io.vertx.core.buffer.Buffer.buffer(huge), io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE,
                    false, false));
        });
        String error = errors.poll(60, TimeUnit.SECONDS);
        assertTrue(error != null, "no refusal on the errors topic");
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(error).getAsJsonObject();
        assertEquals("bad_status", o.get("error").getAsString(), error);
        assertTrue(error.length() <= 512, "errors-topic message of " + error.length() + " characters");
        assertTrue(o.get("message").getAsString().contains("bytes"), "the size is the reason: " + error);
        for (String line : lines) {
            assertTrue(line.length() <= 1000, "log line of " + line.length() + " characters");
        }

        LiveHarness.await(sensor.publish("earshot/v1/sensors/watcher/status",
                io.vertx.core.buffer.Buffer.buffer("{\"state\":[\"online\"]}"),
                io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false));
        String typeError = errors.poll(60, TimeUnit.SECONDS);
        assertTrue(typeError != null, "a status whose state is an array was accepted");
        com.google.gson.JsonObject t = com.google.gson.JsonParser.parseString(typeError).getAsJsonObject();
        assertEquals("bad_status", t.get("error").getAsString(), typeError);
        assertTrue(t.get("message").getAsString().contains("state"), "the field is named: " + typeError);
        assertEquals(refusedBefore + 2, live.service.metrics().sensor("watcher").rejectedCount("bad_status"));
        LiveHarness.await(sensor.disconnect());
    }
}
