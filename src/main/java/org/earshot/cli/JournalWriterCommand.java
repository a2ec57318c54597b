package org.earshot.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.earshot.app.ClusterJournalWriter;
import org.earshot.config.ConfigException;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.model.ModelManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot journal-writer}: in cluster mode, the process that journals the records every node sends through
 * Kafka, into the journal of its configuration (the same keys as {@code serve}; {@code cluster.bootstrap_servers}
 * must be set), announces what it journaled for every node to publish on MQTT, and serves the query API, /health and
 * /metrics over that journal (the {@code http}, {@code metrics} and {@code api} sections). Start two or more with the
 * same journal directory: one holds it and writes, the others stand by (/health 503) and take over when it stops or
 * dies. It reads the model's manifest (name and thresholds, recorded in the journal's
 * configuration entry) but loads no network.
 */
@Command(name = "journal-writer", mixinStandardHelpOptions = true,
        description = "Cluster mode: journal the records that the nodes send through Kafka, announce them for the"
                + " nodes to publish on MQTT, and serve the query API over the journal (one active writer, others"
                + " standing by on the same journal).")
final class JournalWriterCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE.json", description = "Configuration file (keys: docs/"
            + "CONFIGURATION.md, with a cluster section); EARSHOT_* environment variables override it")
    Path config;

    @Override
    public Integer call() throws Exception {
        ServeConfig cfg = ServeCommand.load(config);
        if (!cfg.cluster().enabled()) {
            throw new BadInputException("journal-writer needs cluster mode: set cluster.bootstrap_servers and"
                    + " cluster.node_id (docs/CONFIGURATION.md)");
        }
        Path model = ServeCommand.model(cfg);
        ModelManifest manifest;
        try {
            manifest = ModelManifest.read(Paths.requireDirectory(model, "model directory"));
        } catch (java.io.IOException e) {
            throw new BadInputException("cannot read the model's manifest: " + e.getMessage(), e);
        }
        SensorRegistry registry;
        try {
            registry = SensorRegistry.load(cfg.sensorsFile());
        } catch (ConfigException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        ClusterJournalWriter[] writer = new ClusterJournalWriter[1];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            ClusterJournalWriter w;
            synchronized (writer) {
                w = writer[0];
            }
            if (w != null) {
                System.err.println("earshot: journal writer stopping");
                w.close();
                System.err.println("earshot: journal writer stopped (journal closed)");
            }
            stopped.countDown();
        }, "earshot-shutdown"));
        System.err.println("earshot: journal writer " + cfg.cluster().nodeId() + " for topic "
                + cfg.cluster().recordsTopic() + " at " + cfg.cluster().bootstrapServers() + ", journal in "
                + cfg.journalDir());
        ClusterJournalWriter started = ClusterJournalWriter.start(cfg, registry, manifest.name,
                manifest.detectorConfig(), () -> !stopping.get());
        synchronized (writer) {
            if (stopping.get()) {
                if (started != null) {
                    started.close();
                }
                return 0;
            }
            writer[0] = started;
        }
        System.err.println("earshot: journal writer active, query API on port " + started.httpPort()
                + " (Ctrl-C stops)");
        // Runs until stopped; a writer whose loop fails (the journal cannot write) exits non-zero for a standby.
        while (started.writer().failure() == null && started.writer().isRunning()) {
            if (stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                return 0;
            }
        }
        if (stopping.get()) {
            stopped.await();
            return 0;
        }
        System.err.println("earshot: journal writer failed: " + started.writer().failure());
        return 1;
    }
}
