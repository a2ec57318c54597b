package org.earshot.cluster;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.google.gson.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.earshot.pipeline.DetectionOutputs;
import org.earshot.pipeline.DetectionSink;
import org.earshot.pipeline.SensorDetection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node's detection sink, in place of the journal: each alert and final detection goes to the records topic
 * as a {@link ClusterRecord} keyed by its sensor, with the journal entry a single node would have written. A record
 * counts as made only once Kafka acknowledged it ({@code acks=all}, so {@code min.insync.replicas} brokers have it);
 * then, and only then, it reaches this node's outputs (the log). One that is not acknowledged within
 * {@code cluster.delivery_timeout_seconds} is counted as failed and logged (without audio, which it never holds).
 * The producer is idempotent: its retries never write a record twice, and a sensor's records stay in order.
 * Sends never block the pipeline's worker beyond the producer's buffer.
 */
public final class ClusterSink implements DetectionSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSink.class);
    static final String TYPE_DETECTION = "detection";
    static final String TYPE_ALERT = "alert";

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final String node;
    private final Function<SensorDetection, JsonObject> entry;
    private final DetectionOutputs outputs = new DetectionOutputs();
    private final LongAdder detectionsAcknowledged = new LongAdder();
    private final LongAdder alertsAcknowledged = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder pending = new LongAdder();
    /** System.nanoTime() of the last record that failed; meaningful once {@link #failed()} is non-zero. */
    private volatile long lastFailureNanos;
    /** How long after a failed record {@link #healthy()} stays false. */
    static final java.time.Duration HEALTH_WINDOW = java.time.Duration.ofSeconds(60);

    /**
     * @param entry the journal entry data of a detection (the same function the single node's journal sink uses)
     */
    public ClusterSink(KafkaSettings settings, Function<SensorDetection, JsonObject> entry) {
        this(new KafkaProducer<>(settings.producer(), new StringSerializer(), new ByteArraySerializer()),
                settings.topic(), settings.cluster().nodeId(), entry);
    }

    ClusterSink(Producer<String, byte[]> producer, String topic, String node,
                Function<SensorDetection, JsonObject> entry) {
        this.producer = producer;
        this.topic = topic;
        this.node = node;
        this.entry = entry;
    }

    /** An output that receives each detection once Kafka acknowledged it (on the producer's thread: be quick). */
    public void addOutput(DetectionSink output) {
        outputs.add(output);
    }

    public long detectionsAcknowledged() {
        return detectionsAcknowledged.sum();
    }

    public long alertsAcknowledged() {
        return alertsAcknowledged.sum();
    }

    public long failed() {
        return failed.sum();
    }

    /** False while a record failed within the last {@link #HEALTH_WINDOW} (for /health: Kafka does not take them). */
    public boolean healthy() {
        return failed.sum() == 0 || System.nanoTime() - lastFailureNanos > HEALTH_WINDOW.toNanos();
    }

    /** Records sent and neither acknowledged nor failed yet. */
    public long pending() {
        return pending.sum();
    }

    /** The record a detection becomes. */
    ClusterRecord record(SensorDetection d) {
        String type = d.stage() == SensorDetection.Stage.FINAL ? TYPE_DETECTION : TYPE_ALERT;
        return new ClusterRecord(ClusterRecord.recordId(type, d.id()), node, type, d.sensor().id(), entry.apply(d));
    }

    @Override
    public void accept(SensorDetection d) {
        ClusterRecord record = record(d);
        pending.increment();
        try {
            producer.send(new ProducerRecord<>(topic, record.sensor(), record.toBytes()), (metadata, error) -> {
                pending.decrement();
                if (error != null) {
                    lastFailureNanos = System.nanoTime();
                    failed.increment();
                    LOG.error("cluster: {} {} not acknowledged by Kafka, so not made: {}", record.type(),
                            record.recordId(), error.toString());
                    return;
                }
                (record.type().equals(TYPE_DETECTION) ? detectionsAcknowledged : alertsAcknowledged).increment();
                outputs.accept(d);
            });
        } catch (RuntimeException e) {
            // send() throws when the producer is closed or its buffer stays full for max.block.ms.
            pending.decrement();
            lastFailureNanos = System.nanoTime();
            failed.increment();
            LOG.error("cluster: cannot send {} {}: {}", record.type(), record.recordId(), e.toString());
        }
    }

    /** Waits for every record sent to be acknowledged or to fail (at most the delivery timeout), then closes. */
    @Override
    public void close() {
        try {
            producer.flush();
        } catch (RuntimeException e) {
            LOG.warn("cluster: flushing records: {}", e.toString());
        }
        producer.close(Duration.ofSeconds(30));
    }
}
