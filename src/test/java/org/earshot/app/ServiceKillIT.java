package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.pipeline.OutputJson;
import org.earshot.audio.AudioLoader;
import org.earshot.config.SensorRegistry;
import org.earshot.journal.Checkpoint;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalLine;
import org.earshot.journal.JournalVerifier;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.testing.Await;
import org.earshot.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill the service (kill -9) mid-stream: every detection that was published is in the journal after restart, and the
 * journal verifies. {@code earshot serve} runs as a child JVM; sensors stream the demo over MQTT faster than real
 * time while a subscriber collects every alert and detection; once detections have come and while the streams still
 * run, the child gets SIGKILL. A copy of the journal directory is then opened in-process (recovering a torn tail, as
 * the service would), and every received id must be there as an entry of the topic's type with the published fields,
 * and the copy must verify. The service itself restarts on the original directory (its own recovery), and the cycle
 * repeats: {@code -Dearshot.kills=N} cycles (default 2). A last run streams to the end and stops cleanly (SIGTERM);
 * then the journal must verify, be consistent with a checkpoint an auditor saved after the first kill, show one start
 * per run with each restart saying the previous run "ended without a stop entry", and end with a stop. The copy of
 * the first kill, checked against the final checkpoint, must fail: the rollback check can fail.
 *
 * <p>Prints lines starting with {@code kill-service:} (cycles, published, found, missing, verified) for
 * {@code bench/kill-service.sh}.
 */
class ServiceKillIT {
    static final int KILLS = Integer.getInteger("earshot.kills", 2);
    static final List<String> SENSORS = List.of("s1", "s2", "s3");
    static final String WATCHER = "watcher";
    /** Demo plays per sensor and cycle: far more audio than is streamed before the kill. */
    static final int LOOPS = 6;
    /**
     * Alerts and detections to receive in a cycle before the kill (at least one of them final): 2 to 5, varying by
     * cycle, so that kills land at different points of the events (between an alert and its detection, or not).
     */
    static int messagesBeforeKill(int cycle) {
        return 2 + cycle % 4;
    }
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long T0 = 1_795_900_000_000_000L;
    static final String KILLED = "ended without a stop entry (killed or crashed)";

    @TempDir
    Path dir;

    /** A message the subscriber received: its topic and payload. */
    record Received(String topic, JsonObject json) {
        String entryType() {
            return topic.startsWith("earshot/v1/alerts/") ? JournalSink.TYPE_ALERT
                    : topic.startsWith("earshot/v1/detections/") ? JournalSink.TYPE_DETECTION : null;
        }

        String key() {
            return entryType() + " " + json.get("id").getAsString();
        }
    }

    /** The journal as read in-process: data of alert and detection entries by "type id", all lines, checkpoints. */
    record Replayed(Map<String, JsonObject> byKey, List<JournalLine> lines, List<Checkpoint> checkpoints) {
        long count(String type) {
            return lines.stream().filter(l -> l.type().equals(type)).count();
        }
    }

    @Test
    void everyPublishedDetectionIsInTheJournalAfterEachKillMinus9AndTheJournalVerifies() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : Stream.concat(SENSORS.stream(), Stream.of(WATCHER)).toList()) {
            tokens.put(id, SensorRegistry.newToken());
        }
        // Checkpoints every half second and short segments: kills land between checkpoints and across segments.
        JsonObject extra = JsonParser.parseString("{\"journal\": {\"checkpoint_seconds\": 0.5, "
                + "\"segment_entries\": 5}}").getAsJsonObject();
        float[] demo = AudioLoader.load16k(LiveHarness.DEMO).samples();
        Vertx clients = Vertx.vertx();
        List<Received> published = Collections.synchronizedList(new ArrayList<>());
        List<Long> pids = new ArrayList<>();
        Checkpoint saved = null;
        try (ServiceProcess service = ServiceProcess.create(dir.resolve("service"), tokens, extra)) {
            PublicKeyHolder key = new PublicKeyHolder(service);
            String readerKey = org.earshot.config.ApiKeyRegistry.add(service.dataDir().resolve("api-keys.json"),
                    WATCHER, "operator");
            for (int cycle = 1; cycle <= KILLS; cycle++) {
                service.start();
                pids.add(service.pid());
                List<Received> received = Collections.synchronizedList(new ArrayList<>());
                MqttClient watcher = subscribe(clients, service, readerKey, received);
                long t0 = T0 + cycle * 3_600_000_000L;
                AtomicInteger acked = new AtomicInteger();
                List<Future<Void>> streams = new ArrayList<>();
                for (int s = 0; s < SENSORS.size(); s++) {
                    streams.add(stream(clients, service, SENSORS.get(s), frames(demo, LOOPS, t0), acked));
                }
                int before = messagesBeforeKill(cycle);
                Await.until(() -> finals(received) >= 1 && received.size() >= before, WAIT,
                        () -> before + " alerts and detections, one of them final, on MQTT; got " + received);
                List<String> finished = new ArrayList<>();
                for (int s = 0; s < streams.size(); s++) {
                    if (streams.get(s).isComplete()) {
                        finished.add(SENSORS.get(s) + " " + (streams.get(s).failed()
                                ? streams.get(s).cause().toString() : "succeeded"));
                    }
                }
                assertTrue(finished.isEmpty(), "the kill must come mid-stream, but streams ended: " + finished);
                int exit = service.kill();
                assertEquals(ServiceProcess.EXIT_SIGKILL, exit, "destroyForcibly() must be a SIGKILL");
                // The sensors see their connections drop; wait for that so nothing from this run is still moving.
                LiveHarness.await(Future.join(streams).otherwiseEmpty());
                assertTrue(streams.stream().allMatch(Future::failed), "every stream was cut by the kill");
                watcher.disconnect();
                List<Received> snapshotOfReceived;
                synchronized (received) {
                    snapshotOfReceived = List.copyOf(received);
                }
                published.addAll(snapshotOfReceived);

                Path copy = dir.resolve("journal-copy-" + cycle);
                copyDirectory(service.journalDir(), copy);
                Replayed journal = replay(copy, service.journalKeyFile());
                int found = assertAllInJournal(snapshotOfReceived, journal, "after kill " + cycle);
                JournalVerifier.Report report = JournalVerifier.verify(copy, null, key.get(), null);
                assertTrue(report.ok(), "journal after kill " + cycle + ": " + report.failure() + " at entry "
                        + report.failedSeq());
                if (cycle == 1) {
                    // An auditor saves the newest checkpoint the service itself signed (not one signed by our
                    // in-process open of the copy); the copy, which verified, is the "old state" a rollback would
                    // restore.
                    assertFalse(journal.checkpoints().isEmpty(), "the service signed no checkpoint in cycle 1");
                    Checkpoint latest = journal.checkpoints().get(journal.checkpoints().size() - 1);
                    Path savedFile = dir.resolve("saved-checkpoint.json");
                    Files.writeString(savedFile, latest.toJson().toString());
                    saved = Checkpoint.parse(Files.readString(savedFile));
                    assertTornTailIsRecovered(service, journal);
                }
                System.out.printf("kill-service: cycle %d: pid %d killed (exit %d) after %d frames acknowledged"
                                + " (%.1f s of audio); published %d alerts + %d detections, found in journal %d,"
                                + " missing 0; journal %d entries (%d recovery), %d checkpoints, verified %s%n",
                        cycle, pids.get(cycle - 1), exit, acked.get(), acked.get() * 0.1,
                        snapshotOfReceived.size() - finals(snapshotOfReceived), finals(snapshotOfReceived), found,
                        report.entries(), journal.count(Journal.TYPE_RECOVERY), report.checkpoints(), report.ok());
            }

            // The last run streams one play per sensor to its end, then stops cleanly.
            service.start();
            pids.add(service.pid());
            List<Received> received = Collections.synchronizedList(new ArrayList<>());
            MqttClient watcher = subscribe(clients, service, readerKey, received);
            long t0 = T0 + (KILLS + 1) * 3_600_000_000L;
            AtomicInteger acked = new AtomicInteger();
            List<Future<Void>> streams = new ArrayList<>();
            for (String sensor : SENSORS) {
                streams.add(stream(clients, service, sensor, frames(demo, 1, t0), acked));
            }
            LiveHarness.await(Future.all(streams));
            int expectedFinals = SENSORS.size() * LiveHarness.detectCommandOutput().size();
            Await.until(() -> finals(received) >= expectedFinals, WAIT,
                    () -> expectedFinals + " final detections of the last run; got " + received);
            assertEquals(ServiceProcess.EXIT_SIGTERM, service.stop(), "a clean stop exits on SIGTERM");
            watcher.disconnect();
            synchronized (received) {
                published.addAll(received);
            }

            Replayed journal = replay(service.journalDir(), service.journalKeyFile());
            int found = assertAllInJournal(published, journal, "at the end");
            JournalVerifier.Report report = JournalVerifier.verify(service.journalDir(), null, key.get(), null);
            assertTrue(report.ok(), "final journal: " + report.failure() + " at entry " + report.failedSeq());
            assertNotNull(saved);
            JournalVerifier.Report consistent = JournalVerifier.verify(service.journalDir(), null, key.get(), saved);
            assertTrue(consistent.ok(), "final journal vs the checkpoint saved after kill 1 (size "
                    + saved.treeSize() + "): " + consistent.failure());
            assertTrue(report.entries() > saved.treeSize());

            List<JournalLine> starts = journal.lines().stream()
                    .filter(l -> l.type().equals(ServiceJournal.TYPE_START)).toList();
            assertEquals(KILLS + 1, starts.size(), "one start entry per run");
            for (int run = 0; run < starts.size(); run++) {
                JsonObject data = starts.get(run).dataJson();
                assertEquals(run == 0 ? "none" : KILLED, data.get("previous_run").getAsString(),
                        "start entry of run " + (run + 1) + ": " + data);
                assertEquals((long) pids.get(run), data.get("pid").getAsLong(),
                        "start entry of run " + (run + 1) + " written by that run's process");
            }
            List<JournalLine> lines = journal.lines();
            JournalLine lastStart = starts.get(starts.size() - 1);
            assertEquals(1, lines.stream().filter(l -> l.type().equals(ServiceJournal.TYPE_STOP)).count(),
                    "only the clean stop wrote a stop entry");
            assertTrue(lines.stream().anyMatch(l -> l.type().equals(ServiceJournal.TYPE_STOP)
                    && l.seq() > lastStart.seq()), "the last run journaled its stop");

            // The rollback check can fail: the copy of kill 1, which verified on its own, does not extend the final
            // checkpoint.
            JournalVerifier.Report rolledBack = JournalVerifier.verify(dir.resolve("journal-copy-1"), null, key.get(),
                    report.latest());
            assertFalse(rolledBack.ok(), "a journal rolled back to its state after kill 1 must not verify against"
                    + " the final checkpoint (size " + report.latest().treeSize() + ")");

            System.out.printf("kill-service: summary: cycles %d (kill -9), alerts and detections published %d"
                            + " (alerts %d, final detections %d), found in journal %d, missing %d; journal %d entries,"
                            + " %d checkpoints, verified %s, consistent with the checkpoint saved after kill 1"
                            + " (size %d) %s, rollback to that state detected %s; %d starts, %d said \"%s\"%n",
                    KILLS, published.size(), published.size() - finals(published), finals(published), found,
                    published.size() - found, report.entries(), report.checkpoints(), report.ok(), saved.treeSize(),
                    consistent.ok(), !rolledBack.ok(), starts.size(),
                    starts.stream().filter(s -> KILLED.equals(s.dataJson().get("previous_run").getAsString()))
                            .count(), KILLED);
        } finally {
            clients.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** The public key, read once the service has created the key pair on its first start. */
    private static final class PublicKeyHolder {
        private final ServiceProcess service;
        private java.security.PublicKey key;

        PublicKeyHolder(ServiceProcess service) {
            this.service = service;
        }

        java.security.PublicKey get() throws java.io.IOException {
            if (key == null) {
                key = JournalKeys.readPublic(JournalKeys.publicKeyFile(service.journalKeyFile()));
            }
            return key;
        }
    }

    /** The demo played {@code loops} times as one stream of 100 ms PCM16 frames, ending the stream at the end. */
    static List<byte[]> frames(float[] demo, int loops, long t0) {
        float[] all = new float[demo.length * loops];
        for (int i = 0; i < loops; i++) {
            System.arraycopy(demo, 0, all, i * demo.length, demo.length);
        }
        return LiveHarness.frames(all, t0);
    }

    static Future<Void> stream(Vertx vertx, ServiceProcess service, String sensor, List<byte[]> frames,
                               AtomicInteger acked) {
        return LiveHarness.stream(new MqttSensorClient(vertx, ServiceProcess.HOST, service.mqttPort(), sensor,
                service.token(sensor), 100, null), frames, acked);
    }

    /** A reader (an operator's API key) collecting every alert and detection the service publishes. */
    static MqttClient subscribe(Vertx vertx, ServiceProcess service, String readerKey, List<Received> into)
            throws Exception {
        MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("watcher-" + System.nanoTime())
                .setUsername(WATCHER).setPassword(readerKey).setMaxMessageSize(65536));
        client.publishHandler(m -> into.add(new Received(m.topicName(),
                JsonParser.parseString(m.payload().toString(StandardCharsets.UTF_8)).getAsJsonObject())));
        LiveHarness.await(client.connect(service.mqttPort(), ServiceProcess.HOST));
        LiveHarness.await(client.subscribe(Map.of("earshot/v1/alerts/+/+", MqttQoS.AT_LEAST_ONCE.value(),
                "earshot/v1/detections/+/+", MqttQoS.AT_LEAST_ONCE.value())));
        return client;
    }

    static int finals(List<Received> received) {
        synchronized (received) {
            return (int) received.stream().filter(r -> JournalSink.TYPE_DETECTION.equals(r.entryType())).count();
        }
    }

    /**
     * Opens the journal in {@code dir} in-process with the service's key (recovering a torn tail, appending its
     * recovery entry), collecting every entry through the replay consumer; closes it again.
     */
    static Replayed replay(Path dir, Path keyFile) throws Exception {
        JournalKeys keys = JournalKeys.loadOrCreate(keyFile);
        List<JournalLine> lines = new ArrayList<>();
        Journal journal = Journal.open(dir, Journal.Options.defaults(), keys, OutputJson::nowMicros, lines::add);
        List<Checkpoint> checkpoints;
        try {
            checkpoints = journal.checkpoints();
            // A recovery entry appended by the open comes after the replay; read it back too.
            lines.addAll(journal.read(lines.size(), Integer.MAX_VALUE));
        } finally {
            journal.close();
        }
        Map<String, JsonObject> byKey = new LinkedHashMap<>();
        for (JournalLine l : lines) {
            if (!l.redacted() && (l.type().equals(JournalSink.TYPE_ALERT)
                    || l.type().equals(JournalSink.TYPE_DETECTION))) {
                byKey.put(l.type() + " " + l.dataJson().get("id").getAsString(), l.dataJson());
            }
        }
        return new Replayed(byKey, lines, checkpoints);
    }

    /** Every received message is an entry of its topic's type with the same id and every published field equal. */
    static int assertAllInJournal(List<Received> received, Replayed journal, String when) {
        List<String> missing = new ArrayList<>();
        int found = 0;
        for (Received r : received) {
            assertNotNull(r.entryType(), "unexpected topic " + r.topic());
            JsonObject entry = journal.byKey().get(r.key());
            if (entry == null) {
                missing.add(r.topic() + " " + r.json());
                continue;
            }
            found++;
            for (Map.Entry<String, JsonElement> field : r.json().entrySet()) {
                assertEquals(field.getValue(), entry.get(field.getKey()), when + ": field " + field.getKey() + " of "
                        + r.key() + " differs between MQTT and the journal: " + r.json() + " vs " + entry);
            }
        }
        assertTrue(missing.isEmpty(), when + ": " + missing.size() + " of " + received.size()
                + " published messages are not in the journal: " + missing);
        return found;
    }

    /**
     * A kill cannot tear a line (each entry is one write), a power cut can: on another copy of the journal the last
     * line is cut in half, as a crash during its write would leave it, and the checkpoints that would cover it are
     * dropped (a checkpoint only ever covers durable entries). Opening it must cut the torn line off, journal a
     * recovery entry that says how many bytes, keep every earlier entry as it was, and verify.
     */
    static void assertTornTailIsRecovered(ServiceProcess service, Replayed intact) throws Exception {
        Path torn = service.workDir().resolveSibling("journal-torn-1");
        copyDirectory(service.journalDir(), torn);
        List<Path> segments;
        try (Stream<Path> files = Files.list(torn)) {
            segments = files.filter(f -> f.getFileName().toString().matches("segment-.*\\.jsonl")).sorted().toList();
        }
        long lines = 0;
        for (Path segment : segments) {
            for (byte b : Files.readAllBytes(segment)) {
                lines += b == '\n' ? 1 : 0;
            }
        }
        // A kill just after a segment was created and before its first entry leaves it empty (the copy of that state
        // verified above): the torn line goes into the last segment that holds entries, the empty one is dropped.
        while (segments.size() > 1 && Files.size(segments.get(segments.size() - 1)) == 0) {
            Files.delete(segments.get(segments.size() - 1));
            segments = segments.subList(0, segments.size() - 1);
        }
        Path last = segments.get(segments.size() - 1);
        byte[] bytes = Files.readAllBytes(last);
        assertTrue(bytes.length > 0 && bytes[bytes.length - 1] == '\n', last + " does not end with a whole line");
        int lineStart = bytes.length - 1;
        while (lineStart > 0 && bytes[lineStart - 1] != '\n') {
            lineStart--;
        }
        int cut = lineStart + (bytes.length - lineStart) / 2;
        Files.write(last, java.util.Arrays.copyOf(bytes, cut));
        long kept = lines - 1;
        Path checkpoints = torn.resolve(Journal.CHECKPOINTS_FILE);
        List<String> signed = new ArrayList<>();
        for (String line : Files.readAllLines(checkpoints)) {
            if (Checkpoint.parse(line).treeSize() <= kept) {
                signed.add(line);
            }
        }
        Files.write(checkpoints, signed);

        Replayed recovered = replay(torn, service.journalKeyFile());
        assertEquals(kept + 1, recovered.lines().size(), "all but the torn entry, plus the recovery entry");
        for (int i = 0; i < kept; i++) {
            assertTrue(java.util.Arrays.equals(intact.lines().get(i).leafHash(), recovered.lines().get(i).leafHash()),
                    "entry " + i + " changed by the recovery");
        }
        JournalLine recovery = recovered.lines().get((int) kept);
        assertEquals(Journal.TYPE_RECOVERY, recovery.type());
        assertEquals(cut - lineStart, recovery.dataJson().get("truncated_bytes").getAsLong(), recovery.dataJson()
                .toString());
        JournalVerifier.Report report = JournalVerifier.verify(torn, null,
                JournalKeys.readPublic(JournalKeys.publicKeyFile(service.journalKeyFile())), null);
        assertTrue(report.ok(), "journal with a recovered torn tail: " + report.failure());
        System.out.printf("kill-service: torn tail (simulated on a copy after kill 1): %d of %d bytes of entry %d cut"
                + " off, recovery entry journaled, verified %s%n", cut - lineStart, bytes.length - lineStart, kept,
                report.ok());
    }

    static void copyDirectory(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().equals(Journal.LOCK_FILE)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }
}
