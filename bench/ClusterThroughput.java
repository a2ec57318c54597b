import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.google.gson.JsonObject;
import org.earshot.app.ClusterJournalWriter;
import org.earshot.cluster.ClusterSink;
import org.earshot.cluster.KafkaSettings;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.Detection;
import org.earshot.detect.Labels;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalVerifier;
import org.earshot.model.ModelManifest;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorDetection;
import org.earshot.pipeline.SensorProfile;

/**
 * Cluster mode's two throughput figures, on a running Kafka cluster (run by {@code bench/cluster-throughput.sh}):
 *
 * <ol>
 *   <li>Producer: a node's {@link ClusterSink} (idempotent producer, {@code acks=all}, the records topic created with
 *   the configuration's partitions, replication factor and {@code min.insync.replicas}) sends RECORDS final
 *   detections of SENSORS sensors as fast as it can; the figure is records acknowledged per second, from the first
 *   send to the last acknowledgement (after WARMUP records that are not timed).</li>
 *   <li>Journal writer: then the cluster's journal writer ({@link ClusterJournalWriter}, the code of
 *   {@code earshot journal-writer}, here in this JVM, on a fresh journal) journals every record on the topic,
 *   each appended and fsync'd with its {@code cluster} bookkeeping (topic, partition, offset, record id) before the
 *   offsets are committed; the figure is records journaled per second from the moment its partitions are assigned
 *   to the last record, and this JVM's CPU time over that span (the producer is closed by then).</li>
 * </ol>
 *
 * Afterwards the writer is stopped (stop entry, last checkpoint) and the journal verified; every record must be
 * journaled once (none refused, none a duplicate). Usage:
 * {@code java -cp target/earshot-run.jar bench/ClusterThroughput.java WRITER_CONFIG.json RECORDS [WARMUP] [SENSORS]}
 * where the configuration is the writer's (data_dir, sensors_file, model, cluster section), as
 * {@code earshot journal-writer --config} takes it.
 */
public final class ClusterThroughput {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ClusterThroughput WRITER_CONFIG.json RECORDS [WARMUP] [SENSORS]");
            System.exit(2);
        }
        Path configFile = Path.of(args[0]);
        int records = Integer.parseInt(args[1]);
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int sensors = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        ServeConfig config = ServeConfig.load(Optional.of(configFile), Map.of());
        ServeConfig.Cluster writerCluster = config.cluster();
        ServeConfig.Cluster node = new ServeConfig.Cluster(writerCluster.bootstrapServers(), "bench-node",
                writerCluster.topicPrefix(), writerCluster.partitions(), writerCluster.replicationFactor(),
                writerCluster.minInsyncReplicas(), writerCluster.deliveryTimeoutSeconds());
        ModelManifest manifest = ModelManifest.read(config.model());
        int total = warmup + records;

        // 1. The node's side: records acknowledged by Kafka per second.
        KafkaSettings settings = new KafkaSettings(node);
        settings.ensureTopic();
        long sampleBytes;
        double produceSeconds;
        try (ClusterSink sink = new ClusterSink(settings, d -> entry(d, manifest))) {
            sampleBytes = entry(detection(0, sensors), manifest).toString().length();
            for (int i = 0; i < warmup; i++) {
                sink.accept(detection(i, sensors));
            }
            awaitAcknowledged(sink, warmup);
            long t0 = System.nanoTime();
            for (int i = warmup; i < total; i++) {
                sink.accept(detection(i, sensors));
            }
            awaitAcknowledged(sink, total);
            produceSeconds = (System.nanoTime() - t0) / 1e9;
        }
        System.out.printf(Locale.ROOT, "producer (ClusterSink: idempotent, acks=all; topic %s, %d partitions,"
                        + " replication factor %d, min.insync.replicas %d): %d records of %d sensors (entry data of"
                        + " %d bytes) acknowledged in %.2f s after %d warm-up records: %.0f records/s (load average then: %s)%n",
                settings.topic(), node.partitions(), node.replicationFactor(), node.minInsyncReplicas(), records,
                sensors, sampleBytes, produceSeconds, warmup, records / produceSeconds, loadAverage());

        // 2. The journal writer: records journaled (fsync'd, with their cluster bookkeeping) per second.
        SensorRegistry registry = SensorRegistry.load(config.sensorsFile());
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ClusterJournalWriter writer = ClusterJournalWriter.start(config, registry, manifest.name,
                manifest.detectorConfig(), () -> true);
        long journaled;
        double writeSeconds;
        double cpuSeconds;
        try {
            if (!writer.writer().awaitAssigned(java.time.Duration.ofSeconds(120))) {
                throw new IllegalStateException("the writer's partitions were not assigned within 120 s");
            }
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            long deadline = t0 + java.time.Duration.ofMinutes(10).toNanos();
            while (writer.writer().journaled() < total) {
                if (writer.writer().failure() != null) {
                    throw new IllegalStateException("the writer failed", writer.writer().failure());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + writer.writer().journaled() + " of " + total
                            + " records journaled within 10 minutes");
                }
                Thread.sleep(2);
            }
            writeSeconds = (System.nanoTime() - t0) / 1e9;
            cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
            journaled = writer.writer().journaled();
            System.out.printf(Locale.ROOT, "journal writer (one fsync per polled batch, cluster bookkeeping,"
                            + " offsets committed per batch): %d records journaled in %.2f s: %.0f records/s; CPU"
                            + " %.2f s (%.3f ms per record; this JVM, producer closed); duplicates %d, refused %d"
                            + " (load average then: %s)%n",
                    journaled, writeSeconds, journaled / writeSeconds, cpuSeconds, cpuSeconds * 1000 / journaled,
                    writer.writer().duplicates(), writer.writer().refused(), loadAverage());
        } finally {
            writer.close();
        }
        JournalKeys keys = JournalKeys.loadOrCreate(config.journalKeyFile());
        JournalVerifier.Report report = JournalVerifier.verify(config.journalDir(), null, keys.publicKey(), null);
        boolean ok = report.ok() && journaled == total && writer.writer().duplicates() == 0
                && writer.writer().refused() == 0;
        System.out.println("journal verifies: " + (report.ok() ? "yes, " + report.entries() + " entries" : "NO: "
                + report.failure()) + "; every record journaled once: " + (journaled == total ? "yes" : "NO"));
        System.exit(ok ? 0 : 1);
    }

    /** The 1, 5 and 15 minute load averages (the machine may be shared). */
    private static String loadAverage() throws java.io.IOException {
        String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static void awaitAcknowledged(ClusterSink sink, long n) throws InterruptedException {
        while (sink.detectionsAcknowledged() + sink.failed() < n) {
            Thread.sleep(1);
        }
        if (sink.failed() > 0) {
            throw new IllegalStateException(sink.failed() + " records were not acknowledged");
        }
    }

    /** The i-th final detection: sensors take turns, each event 10 s after the previous one of its sensor. */
    private static SensorDetection detection(int i, int sensors) {
        long t0 = 1_796_000_000_000_000L;
        double onset = (i / sensors) * 10.0 + 0.125;
        SensorProfile sensor = SensorProfile.uncalibrated(String.format(Locale.ROOT, "sim-%04d", i % sensors + 1));
        return new SensorDetection(sensor, SensorDetection.Stage.FINAL,
                new Detection(Labels.CLASSES.get(i % 3), onset, onset + 1.54, 0.912, -14.3), t0, t0 + (long) (onset * 1e6));
    }

    /**
     * A detection's journal entry data as a node sends it: the published JSON plus its class's on and off thresholds
     * (what the service's JournalSink adds; package-private there).
     */
    private static JsonObject entry(SensorDetection d, ModelManifest manifest) {
        JsonObject o = OutputJson.detection(d, manifest.name);
        int c = Labels.indexOf(d.detection().label());
        o.addProperty("threshold", manifest.detectorConfig().thresholds().get(c));
        o.addProperty("off_threshold", manifest.detectorConfig().offThresholds().get(c));
        return o;
    }
}
