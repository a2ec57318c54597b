package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import static org.earshot.testing.ServerProcesses.read;
import static org.earshot.testing.ServerProcesses.size;
import static org.earshot.testing.ServerProcesses.tail;

/**
 * A real Apache Kafka cluster for integration tests: three separate JVM processes, each a broker and a KRaft
 * controller ({@code process.roles=broker,controller}, a static quorum of the three), on loopback ports chosen here,
 * configured from the templates in {@code scripts/kafka} that {@code scripts/kafka-cluster.sh} uses too, each with
 * its folder (server.properties, log4j2.properties, the data in {@code data/}, the broker's
 * {@code server.log} and its stdout/stderr) under the work directory. Topics are never created automatically;
 * internal topics have replication factor 3 and {@code min.insync.replicas=2}, so one node may die without losing an
 * acknowledged record. A node can be stopped, killed like {@code kill -9} and restarted on the same ports with its data.
 *
 * <p>It runs the jars in {@link #LIB_DIR}, which {@code scripts/ensure-kafka.sh} copies from Maven Central at set-up
 * time ({@code scripts/test.sh} runs it); nothing is fetched here. A test class that starts one is annotated
 * {@code @RequiresServers(Server.KAFKA)}, which skips it (or, in CI, fails it) when they are missing. Each node runs with
 * a small heap ({@value #HEAP}); start one cluster per test class, not per test: a start takes about 15 s of CPU.
 */
public final class KafkaCluster implements AutoCloseable {
    /** Where scripts/ensure-kafka.sh puts the broker's jars (relative to the repository root, the tests' folder). */
    public static final Path LIB_DIR = Path.of("target", "kafka-lib");
    public static final int NODES = 3;
    public static final String HOST = "127.0.0.1";
    public static final String HEAP = "-Xmx384m";
    /** How long a node may take to say it started; three JVMs starting at once on two cores are slow. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final String STARTED = "Kafka Server started";
    /** The broker settings, shared with scripts/kafka-cluster.sh. */
    static final Path SERVER_TEMPLATE = Path.of("scripts", "kafka", "server.properties");
    static final Path LOG_TEMPLATE = Path.of("scripts", "kafka", "log4j2.properties");
    private static final String ADDRESS_IN_USE = "Address already in use";

    private final Path workDir;
    private final List<Node> nodes = new ArrayList<>();

    private KafkaCluster(Path workDir) {
        this.workDir = workDir;
    }

    /** Whether the broker's jars are in {@link #LIB_DIR}. */
    static boolean jarsPresent() {
        return kafkaJar().isPresent();
    }

    private static java.util.Optional<Path> kafkaJar() {
        if (!Files.isDirectory(LIB_DIR)) {
            return java.util.Optional.empty();
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(LIB_DIR, "kafka_2.13-*.jar")) {
            for (Path jar : jars) {
                return java.util.Optional.of(jar);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return java.util.Optional.empty();
    }

    /**
     * Writes the three nodes' configuration under {@code workDir}, formats their storage with one new cluster id,
     * starts them and returns once every node logged that it started and the cluster reports three brokers.
     *
     * @throws IllegalStateException when the jars are missing, a node exits or does not start in time (the message
     *     carries the end of its logs)
     */
    public static KafkaCluster start(Path workDir) {
        if (!jarsPresent()) {
            throw new IllegalStateException(Server.KAFKA.missingReason());
        }
        KafkaCluster cluster = new KafkaCluster(workDir.toAbsolutePath());
        List<Integer> brokerPorts = new ArrayList<>();
        List<Integer> controllerPorts = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            brokerPorts.add(FreePorts.loopback());
            controllerPorts.add(FreePorts.loopback());
        }
        String voters = java.util.stream.IntStream.range(0, NODES)
                .mapToObj(i -> (i + 1) + "@" + HOST + ":" + controllerPorts.get(i)).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        try {
            for (int i = 0; i < NODES; i++) {
                Node node = new Node(i + 1, cluster.workDir.resolve("node-" + (i + 1)), brokerPorts.get(i),
                        controllerPorts.get(i), voters);
                node.writeConfig();
                cluster.nodes.add(node);
            }
            List<Process> formats = new ArrayList<>();
            for (Node node : cluster.nodes) {
                formats.add(node.format(clusterId));
            }
            for (int i = 0; i < NODES; i++) {
                cluster.nodes.get(i).awaitFormat(formats.get(i));
            }
            for (Node node : cluster.nodes) {
                node.spawn();
            }
            for (Node node : cluster.nodes) {
                if (node.awaitStarted() != LoopbackServer.Launch.READY) {
                    throw new IllegalStateException(node.describe("kafka node " + node.id + " could not bind "
                            + node.listeners() + " (" + ADDRESS_IN_USE + ")"));
                }
            }
            cluster.awaitBrokers(NODES);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** {@code host:port,...} of every node's broker listener, for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return nodes.stream().map(n -> HOST + ":" + n.brokerPort).collect(Collectors.joining(","));
    }

    /** Node 1, 2 or 3. */
    public Node node(int id) {
        if (id < 1 || id > nodes.size()) {
            throw new IllegalArgumentException("no node " + id + " (1.." + nodes.size() + ")");
        }
        return nodes.get(id - 1);
    }

    /** Every node's data folder (log.dirs: segments, indexes, metadata log), for the privacy scan. */
    public List<Path> dataDirs() {
        return nodes.stream().map(n -> n.dataDir).toList();
    }

    /**
     * Waits until the cluster's metadata lists {@code count} live brokers (after a kill the controller fences the
     * dead one once its session times out).
     */
    public void awaitBrokers(int count) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5_000))) {
            Await.until(() -> {
                try {
                    return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == count;
                } catch (Exception e) {
                    return false;
                }
            }, START_TIMEOUT, () -> "kafka cluster to report " + count + " brokers\n" + nodes.get(0).describe(""));
        }
    }

    /**
     * Stops every node: SIGTERM to all at once (a node shutting down cleanly needs a quorum of controllers to leave
     * it), then waits for each (SIGKILL after 10 s).
     */
    @Override
    public void close() {
        for (Node node : nodes) {
            if (node.isRunning()) {
                node.process.destroy();
            }
        }
        for (Node node : nodes) {
            node.stop();
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + bootstrapServers() + ", " + workDir + "]";
    }

    /** One broker+controller process. */
    public static final class Node extends LoopbackServer {
        private final int id;
        private final Path dir;
        private final Path dataDir;
        private final int brokerPort;
        private final int controllerPort;
        private final String voters;
        private final Path properties;
        private final Path log;
        private final Path out;
        private long logStart;

        Node(int id, Path dir, int brokerPort, int controllerPort, String voters) {
            super("kafka node " + id);
            this.id = id;
            this.dir = dir;
            this.dataDir = dir.resolve("data");
            this.brokerPort = brokerPort;
            this.controllerPort = controllerPort;
            this.voters = voters;
            this.properties = dir.resolve("server.properties");
            this.log = dir.resolve("server.log");
            this.out = dir.resolve("kafka.out");
        }

        public int id() {
            return id;
        }

        public int brokerPort() {
            return brokerPort;
        }

        public Path dataDir() {
            return dataDir;
        }

        /** The broker's own log. */
        public Path log() {
            return log;
        }

        void writeConfig() {
            try {
                Files.createDirectories(dir);
                Files.writeString(properties, fill(SERVER_TEMPLATE, Map.of("@NODE_ID@", String.valueOf(id),
                        "@VOTERS@", voters, "@BROKER_PORT@", String.valueOf(brokerPort),
                        "@CONTROLLER_PORT@", String.valueOf(controllerPort), "@DATA_DIR@", dataDir.toString())));
                Files.writeString(dir.resolve("log4j2.properties"), fill(LOG_TEMPLATE,
                        Map.of("@LOG_FILE@", log.toString())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A template of scripts/kafka with its @...@ fields filled in; a field left over is an error. */
        static String fill(Path template, Map<String, String> fields) throws IOException {
            String text = Files.readString(template, StandardCharsets.UTF_8);
            for (Map.Entry<String, String> f : fields.entrySet()) {
                text = text.replace(f.getKey(), f.getValue());
            }
            if (text.matches("(?s).*@[A-Z_]+@.*")) {
                throw new IllegalStateException(template + " has a field the harness does not fill in");
            }
            return text;
        }

        private List<String> java(String mainClass, String... args) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), HEAP, "-Xms64m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                    "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                    "-cp", LIB_DIR.toAbsolutePath() + "/*", mainClass));
            command.addAll(List.of(args));
            return command;
        }

        Process format(String clusterId) {
            try {
                return new ProcessBuilder(java("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                        properties.toString())).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run java for the kafka storage tool", e);
            }
        }

        void awaitFormat(Process format) {
            try {
                if (!format.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    format.destroyForcibly();
                    throw new IllegalStateException(describe("kafka storage format of node " + id + " timed out"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (format.exitValue() != 0) {
                throw new IllegalStateException(describe("kafka storage format of node " + id + " exited with "
                        + format.exitValue()));
            }
        }

        void spawn() {
            logStart = size(log);
            try {
                process = new ProcessBuilder(java("kafka.Kafka", properties.toString())).directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run java for kafka node " + id, e);
            }
            ServerProcesses.track(process);
        }

        Launch awaitStarted() {
            long from = logStart;
            return awaitLaunch(process, "kafka node " + id, "start on " + listeners(), START_TIMEOUT,
                    () -> read(log, from).contains(STARTED), () -> read(log, from) + read(out, 0),
                    output -> output.contains(ADDRESS_IN_USE));
        }

        @Override
        Launch launch() {
            spawn();
            return awaitStarted();
        }

        @Override
        String listeners() {
            return "broker " + HOST + ":" + brokerPort + ", controller " + HOST + ":" + controllerPort;
        }

        @Override
        String describe(String what) {
            return what + "\n--- end of " + log + " ---\n" + tail(read(log, 0)) + "--- end of " + out
                    + " (stdout/stderr) ---\n" + tail(read(out, 0));
        }

        @Override
        public String toString() {
            return "KafkaCluster.Node[" + id + ", " + listeners() + ", " + (isRunning() ? "running" : "stopped") + "]";
        }
    }
}
