package org.earshot.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.earshot.config.ServeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns the {@code cluster} configuration into Kafka client settings: the records topic, the
 * journaled topic (what the writer journaled, for the nodes to publish) and the compacted lease topic (created
 * when missing with the configured partitions, replication factor and {@code min.insync.replicas}), the nodes'
 * producer (idempotent, {@code acks=all}: a record is acknowledged only once {@code min.insync.replicas} brokers
 * have it) and the journal writer's consumer (no automatic commits: the writer commits what it journaled).
 */
public final class KafkaSettings {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSettings.class);
    /** How long creating or describing the topic may take at start-up. */
    static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    /** The longest a send may block a pipeline worker; it then fails and is counted. */
    static final int MAX_BLOCK_MILLIS = 5000;
    /** How long a consumer waits for a topic's partitions to be known. */
    static final Duration TOPIC_WAIT = Duration.ofSeconds(60);

    private final ServeConfig.Cluster cluster;

    public KafkaSettings(ServeConfig.Cluster cluster) {
        if (!cluster.enabled()) {
            throw new IllegalArgumentException("cluster mode is off (cluster.bootstrap_servers is null)");
        }
        this.cluster = cluster;
    }

    public ServeConfig.Cluster cluster() {
        return cluster;
    }

    public String topic() {
        return cluster.recordsTopic();
    }

    /** The compacted topic of sensor leases: the newest claim per sensor. */
    public String leaseTopic() {
        return cluster.topicPrefix() + "leases";
    }

    /**
     * The topic on which the journal writer announces what it journaled (detections, alerts, signed checkpoints),
     * for every node to publish on MQTT: key the sensor, created like the records topic.
     */
    public String journaledTopic() {
        return cluster.topicPrefix() + "journaled";
    }

    /**
     * The partitions of {@code topic}, waiting (up to {@link #TOPIC_WAIT}) while the consumer's metadata does not
     * know the topic yet (just created, or created by another process a moment later).
     */
    List<TopicPartition> partitions(org.apache.kafka.clients.consumer.Consumer<?, ?> c, String topic) {
        long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
        while (true) {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> out = new java.util.ArrayList<>();
                for (PartitionInfo p : infos) {
                    out.add(new TopicPartition(p.topic(), p.partition()));
                }
                return out;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("topic " + topic + " not found at " + cluster.bootstrapServers()
                        + " within " + TOPIC_WAIT.toSeconds() + " s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /**
     * Assigns every partition of {@code topic} to {@code c} (waiting for them as {@link #partitions} does) and
     * positions it at their end: a reader of what is written from now on (the lease and journaled-entry readers).
     */
    void assignAtEnd(org.apache.kafka.clients.consumer.Consumer<?, ?> c, String topic) {
        List<TopicPartition> partitions = partitions(c, topic);
        c.assign(partitions);
        c.seekToEnd(partitions);
        partitions.forEach(c::position);
    }

    Map<String, Object> producer() {
        Map<String, Object> p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "earshot-" + cluster.nodeId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        int delivery = cluster.deliveryTimeoutSeconds() * 1000;
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, Math.min(30_000, delivery - 5)));
        // send() blocks the pipeline's worker while Kafka's metadata is missing or the buffer is full: briefly.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(MAX_BLOCK_MILLIS, delivery));
        return p;
    }

    Map<String, Object> consumer(String clientId) {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, cluster.writerGroup());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return p;
    }

    /** Every node reads every claim: no group, nothing committed. */
    Map<String, Object> leaseConsumer() {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "earshot-leases-" + cluster.nodeId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return p;
    }

    /** Every node reads every journaled entry from its start: no group, nothing committed. */
    Map<String, Object> feedConsumer() {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "earshot-journaled-" + cluster.nodeId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    Map<String, Object> admin() {
        Map<String, Object> p = common();
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        return p;
    }

    private Map<String, Object> common() {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        return p;
    }

    /**
     * Creates the records, journaled and lease topics unless they exist (another node or writer may create one at
     * the same moment: that is fine); an existing topic is left as it is.
     *
     * @throws java.io.IOException when Kafka cannot be reached or refuses the topic, naming the cause
     */
    public void ensureTopic() throws java.io.IOException {
        try (Admin admin = Admin.create(admin())) {
            Map<String, String> configs = Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                    String.valueOf(cluster.minInsyncReplicas()), TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG,
                    "false");
            Map<String, String> compacted = new HashMap<>(configs);
            compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            for (NewTopic topic : List.of(
                    new NewTopic(topic(), cluster.partitions(), (short) cluster.replicationFactor()).configs(configs),
                    new NewTopic(journaledTopic(), cluster.partitions(), (short) cluster.replicationFactor())
                            .configs(configs),
                    new NewTopic(leaseTopic(), cluster.partitions(), (short) cluster.replicationFactor())
                            .configs(compacted))) {
                try {
                    admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("cluster: created topic {} ({} partitions, replication factor {}, {})", topic.name(),
                            cluster.partitions(), cluster.replicationFactor(), topic.configs());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new java.io.IOException("cluster: cannot create topic " + topic.name() + " at "
                                + cluster.bootstrapServers() + ": " + Optional.ofNullable(e.getCause()).orElse(e), e);
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new java.io.IOException("cluster: Kafka at " + cluster.bootstrapServers() + " did not answer within "
                    + ADMIN_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted", e);
        }
    }
}
