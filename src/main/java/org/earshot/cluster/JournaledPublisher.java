package org.earshot.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.earshot.store.PositionFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal writer's side of "journaled, then published": each detection and alert it journaled, and each
 * checkpoint it signed, is produced to {@code <prefix>journaled} (key: the sensor) as a {@link JournaledEntry},
 * for every node to publish on MQTT. Publication is at least once: the first journal seq not known to be
 * acknowledged by Kafka ({@link PublishedPosition}) is saved in a position file beside the journal (each second and at
 * close), and a writer that starts produces the journal's detections and alerts from it on again, so an entry
 * journaled by a writer that died before Kafka acknowledged its announcement is still published; one announced
 * just before such a death may be published twice (readers dedupe by {@code id}). A send Kafka refuses is logged and
 * counted; the saved position stays before it until a writer restarts and produces it again.
 */
public final class JournaledPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledPublisher.class);
    static final Duration SAVE_EVERY = Duration.ofSeconds(1);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final PositionFile file;
    private final PublishedPosition position;
    private final LongAdder produced = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final ScheduledExecutorService saver = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "journaled-position");
        t.setDaemon(true);
        return t;
    });
    private volatile long saved;

    /**
     * Reads the saved position; without a file (a journal that never announced anything) it starts at
     * {@code journalSize}: only what is journaled from now on is announced.
     *
     * @throws IOException when the position file is corrupt or cannot be written
     */
    public JournaledPublisher(KafkaSettings settings, Path positionFile, long journalSize) throws IOException {
        this.file = new PositionFile(positionFile);
        long start = java.nio.file.Files.exists(file.path()) ? Math.min(file.read(), journalSize) : journalSize;
        this.position = new PublishedPosition(start);
        file.write(start);
        this.saved = start;
        this.topic = settings.journaledTopic();
        this.producer = new KafkaProducer<>(settings.producer(), new StringSerializer(), new ByteArraySerializer());
        long every = SAVE_EVERY.toMillis();
        saver.scheduleWithFixedDelay(this::save, every, every, TimeUnit.MILLISECONDS);
    }

    /** The first journal seq not known to be announced: a writer starting produces the journal from here on. */
    public long next() {
        return position.next();
    }

    public long produced() {
        return produced.sum();
    }

    public long failed() {
        return failed.sum();
    }

    /** Announces a journaled detection, alert or checkpoint (returns at once; the producer sends it). */
    public void publish(JournaledEntry entry) {
        boolean tracked = !entry.kind().equals(JournaledEntry.CHECKPOINT);
        if (tracked) {
            position.sent(entry.seq());
        }
        try {
            producer.send(new ProducerRecord<>(topic, entry.key(), entry.toBytes()), (metadata, error) -> {
                if (error != null) {
                    failed.increment();
                    LOG.error("cluster: {} at journal seq {} not announced on {} (produced again when a writer"
                            + " starts): {}", entry.kind(), entry.seq(), topic, error.toString());
                    return;
                }
                produced.increment();
                if (tracked) {
                    position.acknowledged(entry.seq());
                }
            });
        } catch (RuntimeException e) {
            failed.increment();
            LOG.error("cluster: cannot announce {} at journal seq {} on {}: {}", entry.kind(), entry.seq(), topic,
                    e.toString());
        }
    }

    private void save() {
        long next = position.next();
        if (next == saved) {
            return;
        }
        try {
            file.write(next);
            saved = next;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cluster: saving the announced position {} in {}: {}", next, file.path(), e.toString());
        }
    }

    /** Waits for what was sent to be acknowledged (or fail), saves the position, closes the producer. */
    @Override
    public void close() {
        try {
            producer.flush();
        } catch (RuntimeException e) {
            LOG.warn("cluster: flushing announcements: {}", e.toString());
        }
        producer.close(Duration.ofSeconds(30));
        saver.shutdown();
        try {
            saver.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        save();
    }
}
