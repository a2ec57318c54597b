package org.earshot.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sensor lease of cluster mode over Kafka: a compacted topic {@code <prefix>leases} keyed by sensor id, whose
 * value is the newest claim {@code {"node":"...","since_us":N}}. A node claims a sensor when it connects (off the
 * event loop: sends go through a thread of their own) and reads every node's claims from the moment it started; when
 * another node's newer claim arrives for a sensor it holds, {@code onLost} closes its connections of that sensor.
 */
public final class LeaseBoard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseBoard.class);

    private final KafkaSettings settings;
    private final SensorLeases leases;
    private final Consumer<String> onLost;
    private final Producer<String, String> producer;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lease-claims");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch positioned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, String> consumer;
    private final Thread reader;

    public LeaseBoard(KafkaSettings settings, Consumer<String> onLost) {
        this.settings = settings;
        this.leases = new SensorLeases(settings.cluster().nodeId());
        this.onLost = onLost;
        this.producer = new KafkaProducer<>(settings.producer(), new StringSerializer(), new StringSerializer());
        this.reader = new Thread(this::read, "lease-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until the reader is positioned at the topic's end (claims made after this are seen). */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This node took a connection of {@code sensor}: claim it (returns at once). */
    public void claim(String sensor) {
        sender.execute(() -> {
            SensorLeases.Lease lease;
            synchronized (leases) {
                lease = leases.claim(sensor, Math.multiplyExact(System.currentTimeMillis(), 1000L));
            }
            JsonObject value = new JsonObject();
            value.addProperty("node", lease.node());
            value.addProperty("since_us", lease.sinceMicros());
            try {
                producer.send(new ProducerRecord<>(settings.leaseTopic(), sensor, value.toString()), (m, e) -> {
                    if (e != null) {
                        LOG.warn("cluster: lease of sensor {} not recorded: {}", sensor, e.toString());
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("cluster: lease of sensor {} not recorded: {}", sensor, e.toString());
            }
        });
    }

    private void read() {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(settings.leaseConsumer(),
                new StringDeserializer(), new StringDeserializer())) {
            consumer = c;
            settings.assignAtEnd(c, settings.leaseTopic());
            positioned.countDown();
            while (running) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    observe(r).ifPresent(sensor -> {
                        LOG.info("cluster: sensor {} connected to another node since ({}): closing its connections"
                                + " here", sensor, org.earshot.ingest.LogSafe.quote(r.value()));
                        onLost.accept(sensor);
                    });
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException e) {
            LOG.error("cluster: lease reader stopped: {}", e.toString());
        }
    }

    private Optional<String> observe(ConsumerRecord<String, String> r) {
        try {
            JsonObject v = JsonParser.parseString(r.value()).getAsJsonObject();
            SensorLeases.Lease claim = new SensorLeases.Lease(r.key(), v.get("node").getAsString(),
                    v.get("since_us").getAsLong());
            synchronized (leases) {
                return leases.observe(claim);
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster: lease record at {}-{}@{} refused: {}", r.topic(), r.partition(), r.offset(),
                    e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            reader.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.shutdown();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
