package org.earshot.app;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.earshot.cluster.ClusterRecord;
import org.earshot.cluster.JournalWriter;
import org.earshot.cluster.KafkaSettings;
import org.earshot.cluster.WriterPositions;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.DetectorConfig;
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
 * detections to InfluxDB when {@code influx.url} is set. The journal's lock decides
 * which writer is active: a standby started beside it (same journal directory, on the same machine or a shared
 * volume) waits until the lock is free, that is until the active writer stopped or died, and takes over from what
 * the journal holds.
 */
public final class ClusterJournalWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJournalWriter.class);
    /** How often a standby tries the journal's lock. */
    static final Duration STANDBY_RETRY = Duration.ofMillis(500);

    private final ServiceJournal journal;
    private final JournalWriter writer;
    private final InfluxWriter influx;
    private final Metrics metrics;

    private ClusterJournalWriter(ServiceJournal journal, JournalWriter writer, InfluxWriter influx, Metrics metrics) {
        this.journal = journal;
        this.writer = writer;
        this.influx = influx;
        this.metrics = metrics;
    }

    /** The journal's figures for InfluxDB's service status (the writer serves no API requests). */
    private static ServiceStatus status(ServiceJournal sj, String modelName) {
        org.earshot.journal.Checkpoint c = sj.journal.latestCheckpoint();
        return new ServiceStatus(modelName, sj.journal.durableSize(), sj.journal.healthy(),
                c == null ? 0 : c.treeSize(), c == null ? 0 : c.timeMicros(), java.util.Map.of(), java.util.Map.of());
    }

    /** The InfluxDB writer publishing the journaled detections; null without {@code influx.url}. */
    public InfluxWriter influx() {
        return influx;
    }

    /**
     * Waits (while {@code keepWaiting} says so) to hold the journal, opens it, makes sure the records topic exists,
     * and starts journaling. Returns null when it stopped waiting before it held the journal.
     */
    public static ClusterJournalWriter start(ServeConfig config, SensorRegistry registry, String modelName,
                                             DetectorConfig detector, BooleanSupplier keepWaiting)
            throws IOException, InterruptedException {
        KafkaSettings settings = new KafkaSettings(config.cluster());
        Metrics metrics = new Metrics();
        WriterPositions positions = new WriterPositions(settings.topic());
        ServiceJournal journal = null;
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
                    return null;
                }
                Thread.sleep(STANDBY_RETRY.toMillis());
            }
        }
        LOG.info("cluster: journal writer active on {}; the journal knows partitions {}", config.journalDir(),
                positions.positions());
        JournalWriter writer;
        InfluxWriter influx = null;
        try {
            settings.ensureTopic();
            ServiceJournal sj = journal;
            if (config.influx().enabled()) {
                // Journaled, then published: InfluxDB reads the detections from this journal, as on a single node
                // (catching up after an outage from its saved position); sensor health and levels are the nodes'.
                influx = new InfluxWriter(Service.influxSettings(config),
                        new JournalDetectionSource(sj.journal, sj.index), java.util.List::of,
                        () -> status(sj, modelName));
                influx.start();
            }
            InfluxWriter published = influx;
            writer = new JournalWriter(settings, positions, (ClusterRecord record, com.google.gson.JsonObject data)
                    -> {
                sj.journal.append(record.type(), data);
                if (published != null && record.type().equals(JournalSink.TYPE_DETECTION)) {
                    published.detectionsAppended();
                }
            });
        } catch (IOException | RuntimeException e) {
            if (influx != null) {
                influx.close();
            }
            journal.close();
            throw e;
        }
        JournalWriter w = writer;
        metrics.gauge("earshot_cluster_records_journaled_total", w::journaled);
        metrics.gauge("earshot_cluster_records_duplicate_total", w::duplicates);
        metrics.gauge("earshot_cluster_records_refused_total", w::refused);
        if (influx != null) {
            InfluxWriter i = influx;
            metrics.gauge("earshot_influx_detections_written_total", i::detectionsWritten);
            metrics.gauge("earshot_influx_detection_lag_entries", i::detectionLag);
        }
        writer.start();
        return new ClusterJournalWriter(journal, writer, influx, metrics);
    }

    public JournalWriter writer() {
        return writer;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Stops reading, then InfluxDB's writer (after a last flush), then writes the stop entry and a last checkpoint. */
    @Override
    public void close() {
        writer.close();
        if (influx != null) {
            influx.close();
        }
        journal.close();
    }
}
