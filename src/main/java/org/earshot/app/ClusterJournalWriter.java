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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code earshot journal-writer}: the cluster's one journal. Opens the journal of the configuration exactly as
 * {@code serve} does (the same directory layout, configuration, start and stop entries, signed checkpoints and
 * retention, so {@code earshot verify} and the query API read it unchanged), replaying it into the writer's
 * {@link WriterPositions}, then journals the records that the nodes send through Kafka. The journal's lock decides
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
    private final Metrics metrics;

    private ClusterJournalWriter(ServiceJournal journal, JournalWriter writer, Metrics metrics) {
        this.journal = journal;
        this.writer = writer;
        this.metrics = metrics;
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
        try {
            settings.ensureTopic();
            ServiceJournal sj = journal;
            writer = new JournalWriter(settings, positions, (ClusterRecord record, com.google.gson.JsonObject data)
                    -> sj.journal.append(record.type(), data));
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
        JournalWriter w = writer;
        metrics.gauge("earshot_cluster_records_journaled_total", w::journaled);
        metrics.gauge("earshot_cluster_records_duplicate_total", w::duplicates);
        metrics.gauge("earshot_cluster_records_refused_total", w::refused);
        writer.start();
        return new ClusterJournalWriter(journal, writer, metrics);
    }

    public JournalWriter writer() {
        return writer;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Stops reading, then writes the stop entry and signs a last checkpoint. */
    @Override
    public void close() {
        writer.close();
        journal.close();
    }
}
