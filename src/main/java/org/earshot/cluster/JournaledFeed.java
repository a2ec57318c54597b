package org.earshot.cluster;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's reader of {@code <prefix>journaled}: from the topic's end at start (what was journaled before the node
 * started is not published again by it), every entry the journal writer announces is handed to {@code publish} (the
 * node's MQTT outputs), on this reader's thread. An entry that is not a valid {@link JournaledEntry} is logged,
 * counted and skipped. No group and nothing committed: every node reads every entry.
 */
public final class JournaledFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledFeed.class);

    private final KafkaSettings settings;
    private final Consumer<JournaledEntry> publish;
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final LongAdder received = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Thread reader;

    public JournaledFeed(KafkaSettings settings, Consumer<JournaledEntry> publish) {
        this.settings = settings;
        this.publish = publish;
        this.reader = new Thread(this::read, "journaled-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until the reader is positioned at the topic's end (entries announced after this are published). */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long received() {
        return received.sum();
    }

    public long refused() {
        return refused.sum();
    }

    private void read() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(settings.feedConsumer(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            settings.assignAtEnd(c, settings.journaledTopic());
            positioned.countDown();
            while (running) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    JournaledEntry entry;
                    try {
                        entry = JournaledEntry.parse(r.value());
                    } catch (BadRecordException e) {
                        refused.increment();
                        LOG.warn("cluster: journaled entry {}-{}@{} refused, not published: {}", r.topic(),
                                r.partition(), r.offset(), e.getMessage());
                        continue;
                    }
                    received.increment();
                    try {
                        publish.accept(entry);
                    } catch (RuntimeException e) {
                        LOG.error("cluster: publishing {} at journal seq {}: {}", entry.kind(), entry.seq(),
                                e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException e) {
            LOG.error("cluster: journaled-entries reader stopped: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            reader.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
