package org.earshot.deploy;

import static org.earshot.deploy.DeployFiles.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.earshot.config.ServeConfig;
import org.earshot.deploy.DeployFiles.Instruction;
import org.earshot.deploy.DeployFiles.Port;
import org.earshot.deploy.DeployFiles.Volume;
import org.earshot.ingest.Topics;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml, the Dockerfile, .dockerignore and deploy/mosquitto against the code: the configuration
 * Earshot reads from the compose environment (every {@code EARSHOT_*} key real, the whole of it valid), the service
 * names and ports it points at, the ports published, the paths mounted and copied, Mosquitto's authentication and
 * ACL against the topics of {@link Topics}, and a health check for every service; and the profile {@value #CLUSTER}
 * (Kafka brokers against scripts/kafka, nodes and journal writer against the cluster configuration, HAProxy's
 * configuration against scripts/haproxy-cluster.sh). Nothing here needs Docker; the password file and the ACL are
 * tried on a real Mosquitto by {@link DeployBrokerIT}.
 */
class ComposeConsistencyTest {
    static final String SECRET = "placeholder-secret";
    static final Set<String> SERVICES = Set.of("influxdb", "mosquitto", "grafana", "earshot");
    /** The profile of cluster mode (docs/DEPLOYMENT.md, "Cluster mode"), started only with --profile cluster. */
    static final String CLUSTER = "cluster";
    static final List<String> KAFKA_SERVICES = List.of("kafka-1", "kafka-2", "kafka-3");
    static final List<String> CLUSTER_NODES = List.of("earshot-node-1", "earshot-node-2");
    static final String JOURNAL_WRITER = "journal-writer";
    static final String HAPROXY = "haproxy";
    /** What docker-compose.yml passes to scripts/haproxy-cluster.sh config besides the ports and nodes. */
    static final List<String> HAPROXY_OPTIONS = List.of("--bind", "0.0.0.0", "--resolver", "127.0.0.11:53");
    static final Path HAPROXY_CFG = ROOT.resolve("deploy/haproxy/haproxy.cfg");
    /** Where the haproxy image reads its configuration. */
    static final String HAPROXY_CFG_IN_IMAGE = "/usr/local/etc/haproxy/haproxy.cfg";
    /**
     * Settings of scripts/kafka/server.properties that differ by node or machine (ids, addresses, folders) or tune
     * the small test brokers (threads); every other setting of the test brokers is the compose brokers' too.
     */
    static final Set<String> KAFKA_PER_NODE = Set.of("node.id", "controller.quorum.voters", "listeners",
            "advertised.listeners", "log.dirs", "num.network.threads", "num.io.threads", "background.threads",
            "num.recovery.threads.per.data.dir");
    /** Not configuration: the launcher's JVM options, which the Dockerfile's entry point reads the same way. */
    static final String JAVA_OPTS = "EARSHOT_JAVA_OPTS";

    final Map<String, Object> compose = DeployFiles.compose();
    final Map<String, Object> earshot = DeployFiles.service(compose, "earshot");
    final List<Instruction> dockerfile = DeployFiles.dockerfile();

    /** What the container's process sees: the Dockerfile's ENV, then compose's environment over it. */
    Map<String, String> earshotEnvironment() {
        Map<String, String> env = new LinkedHashMap<>(DeployFiles.dockerEnv(dockerfile));
        env.putAll(DeployFiles.environment(earshot, SECRET));
        return env;
    }

    ServeConfig config() throws Exception {
        return ServeConfig.load(Optional.empty(), earshotEnvironment());
    }

    @Test
    void theFourServicesAreThere() {
        assertEquals(SERVICES, servicesOfProfile(null), "the services `docker compose up` starts (no profile)");
        assertEquals(".", String.valueOf(earshot.get("build")), "earshot is built from this repository's Dockerfile");
    }

    /** Services of {@code profile} (null: those without a profile, which every `docker compose up` starts). */
    Set<String> servicesOfProfile(String profile) {
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Set<String> names = new TreeSet<>();
        for (String name : services.keySet()) {
            Object profiles = DeployFiles.service(compose, name).get("profiles");
            if (profile == null ? profiles == null : profiles instanceof List<?> l && l.contains(profile)) {
                names.add(name);
            }
        }
        return names;
    }

    @Test
    void everyEarshotVariableIsAConfigurationKeyAndTheWholeEnvironmentLoads() throws Exception {
        Set<String> keys = Set.copyOf(ServeConfig.environmentVariables());
        Map<String, String> env = earshotEnvironment();
        for (String name : env.keySet()) {
            if (name.startsWith("EARSHOT_") && !name.equals(JAVA_OPTS)) {
                // ServeConfig ignores unknown EARSHOT_* variables, so a misspelt one would silently do nothing.
                assertTrue(keys.contains(name), name + " is not a configuration key (docs/CONFIGURATION.md)");
            }
        }
        ServeConfig config = config();
        assertEquals(ServeConfig.Mode.BROKER, config.ingest().mode());
        assertEquals(SECRET, config.broker().password(), "the broker password comes from .env");
    }

    @Test
    void earshotPointsAtTheBrokerAndInfluxServicesOnTheirPorts() throws Exception {
        ServeConfig config = config();
        assertEquals("mosquitto", config.broker().host());
        List<String> listeners = DeployFiles.mosquittoConf().get("listener");
        assertNotNull(listeners, "mosquitto.conf has a listener");
        int listenerPort = Integer.parseInt(listeners.get(0).split("\\s+")[0]);
        assertEquals(listenerPort, config.broker().port(), "broker.port = mosquitto.conf's listener");
        assertTrue(DeployFiles.ports(DeployFiles.service(compose, "mosquitto")).stream()
                .anyMatch(p -> p.container() == listenerPort && p.host() == listenerPort),
                "sensors reach the broker on the host's port " + listenerPort);

        assertNotNull(config.influx().url(), "influx.url is set");
        URI influx = URI.create(config.influx().url());
        assertEquals("influxdb", influx.getHost());
        Map<String, Object> influxdb = DeployFiles.service(compose, "influxdb");
        assertTrue(DeployFiles.ports(influxdb).stream().allMatch(p -> p.container() == influx.getPort()),
                "InfluxDB listens on the port of influx.url");
        assertTrue(healthcheck(influxdb).contains(":" + influx.getPort() + "/ping"), healthcheck(influxdb));
        assertEquals(config.influx().database(), DeployFiles.environment(influxdb, SECRET).get("INFLUXDB_DB"),
                "the database InfluxDB creates is the one Earshot writes");
        assertTrue(image(influxdb).startsWith("influxdb:1.8"), image(influxdb));
    }

    @Test
    void publishedAndExposedPortsAreTheConfiguredOnes() throws Exception {
        ServeConfig config = config();
        Set<Integer> configured = Set.of(config.http().port(), config.websocket().port(), config.metrics().port());
        Set<Integer> published = DeployFiles.ports(earshot).stream().map(Port::container).collect(Collectors.toSet());
        assertEquals(configured, published);
        // /metrics dates each detection: reachable from the host's loopback only, never on a public interface.
        assertEquals(List.of(new Port("127.0.0.1", config.metrics().port(), config.metrics().port())),
                DeployFiles.ports(earshot).stream().filter(p -> p.container() == config.metrics().port()).toList());
        assertEquals("0.0.0.0", config.metrics().host(), "inside the container, so that the publication reaches it");
        for (Port p : DeployFiles.ports(earshot)) {
            assertEquals(p.container(), p.host(), "the README names the same port on the host: " + p);
        }
        Set<Integer> exposed = DeployFiles.arguments(dockerfile, "EXPOSE").stream()
                .flatMap(a -> List.of(a.split("\\s+")).stream()).map(Integer::valueOf).collect(Collectors.toSet());
        assertTrue(exposed.containsAll(configured), "EXPOSE " + exposed + " lacks one of " + configured);
        assertTrue(exposed.contains(ServeConfig.Mqtt.DEFAULT_PORT), "EXPOSE the embedded MQTT endpoint too");
        assertTrue(DeployFiles.ports(DeployFiles.service(compose, "grafana")).contains(new Port("", 3000, 3000)));
    }

    @Test
    void theDataVolumeIsTheDataDirectory() throws Exception {
        ServeConfig config = config();
        List<String> targets = DeployFiles.volumes(earshot).stream().map(Volume::target).toList();
        assertEquals(List.of(config.dataDir().toString()), targets, "one volume, at data_dir");
        assertTrue(config.journalDir().startsWith(config.dataDir()), "the journal is inside the volume");
        assertTrue(config.journalKeyFile().startsWith(config.dataDir()), "the signing key is inside the volume");
        assertTrue(config.sensorsFile().startsWith(config.dataDir()), "the sensors file is inside the volume");
        assertEquals(List.of(config.dataDir().toString()), DeployFiles.arguments(dockerfile, "VOLUME"));
        assertEquals(config.dataDir().toString(), DeployFiles.dockerEnv(dockerfile).get("EARSHOT_DATA_DIR"),
                "the image alone (docker run) uses its volume too");
    }

    @Test
    void everyBindMountedPathExistsOrIsMadeBySetup() {
        String gitignore = DeployFiles.read(ROOT.resolve(".gitignore"));
        String setup = DeployFiles.read(DeployFiles.SETUP);
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        @SuppressWarnings("unchecked")
        Map<String, Object> named = (Map<String, Object>) compose.get("volumes");
        for (String name : services.keySet()) {
            for (Volume v : DeployFiles.volumes(DeployFiles.service(compose, name))) {
                if (!v.bind()) {
                    assertTrue(named != null && named.containsKey(v.source()), name + ": volume " + v.source()
                            + " is not declared under volumes:");
                    continue;
                }
                Path host = ROOT.resolve(v.source()).normalize();
                String relative = ROOT.relativize(host).toString();
                if (relative.equals("data") || relative.startsWith("data/")) {
                    // Journal, keys and secrets: never in git, made by setup.sh before the first start (owned by
                    // the user the containers run as: a folder Docker made would be root's).
                    assertTrue(gitignore.lines().anyMatch(l -> l.strip().equals("/data/")), ".gitignore /data/");
                    assertTrue(setup.contains("mkdir -p data"), "deploy/setup.sh creates data/");
                    assertTrue(Pattern.compile("mkdir -p data( \\S+)* " + Pattern.quote(relative) + "(\\s|$)",
                            Pattern.MULTILINE).matcher(setup).find() || relative.equals("data"),
                            "deploy/setup.sh creates " + relative);
                } else if (relative.startsWith("grafana/")) {
                    // Written in parallel; setup.sh makes them if they are missing.
                    assertTrue(setup.contains(relative), "deploy/setup.sh creates " + relative);
                    if (Files.exists(host)) {
                        assertTrue(Files.isDirectory(host), relative);
                    }
                } else {
                    assertTrue(Files.exists(host), name + " mounts " + v.source() + ", which is not in the repository");
                }
            }
        }
    }

    @Test
    void grafanaIsProvisionedFromTheAgreedPaths() throws Exception {
        Map<String, Object> grafana = DeployFiles.service(compose, "grafana");
        List<Volume> volumes = DeployFiles.volumes(grafana);
        assertTrue(volumes.contains(new Volume("./grafana/provisioning", "/etc/grafana/provisioning", true)), "" + volumes);
        assertTrue(volumes.contains(new Volume("./grafana/dashboards", "/var/lib/grafana/dashboards", true)), "" + volumes);
        assertTrue(image(grafana).matches("grafana/grafana-oss:\\d+\\.\\d+\\.\\d+"), "a pinned version: " + image(grafana));
        assertTrue(DeployFiles.environment(grafana, SECRET).get("GF_SECURITY_ADMIN_PASSWORD").equals(SECRET)
                || DeployFiles.read(DeployFiles.COMPOSE).contains("${GRAFANA_ADMIN_PASSWORD"),
                "the admin password comes from .env");
        Path datasource = ROOT.resolve("grafana/provisioning/datasources/earshot.yml");
        if (Files.exists(datasource)) {
            ServeConfig config = config();
            @SuppressWarnings("unchecked")
            Map<String, Object> file = (Map<String, Object>) new Yaml().load(DeployFiles.read(datasource));
            @SuppressWarnings("unchecked")
            Map<String, Object> source = ((List<Map<String, Object>>) file.get("datasources")).stream()
                    .filter(d -> "earshot-influxdb".equals(d.get("uid"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no datasource with uid earshot-influxdb"));
            assertEquals(config.influx().url(), String.valueOf(source.get("url")), "Grafana reads what Earshot writes");
            Object database = source.get("database") != null ? source.get("database")
                    : ((Map<?, ?>) source.getOrDefault("jsonData", Map.of())).get("dbName");
            assertEquals(config.influx().database(), String.valueOf(database));
        }
    }

    @Test
    void everyServiceHasAHealthCheckAndEarshotWaitsForHealthyDependencies() {
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        for (String name : services.keySet()) {
            Map<String, Object> service = DeployFiles.service(compose, name);
            if (service.containsKey("build")) {
                assertEquals(1, DeployFiles.arguments(dockerfile, "HEALTHCHECK").size(), name
                        + " is built: its Dockerfile has the health check");
            } else {
                assertFalse(healthcheck(service).isBlank(), name + " has no healthcheck");
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> dependsOn = (Map<String, Map<String, Object>>) earshot.get("depends_on");
        assertEquals(Set.of("mosquitto", "influxdb"), dependsOn.keySet());
        dependsOn.forEach((service, condition) -> assertEquals("service_healthy", condition.get("condition"),
                service));
    }

    @Test
    void theImagesHealthCheckAsksHealthOnTheHttpPort() throws Exception {
        String check = DeployFiles.arguments(dockerfile, "HEALTHCHECK").get(0);
        Matcher port = Pattern.compile("/dev/tcp/127\\.0\\.0\\.1/\\$\\{EARSHOT_HTTP_PORT:-(\\d+)}").matcher(check);
        assertTrue(port.find(), check);
        assertEquals(ServeConfig.Http.DEFAULT_PORT, Integer.parseInt(port.group(1)));
        assertTrue(check.contains("GET /health HTTP/1.0"), check);
        assertEquals(config().http().port(), ServeConfig.Http.DEFAULT_PORT,
                "compose keeps the port the image's check falls back to");
    }

    @Test
    void theImageRunsTheJarThatMavenBuildsWithTheLaunchersSettings() {
        String pom = DeployFiles.read(ROOT.resolve("pom.xml"));
        String finalName = between(pom, "<finalName>", "</finalName>");
        String libDir = between(pom, "<outputDirectory>", "</outputDirectory>").replace("${project.build.directory}",
                "target");
        Set<String> fromTarget = Set.of("target/" + finalName + ".jar", libDir + "/");
        Set<String> copied = new TreeSet<>();
        for (String copy : DeployFiles.arguments(dockerfile, "COPY")) {
            String source = copy.split("\\s+")[0];
            copied.add(source);
            if (source.startsWith("target/")) {
                assertTrue(fromTarget.contains(source), "COPY " + source + " is not what mvn package builds ("
                        + fromTarget + ")");
            } else {
                assertTrue(Files.exists(ROOT.resolve(source)), "COPY " + source + " is not in the repository");
            }
        }
        assertTrue(copied.containsAll(fromTarget) && copied.contains("models/"), "copies " + copied);
        String entrypoint = DeployFiles.arguments(dockerfile, "ENTRYPOINT").get(0);
        assertTrue(DeployFiles.read(ROOT.resolve("earshot")).contains("-Dai.djl.offline=true")
                && entrypoint.contains("-Dai.djl.offline=true"), "offline as the launcher is: " + entrypoint);
        assertTrue(entrypoint.contains("$" + JAVA_OPTS), "JVM options as the launcher takes them");
        assertTrue(entrypoint.contains("-jar /opt/earshot/" + finalName + ".jar"), entrypoint);
        assertTrue(DeployFiles.arguments(dockerfile, "FROM").get(0).startsWith("eclipse-temurin:17-jre"));
        String user = DeployFiles.arguments(dockerfile, "USER").get(0);
        assertFalse(user.equals("root") || user.equals("0"), "runs as an unprivileged user");
    }

    @Test
    void dockerignoreSendsTheJarAndModelsButNoSecrets() {
        List<String> rules = DeployFiles.confLines(DeployFiles.DOCKERIGNORE);
        for (String needed : List.of("target/earshot.jar", "target/lib/vertx-core-5.0.7.jar",
                "target/lib/onnxruntime-1.21.1.jar", "models/earshot-v2/model.onnx",
                "models/earshot-v2/manifest.json")) {
            assertTrue(included(rules, needed), needed + " is left out of the build context");
        }
        for (String secret : List.of("data/sensors.json", "data/keys/journal-ed25519.pem", ".env",
                "deploy/mosquitto/passwords", "target/lib/pytorch-native-cpu-2.7.1-linux-x86_64.jar", "src/main")) {
            assertFalse(included(rules, secret), secret + " would be sent to the Docker build");
        }
    }

    @Test
    void mosquittoRefusesAnonymousClientsAndReadsItsFilesFromTheMountedDirectory() {
        Map<String, List<String>> conf = DeployFiles.mosquittoConf();
        assertEquals(List.of("false"), conf.get("allow_anonymous"));
        Volume mount = DeployFiles.volumes(DeployFiles.service(compose, "mosquitto")).stream()
                .filter(v -> ROOT.resolve(v.source()).normalize().equals(DeployFiles.MOSQUITTO_DIR)).findFirst()
                .orElseThrow(() -> new AssertionError("deploy/mosquitto is not mounted"));
        assertTrue(mount.readOnly(), "the broker cannot change its own users");
        for (String option : List.of("password_file", "acl_file")) {
            assertEquals(1, conf.getOrDefault(option, List.of()).size(), option);
            Path inContainer = Path.of(conf.get(option).get(0));
            assertTrue(inContainer.startsWith(mount.target()), option + " " + inContainer + " is outside "
                    + mount.target());
            String onHost = "deploy/mosquitto/" + Path.of(mount.target()).relativize(inContainer);
            if (option.equals("acl_file")) {
                assertTrue(Files.isRegularFile(ROOT.resolve(onHost)), onHost);
            } else {
                assertTrue(DeployFiles.read(ROOT.resolve(".gitignore")).lines()
                        .anyMatch(l -> l.strip().equals("/" + onHost)), "/" + onHost + " is git-ignored");
                assertTrue(DeployFiles.read(DeployFiles.SETUP).contains("passwords=" + onHost),
                        "deploy/setup.sh writes " + onHost);
            }
        }
        assertEquals(List.of("true"), conf.get("use_username_as_clientid"), "no sensor takes over another's session");
    }

    @Test
    void theAclLetsTheServiceDoWhatItDoesAndSensorsOnlyTheirOwnTopics() throws Exception {
        MosquittoAcl acl = new MosquittoAcl(DeployFiles.confLines(DeployFiles.MOSQUITTO_ACL));
        String service = config().broker().username();
        assertTrue(acl.mayRead(service, Topics.ALL_AUDIO), "the service subscribes to " + Topics.ALL_AUDIO);
        assertTrue(acl.mayRead(service, Topics.ALL_STATUS), "the service subscribes to " + Topics.ALL_STATUS);
        for (String label : org.earshot.detect.Labels.CLASSES) {
            assertTrue(acl.mayWrite(service, Topics.detection("s1", label)), Topics.detection("s1", label));
            assertTrue(acl.mayWrite(service, Topics.alert("s1", label)), Topics.alert("s1", label));
        }
        assertTrue(acl.mayWrite(service, Topics.levels("s1")));
        assertFalse(acl.mayWrite(service, Topics.audio("s1")), "the service sends no audio");
        assertTrue(acl.mayWrite(service, Topics.CHECKPOINT), "the service publishes its newest checkpoint");
        assertTrue(acl.mayRead("auditor", Topics.CHECKPOINT), "any account may keep the newest checkpoint");
        assertFalse(acl.mayWrite("s1", Topics.CHECKPOINT), "a sensor forging checkpoints");

        assertTrue(acl.mayWrite("s1", Topics.audio("s1")));
        assertTrue(acl.mayWrite("s1", Topics.status("s1")));
        assertTrue(acl.mayRead("s1", Topics.errors("s1")));
        assertFalse(acl.mayWrite("s1", Topics.audio("s2")), "a sensor publishing as another");
        assertFalse(acl.mayWrite("s1", Topics.detection("s1", "shout")), "a sensor forging detections");
        assertFalse(acl.mayRead("s1", Topics.ALL_AUDIO), "a sensor listening to others' audio");
    }

    @Test
    void theAclReaderIsNotFooledByNearMisses() {
        assertTrue(MosquittoAcl.covers("a/+/c", "a/+/c"));
        assertTrue(MosquittoAcl.covers("a/#", "a/b/c"));
        assertFalse(MosquittoAcl.covers("a/+/c", "a/#"));
        assertFalse(MosquittoAcl.covers("a/b", "a/b/c"));
        MosquittoAcl acl = new MosquittoAcl(List.of("user x", "topic read a/#", "topic deny a/secret"));
        assertTrue(acl.mayRead("x", "a/b"));
        assertFalse(acl.mayWrite("x", "a/b"));
        assertFalse(acl.mayRead("x", "a/secret"));
        assertFalse(acl.mayRead("y", "a/b"));
    }

    // --- Cluster mode (profile "cluster") ---------------------------------------------------------------------

    @Test
    void theClusterProfileAddsItsServicesAndLeavesTheDefaultOnesAlone() {
        Set<String> cluster = new TreeSet<>(KAFKA_SERVICES);
        cluster.addAll(CLUSTER_NODES);
        cluster.add(JOURNAL_WRITER);
        cluster.add(HAPROXY);
        assertEquals(cluster, servicesOfProfile(CLUSTER));
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Set<String> profiled = new TreeSet<>(services.keySet());
        profiled.removeAll(SERVICES);
        assertEquals(cluster, profiled, "no service of another profile");
        for (String name : SERVICES) {
            Map<String, Object> service = DeployFiles.service(compose, name);
            Object dependsOn = service.get("depends_on");
            if (dependsOn instanceof Map<?, ?> m) {
                assertTrue(SERVICES.containsAll(m.keySet()), name + " depends on a cluster service: " + m.keySet());
            }
        }
        assertTrue(earshotEnvironment().keySet().stream().noneMatch(k -> k.startsWith("EARSHOT_CLUSTER_")),
                "the default earshot is one node");
        // Both profiles may run at once (`--profile cluster` starts the default services too): no host port twice.
        List<Integer> hostPorts = services.keySet().stream().flatMap(n -> DeployFiles.ports(DeployFiles.service(
                compose, n)).stream()).map(Port::host).toList();
        assertEquals(Set.copyOf(hostPorts).size(), hostPorts.size(), "a host port published twice: " + hostPorts);
    }

    /** What a cluster-mode Earshot container's process sees: the Dockerfile's ENV, then compose's environment. */
    Map<String, String> environmentOf(String service) {
        Map<String, String> env = new LinkedHashMap<>(DeployFiles.dockerEnv(dockerfile));
        env.putAll(DeployFiles.environment(DeployFiles.service(compose, service), SECRET));
        Set<String> keys = Set.copyOf(ServeConfig.environmentVariables());
        for (String name : env.keySet()) {
            if (name.startsWith("EARSHOT_") && !name.equals(JAVA_OPTS)) {
                assertTrue(keys.contains(name), service + ": " + name + " is not a configuration key");
            }
        }
        return env;
    }

    ServeConfig configOf(String service) throws Exception {
        return ServeConfig.load(Optional.empty(), environmentOf(service));
    }

    /** The Kafka brokers' {@code host:port}, from their advertised listeners. */
    Set<String> kafkaBrokers() {
        Set<String> brokers = new TreeSet<>();
        for (String name : KAFKA_SERVICES) {
            String advertised = DeployFiles.environment(DeployFiles.service(compose, name), SECRET)
                    .get("KAFKA_ADVERTISED_LISTENERS");
            assertEquals("PLAINTEXT://" + name + ":9092", advertised, name);
            brokers.add(name + ":9092");
        }
        return brokers;
    }

    @Test
    void theNodesAreClusterModeServeWithTheEmbeddedEndpointEachWithItsOwnDataAndTheSharedSensors()
            throws Exception {
        Set<String> nodeIds = new TreeSet<>();
        for (String name : CLUSTER_NODES) {
            Map<String, Object> service = DeployFiles.service(compose, name);
            assertEquals(List.of("serve"), service.get("command"), name);
            assertEquals(".", String.valueOf(service.get("build")), name + " is this repository's image");
            ServeConfig config = configOf(name);
            assertEquals(ServeConfig.Mode.EMBEDDED, config.ingest().mode(), name + ": sensors connect to the node");
            assertTrue(config.cluster().enabled(), name + " is in cluster mode");
            assertEquals(name, config.cluster().nodeId(), "each node is named after its service");
            nodeIds.add(config.cluster().nodeId());
            assertEquals(kafkaBrokers(), Set.of(config.cluster().bootstrapServers().split(",")), name);
            assertEquals(configOf(JOURNAL_WRITER).cluster().recordsTopic(), config.cluster().recordsTopic(),
                    name + " sends to the topic the writer reads");
            // Levels and sensor health to the InfluxDB the writer sends detections to (a node journals none).
            assertEquals(configOf(JOURNAL_WRITER).influx().url(), config.influx().url(), name);
            assertEquals(configOf(JOURNAL_WRITER).influx().database(), config.influx().database(), name);
            List<Volume> volumes = DeployFiles.volumes(service);
            assertEquals(List.of(new Volume("./data/cluster/" + name, config.dataDir().toString(), false)),
                    volumes.stream().filter(v -> v.target().equals(config.dataDir().toString())).toList(),
                    name + ": its own data folder at data_dir");
            Volume shared = volumes.stream().filter(v -> v.source().equals("./data")).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " does not mount ./data for the sensors file"));
            assertTrue(shared.readOnly(), name + " only reads ./data");
            assertEquals(Path.of(shared.target(), "sensors.json"), config.sensorsFile(),
                    "the sensors of data/sensors.json, which deploy/setup.sh writes");
            assertEquals(Path.of(shared.target(), "api-keys.json"), config.apiKeysFile(), name);
            assertTrue(DeployFiles.ports(service).isEmpty(), name + " is reached through HAProxy only");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> dependsOn = (Map<String, Map<String, Object>>) service.get("depends_on");
            Set<String> dependencies = new TreeSet<>(KAFKA_SERVICES);
            dependencies.add("influxdb");
            assertEquals(dependencies, dependsOn.keySet(), name);
        }
        assertEquals(CLUSTER_NODES.size(), nodeIds.size(), "every node needs its own node id");
        assertFalse(nodeIds.contains(configOf(JOURNAL_WRITER).cluster().nodeId()));
    }

    @Test
    void theJournalWriterRunsItsCommandOnItsOwnJournalAndFeedsInflux() throws Exception {
        Map<String, Object> writer = DeployFiles.service(compose, JOURNAL_WRITER);
        @SuppressWarnings("unchecked")
        List<String> command = (List<String>) writer.get("command");
        assertEquals(List.of(JOURNAL_WRITER), command);
        Set<String> commands = new picocli.CommandLine(new org.earshot.cli.Earshot()).getSubcommands().keySet();
        assertTrue(commands.contains(command.get(0)) && commands.contains("serve"), "earshot commands " + commands);
        ServeConfig config = configOf(JOURNAL_WRITER);
        assertTrue(config.cluster().enabled(), "journal-writer needs cluster mode");
        assertEquals(kafkaBrokers(), Set.of(config.cluster().bootstrapServers().split(",")));
        assertEquals(Path.of("/shared/sensors.json"), config.sensorsFile(), "the nodes' sensors");
        assertEquals(List.of(new Volume("./data/cluster/" + JOURNAL_WRITER, config.dataDir().toString(), false)),
                DeployFiles.volumes(writer).stream().filter(v -> v.target().equals(config.dataDir().toString()))
                        .toList(), "the journal's folder");
        assertTrue(config.journalDir().startsWith(config.dataDir()) && config.journalKeyFile().startsWith(
                config.dataDir()), "the journal and its signing key are in the writer's folder");
        assertEquals("influxdb", URI.create(config.influx().url()).getHost());
        assertEquals(configOf(CLUSTER_NODES.get(0)).cluster().writerGroup(), config.cluster().writerGroup());
        // The writer serves /health and the query API on its HTTP port: the image's health check (no override),
        // and the port published for auditors, with the API keys the nodes read.
        assertEquals("", healthcheck(writer), "the image's check asks /health on the writer's http.port");
        assertEquals(8080, config.http().port());
        assertTrue(DeployFiles.read(ROOT.resolve("Dockerfile")).contains("${EARSHOT_HTTP_PORT:-8080}") && DeployFiles.read(ROOT.resolve("Dockerfile")).contains("GET /health"));
        assertEquals(configOf(CLUSTER_NODES.get(0)).apiKeysFile(), config.apiKeysFile());
        assertTrue(String.valueOf(writer.get("ports")).contains(":" + config.http().port()), "no port for auditors: "
                + writer.get("ports"));
    }

    @Test
    void kafkaIsThreeKraftNodesOfTheTestBrokersVersionAndSettingsWithTheClusterDefaults() throws Exception {
        String kafkaVersion = between(DeployFiles.read(ROOT.resolve("scripts/kafka/pom.xml")), "<kafka.version>",
                "</kafka.version>");
        String pom = DeployFiles.read(ROOT.resolve("pom.xml"));
        String clients = pom.substring(pom.indexOf("<artifactId>kafka-clients</artifactId>"));
        assertEquals(kafkaVersion, between(clients, "<version>", "</version>"), "clients and brokers of one version");
        Map<String, String> testBroker = new LinkedHashMap<>();
        for (String line : DeployFiles.confLines(ROOT.resolve("scripts/kafka/server.properties"))) {
            int eq = line.indexOf('=');
            testBroker.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        String voters = null;
        Set<String> clusterIds = new TreeSet<>();
        Set<String> nodeIds = new TreeSet<>();
        for (int i = 0; i < KAFKA_SERVICES.size(); i++) {
            String name = KAFKA_SERVICES.get(i);
            Map<String, Object> service = DeployFiles.service(compose, name);
            assertEquals("apache/kafka:" + kafkaVersion, image(service), name
                    + ": the version of scripts/kafka/pom.xml");
            Map<String, String> env = DeployFiles.environment(service, SECRET);
            nodeIds.add(env.get("KAFKA_NODE_ID"));
            clusterIds.add(env.get("CLUSTER_ID"));
            voters = voters == null ? env.get("KAFKA_CONTROLLER_QUORUM_VOTERS") : voters;
            assertEquals(voters, env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"), name + ": one quorum");
            assertTrue(voters.contains(env.get("KAFKA_NODE_ID") + "@" + name + ":9093"), name + " votes: " + voters);
            assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES"), name);
            for (Map.Entry<String, String> p : testBroker.entrySet()) {
                if (!KAFKA_PER_NODE.contains(p.getKey())) {
                    String variable = "KAFKA_" + p.getKey().toUpperCase(java.util.Locale.ROOT).replace('.', '_');
                    assertEquals(p.getValue(), env.get(variable), name + ": " + variable + " as " + p.getKey()
                            + " in scripts/kafka/server.properties");
                }
            }
            assertTrue(env.get("KAFKA_LISTENERS").contains("PLAINTEXT://:9092"), name);
            List<Volume> data = DeployFiles.volumes(service).stream()
                    .filter(v -> v.target().equals(env.get("KAFKA_LOG_DIRS"))).toList();
            assertEquals(1, data.size(), name + ": log.dirs in a volume");
            assertEquals(name + "-data", data.get(0).source(), name + ": its own volume");
            assertTrue(healthcheck(service).contains("localhost:9092"), healthcheck(service));
        }
        assertEquals(Set.of("1", "2", "3"), nodeIds);
        assertEquals(1, clusterIds.size(), "one cluster id: " + clusterIds);
        org.apache.kafka.common.Uuid.fromString(clusterIds.iterator().next());
        assertEquals(KAFKA_SERVICES.size(), voters.split(",").length, voters);

        // What the nodes create the records topic with holds on these brokers: a copy on every broker, and one may
        // be down while records are still acknowledged.
        ServeConfig.Cluster node = configOf(CLUSTER_NODES.get(0)).cluster();
        assertEquals(ServeConfig.Cluster.DEFAULT_REPLICATION_FACTOR, node.replicationFactor());
        assertEquals(ServeConfig.Cluster.DEFAULT_MIN_INSYNC_REPLICAS, node.minInsyncReplicas());
        assertTrue(node.replicationFactor() <= KAFKA_SERVICES.size(), "replication factor over the brokers");
        assertTrue(node.minInsyncReplicas() < node.replicationFactor(), "no broker could die");
        assertEquals(String.valueOf(node.replicationFactor()), testBroker.get("default.replication.factor"));
        assertEquals(String.valueOf(node.minInsyncReplicas()), testBroker.get("min.insync.replicas"));
        assertEquals("false", testBroker.get("auto.create.topics.enable"), "only Earshot creates its topic");
    }

    /** The NODE arguments of scripts/haproxy-cluster.sh for the compose nodes, from their configured ports. */
    List<String> haproxyNodes() throws Exception {
        List<String> nodes = new java.util.ArrayList<>();
        for (String name : CLUSTER_NODES) {
            ServeConfig c = configOf(name);
            nodes.add(name + "=" + name + ":" + c.mqtt().port() + ":" + c.websocket().port() + ":" + c.http().port());
        }
        return nodes;
    }

    @Test
    void haproxyCfgIsWhatTheScriptWritesForTheComposeNodesAndPortsAndHaproxyPublishesThem() throws Exception {
        Map<String, Object> haproxy = DeployFiles.service(compose, HAPROXY);
        assertTrue(image(haproxy).equals("haproxy:2.6"), image(haproxy));
        assertEquals(List.of(new Volume("./deploy/haproxy/haproxy.cfg", HAPROXY_CFG_IN_IMAGE, true)),
                DeployFiles.volumes(haproxy));
        List<Port> ports = DeployFiles.ports(haproxy);
        assertEquals(3, ports.size(), "MQTT, WebSocket and HTTP: " + ports);
        for (Port p : ports) {
            assertEquals(p.container(), p.host(), "docs/DEPLOYMENT.md names the same port on the host: " + p);
        }
        List<String> command = new java.util.ArrayList<>(List.of("bash", "scripts/haproxy-cluster.sh", "config"));
        command.addAll(HAPROXY_OPTIONS);
        ports.forEach(p -> command.add(String.valueOf(p.container())));
        command.addAll(haproxyNodes());
        Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), printed);
        assertEquals(printed, DeployFiles.read(HAPROXY_CFG), "deploy/haproxy/haproxy.cfg is not what `"
                + String.join(" ", command.subList(1, command.size())) + "` prints: write it again with that");
        // Each frontend on its port, each backend with every node's port of that kind.
        String cfg = DeployFiles.read(HAPROXY_CFG);
        List<String> frontends = List.of("mqtt", "websocket", "api");
        for (int i = 0; i < 3; i++) {
            assertTrue(cfg.contains("frontend " + frontends.get(i) + "\n    # ") && cfg.contains("bind 0.0.0.0:"
                    + ports.get(i).container() + "\n"), frontends.get(i) + " on " + ports.get(i));
        }
        for (String name : CLUSTER_NODES) {
            ServeConfig c = configOf(name);
            for (int port : List.of(c.mqtt().port(), c.websocket().port(), c.http().port())) {
                assertTrue(cfg.contains("    server " + name + " " + name + ":" + port
                        + " check inter 1s fall 2 rise 2"),
                        name + ":" + port + " is not a server of haproxy.cfg");
            }
        }
        @SuppressWarnings("unchecked")
        List<String> dependsOn = (List<String>) haproxy.get("depends_on");
        assertEquals(CLUSTER_NODES, dependsOn);
        assertTrue(healthcheck(haproxy).contains("/dev/tcp/127.0.0.1/" + ports.get(0).container()),
                healthcheck(haproxy));
    }

    /** The real HAProxy 2.6 of Debian accepts the file (the nodes' names need not resolve here). */
    @Test
    @org.earshot.testing.RequiresServers(org.earshot.testing.Server.HAPROXY)
    void haproxyAcceptsHaproxyCfg() throws Exception {
        Process process = new ProcessBuilder(org.earshot.testing.Haproxy.binary().toString(), "-c", "-f",
                HAPROXY_CFG.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("Configuration file is valid"), output);
    }

    /** .dockerignore's rules as Docker applies them: the last rule matching the path or a parent decides. */
    static boolean included(List<String> rules, String path) {
        boolean included = true;
        for (String rule : rules) {
            boolean negated = rule.startsWith("!");
            String pattern = (negated ? rule.substring(1) : rule).replaceAll("/+$", "");
            java.nio.file.PathMatcher matcher = ROOT.getFileSystem().getPathMatcher("glob:" + pattern);
            for (Path p = Path.of(path); p != null; p = p.getParent()) {
                if (matcher.matches(p)) {
                    included = negated;
                    break;
                }
            }
        }
        return included;
    }

    @Test
    void theDockerignoreReaderFollowsDockersOrder() {
        List<String> rules = List.of("*", "!target/lib/", "target/lib/pytorch-*");
        assertTrue(included(rules, "target/lib/a.jar"));
        assertFalse(included(rules, "target/lib/pytorch-x.jar"));
        assertFalse(included(rules, "target/classes/A.class"));
    }

    private static String healthcheck(Map<String, Object> service) {
        Object check = service.get("healthcheck");
        return check instanceof Map<?, ?> m ? String.valueOf(m.get("test")) : "";
    }

    private static String image(Map<String, Object> service) {
        return String.valueOf(service.get("image"));
    }

    private static String between(String text, String open, String close) {
        int start = text.indexOf(open);
        assertTrue(start >= 0, open);
        return text.substring(start + open.length(), text.indexOf(close, start)).strip();
    }
}
