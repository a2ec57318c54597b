package org.earshot.app;

import java.io.IOException;

import org.earshot.cluster.ClusterSink;
import org.earshot.cluster.LeaseBoard;
import org.earshot.cluster.KafkaSettings;
import org.earshot.config.ServeConfig;
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
