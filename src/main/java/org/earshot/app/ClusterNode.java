package org.earshot.app;

import java.io.IOException;

import org.earshot.cluster.ClusterSink;
import org.earshot.cluster.JournaledEntry;
import org.earshot.cluster.JournaledFeed;
import org.earshot.cluster.LeaseBoard;
import org.earshot.cluster.KafkaSettings;
import org.earshot.config.ServeConfig;
import org.earshot.ingest.MqttHub;
import org.earshot.ingest.Topics;
import org.earshot.pipeline.Metrics;

/**
 * A node's side of cluster mode, kept out of {@link Service} so that a single node never touches a Kafka class: the
 * records topic made sure of, and the sink that sends detections and alerts to it with the journal entry the node's
 * own journal sink would have written, and its figures in {@code /metrics}; and the sensor lease of the embedded
 * MQTT endpoint.
 */
final class ClusterNode {
    private ClusterNode() {
    }

    /**
     * The sensor lease: a sensor connection accepted here (MQTT or WebSocket) is to be claimed with {@link
     * LeaseBoard#claim}, and a newer claim from another node calls {@code lost} with the sensor, to close this node's
     * connections of it. Returns once it reads the lease topic.
     */
    static LeaseBoard leases(ServeConfig config, java.util.function.Consumer<String> lost)
            throws IOException, InterruptedException {
        KafkaSettings settings = new KafkaSettings(config.cluster());
        LeaseBoard board = new LeaseBoard(settings, lost);
        if (!board.awaitReady(java.time.Duration.ofSeconds(60))) {
            board.close();
            throw new IOException("cluster: the lease topic " + settings.leaseTopic() + " could not be read within"
                    + " 60 s at " + config.cluster().bootstrapServers());
        }
        return board;
    }

    /**
     * Journaled, then published: the node reads what the cluster's journal writer announces from now on and hands
     * each detection and alert to {@code publish} (topic, payload: the topics and payload of a single node, with
     * {@code journal_seq} added) and each signed checkpoint to {@code checkpoint} (tree size, JSON). Returns once it
     * reads the topic.
     */
    static JournaledFeed journaled(ServeConfig config, java.util.function.BiConsumer<String, String> publish,
                                   CheckpointOutput checkpoint) throws IOException, InterruptedException {
        KafkaSettings settings = new KafkaSettings(config.cluster());
        JournaledFeed feed = new JournaledFeed(settings, entry -> {
            if (entry.kind().equals(JournaledEntry.CHECKPOINT)) {
                checkpoint.checkpoint(entry.seq(), entry.payload().toString());
                return;
            }
            if (org.earshot.detect.Labels.indexOf(entry.label()) < 0
                    || !org.earshot.config.SensorRecord.ID_PATTERN.matcher(entry.sensor()).matches()) {
                throw new IllegalArgumentException("not a sensor and class to publish: "
                        + org.earshot.ingest.LogSafe.quote(entry.sensor()) + ", "
                        + org.earshot.ingest.LogSafe.quote(entry.label()));
            }
            publish.accept(entry.kind().equals(JournaledEntry.DETECTION)
                    ? Topics.detection(entry.sensor(), entry.label())
                    : Topics.alert(entry.sensor(), entry.label()), entry.payload().toString());
        });
        if (!feed.awaitReady(java.time.Duration.ofSeconds(60))) {
            feed.close();
            throw new IOException("cluster: the journaled topic " + settings.journaledTopic() + " could not be read"
                    + " within 60 s at " + config.cluster().bootstrapServers());
        }
        return feed;
    }

    /** Where a node hands the cluster journal's signed checkpoints (the MQTT endpoint or the broker publisher). */
    @FunctionalInterface
    interface CheckpointOutput {
        void checkpoint(long treeSize, String json);
    }

    static ClusterSink sink(ServeConfig config, JournalSink journalSink, Metrics metrics) throws IOException {
        KafkaSettings settings = new KafkaSettings(config.cluster());
        settings.ensureTopic();
        ClusterSink sink = new ClusterSink(settings, journalSink::entry);
        metrics.gauge("earshot_cluster_detections_acknowledged_total", sink::detectionsAcknowledged);
        metrics.gauge("earshot_cluster_alerts_acknowledged_total", sink::alertsAcknowledged);
        metrics.gauge("earshot_cluster_records_failed_total", sink::failed);
        metrics.gauge("earshot_cluster_records_pending", sink::pending);
        return sink;
    }
}
