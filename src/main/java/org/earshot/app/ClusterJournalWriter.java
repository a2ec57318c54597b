package org.earshot.app;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.vertx.core.Vertx;
import org.earshot.api.ApiVerticle;
import org.earshot.cluster.ClusterRecord;
import org.earshot.cluster.JournalWriter;
import org.earshot.cluster.JournaledEntry;
import org.earshot.cluster.JournaledPublisher;
import org.earshot.cluster.KafkaSettings;
import org.earshot.cluster.WriterPositions;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.DetectorConfig;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalLine;
import org.earshot.journal.JournalLockedException;
import org.earshot.pipeline.Metrics;
import org.earshot.store.InfluxWriter;
import org.earshot.store.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code earshot journal-writer}: the cluster's one journal. Opens the journal of the configuration exactly as
 * {@code serve} does (the same directory layout, configuration, start and stop entries, signed checkpoints and
 * retention, so {@code earshot verify} and the query API read it unchanged), replaying it into the writer's
 * {@link WriterPositions}, then journals the records that the nodes send through Kafka, and only then hands the
 * detections to InfluxDB when {@code influx.url} is set, and announces each journaled detection, alert and signed
 * checkpoint on {@code <prefix>journaled} for every node to publish on MQTT ({@link JournaledPublisher}: at least
 * once; entries journaled after the last one known announced are announced again at start). It serves the query
 * API, /health and /metrics over its journal as {@code serve} does ({@link QueryWiring}); a standby answers /health
 * with 503 ({@code journal_held} failing) until it holds the journal. The journal's lock decides
 * which writer is active: a standby started beside it (same journal directory, on the same machine or a shared
 * volume) waits until the lock is free, that is until the active writer stopped or died, and takes over from what
 * the journal holds.
 */
public final class ClusterJournalWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJournalWriter.class);
    /** How often a standby tries the journal's lock. */
    static final Duration STANDBY_RETRY = Duration.ofMillis(500);
    /** Where the first journal seq not known to be announced on the journaled topic is kept, beside the journal. */
    static final String ANNOUNCED_POSITION_FILE = "journaled-position";
    private static final int REPRODUCE_CHUNK = 2048;

    private final Vertx vertx;
    private final ServiceJournal journal;
    private final JournalWriter writer;
    private final JournaledPublisher publisher;
    private final InfluxWriter influx;
    private final Metrics metrics;
    private final QueryWiring query;
    private final ApiVerticle api;

    private ClusterJournalWriter(Vertx vertx, ServiceJournal journal, JournalWriter writer,
                                 JournaledPublisher publisher, InfluxWriter influx, Metrics metrics,
                                 QueryWiring query, ApiVerticle api) {
        this.vertx = vertx;
        this.journal = journal;
        this.writer = writer;
        this.publisher = publisher;
        this.influx = influx;
        this.metrics = metrics;
        this.query = query;
        this.api = api;
    }

    /** The journal's figures for InfluxDB's service status. */
    private static ServiceStatus status(ServiceJournal sj, String modelName, QueryWiring query) {
        org.earshot.journal.Checkpoint c = sj.journal.latestCheckpoint();
        return new ServiceStatus(modelName, sj.journal.durableSize(), sj.journal.healthy(),
                c == null ? 0 : c.treeSize(), c == null ? 0 : c.timeMicros(), query.requests(), query.refused());
    }

    /** The InfluxDB writer publishing the journaled detections; null without {@code influx.url}. */
    public InfluxWriter influx() {
        return influx;
    }

    /**
     * Serves /health (503 while standing by), waits (while {@code keepWaiting} says so) to hold the journal, opens
     * it, makes sure the topics exist, announces what was journaled but not known announced, serves the query API
     * over the journal, and starts journaling. Returns null when it stopped waiting before it held the journal.
     */
    public static ClusterJournalWriter start(ServeConfig config, SensorRegistry registry, String modelName,
                                             DetectorConfig detector, BooleanSupplier keepWaiting)
            throws Exception {
        KafkaSettings settings = new KafkaSettings(config.cluster());
        Metrics metrics = new Metrics();
        WriterPositions positions = new WriterPositions(settings.topic());
        Vertx vertx = Vertx.vertx();
        org.earshot.ingest.Tls tls = QueryWiring.tls(config);
        ServiceJournal journal = null;
        try {
            // A standby answers /health with 503 until it holds the journal (a balancer sends auditors elsewhere).
            String standby = deploy(vertx, QueryWiring.verticle(config, tls, metrics,
                    java.util.Map.of("role", "journal-writer standby", "model", modelName),
                    java.util.Map.of("journal_held", () -> false), null));
            boolean said = false;
            while (journal == null) {
                try {
                    journal = ServiceJournal.open(config, registry, modelName, detector, metrics, positions);
                } catch (JournalLockedException e) {
                    if (!said) {
                        LOG.info("cluster: standing by: {}; taking over when it is free", e.getMessage());
                        said = true;
                    }
                    if (!keepWaiting.getAsBoolean()) {
                        await(vertx.close());
                        return null;
                    }
                    Thread.sleep(STANDBY_RETRY.toMillis());
                }
            }
            await(vertx.undeploy(standby));
        } catch (Exception e) {
            if (journal != null) {
                journal.close();
            }
            await(vertx.close());
            throw e;
        }
        LOG.info("cluster: journal writer active on {}; the journal knows partitions {}", config.journalDir(),
                positions.positions());
        JournalWriter writer;
        InfluxWriter influx = null;
        JournaledPublisher publisher = null;
        QueryWiring query = new QueryWiring();
        ApiVerticle api;
        try {
            settings.ensureTopic();
            ServiceJournal sj = journal;
            if (config.influx().enabled()) {
                // Journaled, then published: InfluxDB reads the detections from this journal, as on a single node
                // (catching up after an outage from its saved position); sensor health and levels are the nodes'.
                influx = new InfluxWriter(Service.influxSettings(config),
                        new JournalDetectionSource(sj.journal, sj.index), java.util.List::of,
                        () -> status(sj, modelName, query));
                influx.start();
            }
            // Journaled, then announced for the nodes to publish on MQTT: first what an earlier writer journaled
            // but may not have announced (at least once), then every new entry and checkpoint.
            publisher = new JournaledPublisher(settings, config.journalDir().resolveSibling(ANNOUNCED_POSITION_FILE),
                    sj.journal.durableSize());
            JournaledPublisher announce = publisher;
            long again = reproduce(sj.journal, publisher);
            if (again > 0) {
                LOG.info("cluster: announced {} journaled entries again (journaled after the last one known"
                        + " announced)", again);
            }
            sj.journal.addCheckpointListener(c -> announce.publish(JournaledEntry.checkpoint(c.treeSize(),
                    c.toJson())));
            org.earshot.journal.Checkpoint signed = sj.journal.latestCheckpoint();
            if (signed != null) {
                announce.publish(JournaledEntry.checkpoint(signed.treeSize(), signed.toJson()));
            }
            InfluxWriter published = influx;
            writer = new JournalWriter(settings, positions, batch -> {
                // One fsync for the batch; then, each entry durable, it is announced and handed to InfluxDB.
                List<Journal.Appended> appended = sj.journal.appendAll(batch.stream()
                        .map(j -> new Journal.Entry(j.record().type(), j.entryData())).toList());
                for (int i = 0; i < batch.size(); i++) {
                    ClusterRecord record = batch.get(i).record();
                    JournaledEntry entry = JournaledEntry.of(record.type(), appended.get(i).seq(),
                            batch.get(i).entryData());
                    if (entry != null) {
                        announce.publish(entry);
                    }
                    if (published != null && record.type().equals(JournalSink.TYPE_DETECTION)) {
                        published.detectionsAppended();
                    }
                }
            });
            JournalWriter w = writer;
            java.util.Map<String, BooleanSupplier> checks = new java.util.LinkedHashMap<>();
            checks.put("journal_writable", sj.journal::healthy);
            checks.put("journal_checkpoints", sj.journal::checkpointsHealthy);
            checks.put("journal_writer", () -> w.failure() == null);
            java.util.Map<String, Object> info = new java.util.LinkedHashMap<>();
            info.put("model", modelName);
            info.put("role", "journal-writer");
            ApiKeysWatcher keys = new ApiKeysWatcher(config.apiKeysFile(), sj);
            api = QueryWiring.verticle(config, tls, metrics, info, checks,
                    query.queryApi(vertx, config, keys, sj, () -> registry, metrics, true));
            deploy(vertx, api);
        } catch (Exception e) {
            if (influx != null) {
                influx.close();
            }
            query.flushRefusals();
            journal.close();
            if (publisher != null) {
                publisher.close();
            }
            await(vertx.close());
            throw e;
        }
        JournalWriter w = writer;
        JournaledPublisher p = publisher;
        metrics.gauge("earshot_cluster_records_journaled_total", w::journaled);
        metrics.gauge("earshot_cluster_records_duplicate_total", w::duplicates);
        metrics.gauge("earshot_cluster_records_refused_total", w::refused);
        metrics.gauge("earshot_cluster_journaled_announced_total", p::produced);
        metrics.gauge("earshot_cluster_journaled_announce_failures_total", p::failed);
        if (influx != null) {
            InfluxWriter i = influx;
            metrics.gauge("earshot_influx_detections_written_total", i::detectionsWritten);
            metrics.gauge("earshot_influx_detection_lag_entries", i::detectionLag);
        }
        writer.start();
        return new ClusterJournalWriter(vertx, journal, writer, publisher, influx, metrics, query, api);
    }

    private static String deploy(Vertx vertx, io.vertx.core.Deployable verticle) throws Exception {
        return await(vertx.deployVerticle(verticle));
    }

    private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Announces the journal's detections and alerts from the first seq not known announced; returns how many. */
    static long reproduce(Journal journal, JournaledPublisher publisher) throws IOException {
        long seq = publisher.next();
        long end = journal.durableSize();
        long count = 0;
        while (seq < end) {
            java.util.List<JournalLine> lines = journal.read(seq, REPRODUCE_CHUNK);
            if (lines.isEmpty()) {
                break;
            }
            for (JournalLine line : lines) {
                seq = line.seq() + 1;
                if (line.redacted()) {
                    continue;
                }
                JournaledEntry entry = JournaledEntry.of(line.type(), line.seq(), line.dataJson());
                if (entry != null) {
                    publisher.publish(entry);
                    count++;
                }
            }
        }
        return count;
    }

    public JournalWriter writer() {
        return writer;
    }

    public JournaledPublisher publisher() {
        return publisher;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The query API's port. */
    public int httpPort() {
        return api.actualPort();
    }

    /**
     * Stops the API and reading, then InfluxDB's writer (after a last flush), then writes the stop entry and a last
     * checkpoint (announced), then waits for the announcements to be acknowledged.
     */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("stopping Vert.x: {}", e.toString());
        }
        writer.close();
        if (influx != null) {
            influx.close();
        }
        query.flushRefusals();
        journal.close();
        publisher.close();
    }
}
