package org.earshot.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.google.gson.JsonObject;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal writer's loop, on a thread of its own: reads every partition of the records topic in order and hands
 * the new records of each poll to an {@link Appender} (the journal: appended in order, one fsync for the batch), then
 * commits the offsets it journaled to the writers' consumer group. Where it starts reading comes from {@link WriterPositions}, rebuilt from the journal
 * itself, so that a record journaled just before a crash (its offset not yet committed) is not journaled twice; Kafka's
 * committed offset is used only for partitions the journal knows nothing of. A record that is not a valid
 * {@link ClusterRecord} is refused with a log line naming the problem and its partition and offset, counted, and
 * skipped; a record id journaled recently is skipped and counted as a duplicate. When the journal cannot write, the
 * loop stops (nothing is skipped past a record that could not be journaled) and {@link #failure()} says why.
 *
 * <p>The writer reads partitions by assignment, not by group membership: which writer is active is decided by the
 * journal's lock file (only one process can hold the journal open), so a standby cannot append even while a stalled
 * active writer still holds its Kafka session.
 */
public final class JournalWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);
    static final Duration POLL = Duration.ofMillis(200);

    /** Where journaled records go: the journal (append, one fsync per batch), then the outputs. */
    @FunctionalInterface
    public interface Appender {
        /** Journals the records, in order, each with its entry data; returns once all are durable. */
        void append(List<Journaling> batch) throws IOException;
    }

    /** A record to journal, with the entry data it becomes. */
    public record Journaling(ClusterRecord record, JsonObject entryData) {}

    private final KafkaSettings settings;
    private final WriterPositions positions;
    private final Appender appender;
    private final String clientId;
    private final LongAdder journaled = new LongAdder();
    private final LongAdder alreadyJournaled = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile Consumer<String, byte[]> consumer;
    private Thread thread;

    public JournalWriter(KafkaSettings settings, WriterPositions positions, Appender appender) {
        this.settings = settings;
        this.positions = positions;
        this.appender = appender;
        this.clientId = "earshot-journal-writer-" + settings.cluster().nodeId();
    }

    /** Starts reading on a thread of its own. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        running = true;
        thread = new Thread(this::run, "journal-writer");
        thread.start();
    }

    /** Waits until every partition is assigned and positioned; false when that took longer than {@code timeout}. */
    public boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long journaled() {
        return journaled.sum();
    }

    public long alreadyJournaled() {
        return alreadyJournaled.sum();
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public long refused() {
        return refused.sum();
    }

    /** Why the loop stopped on its own (the journal could not write, Kafka refused us); null while it runs. */
    public Throwable failure() {
        return failure;
    }

    /** Whether the loop runs. */
    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    private void run() {
        try (Consumer<String, byte[]> c = new KafkaConsumer<>(settings.consumer(clientId), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            if (!running) {
                return;
            }
            List<TopicPartition> partitions = settings.partitions(c, settings.topic());
            c.assign(partitions);
            position(c, partitions);
            assigned.countDown();
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                // The poll's new records are journaled together (one fsync), and only then are offsets committed.
                Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                List<Journaling> batch = new ArrayList<>();
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                        handle(r, batch);
                    }
                    positions.next(tp.partition()).ifPresent(n -> commit.put(tp, new OffsetAndMetadata(n)));
                }
                if (!batch.isEmpty()) {
                    appender.append(batch);
                    journaled.add(batch.size());
                }
                try {
                    c.commitSync(commit);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // The journal is the truth; a commit lost here only means re-reading records it skips.
                    LOG.warn("cluster: committing offsets {}: {}", commit, e.toString());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e;
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            LOG.error("cluster: journal writer stopped: {}", e.toString());
        } finally {
            consumer = null;
        }
    }

    /** The journal's position where it has one, else the group's committed offset, else the beginning. */
    private void position(Consumer<String, byte[]> c, List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(partitions));
        List<TopicPartition> fromStart = new ArrayList<>();
        Set<String> from = new java.util.TreeSet<>();
        for (TopicPartition tp : partitions) {
            OptionalLong journal = positions.next(tp.partition());
            OffsetAndMetadata group = committed.get(tp);
            if (journal.isPresent()) {
                c.seek(tp, journal.getAsLong());
                from.add(tp.partition() + "@" + journal.getAsLong() + " (journal)");
            } else if (group != null) {
                c.seek(tp, group.offset());
                from.add(tp.partition() + "@" + group.offset() + " (committed)");
            } else {
                fromStart.add(tp);
                from.add(tp.partition() + "@start");
            }
        }
        if (!fromStart.isEmpty()) {
            c.seekToBeginning(fromStart);
        }
        LOG.info("cluster: journal writer reading {} from {}", settings.topic(), from);
    }

    /** Decides a record; one to journal goes into {@code batch} (and counts as journaled for later decisions). */
    private void handle(ConsumerRecord<String, byte[]> r, List<Journaling> batch) {
        int partition = r.partition();
        long offset = r.offset();
        ClusterRecord record;
        try {
            record = ClusterRecord.parse(r.value());
        } catch (BadRecordException e) {
            refused.increment();
            positions.passed(partition, offset);
            LOG.warn("cluster: record {}-{}@{} refused, not journaled: {}", r.topic(), partition, offset,
                    e.getMessage());
            return;
        }
        switch (positions.decide(partition, offset, record.recordId())) {
            case APPEND -> {
                batch.add(new Journaling(record, WriterPositions.entryData(record, r.topic(), partition, offset)));
                positions.appended(partition, offset, record.recordId());
            }
            case ALREADY_JOURNALED -> alreadyJournaled.increment();
            case DUPLICATE_ID -> {
                duplicates.increment();
                positions.passed(partition, offset);
                LOG.info("cluster: record {}-{}@{} is {} again (from node {}), journaled once", r.topic(), partition,
                        offset, record.recordId(), record.node());
            }
        }
    }

    /** Stops the loop; what was journaled stays (its offsets are committed by the next start at the latest). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
