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
 * ACL against the topics of {@link Topics}, and a health check for every service. Nothing here needs Docker; the
 * password file and the ACL are tried on a real Mosquitto by {@link DeployBrokerIT}.
 */
class ComposeConsistencyTest {
    static final String SECRET = "placeholder-secret";
    static final Set<String> SERVICES = Set.of("influxdb", "mosquitto", "grafana", "earshot");
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
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertEquals(SERVICES, services.keySet());
        assertEquals(".", String.valueOf(earshot.get("build")), "earshot is built from this repository's Dockerfile");
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
                if (relative.equals("data")) {
                    // Journal, keys and secrets: never in git, made by setup.sh before the first start.
                    assertTrue(gitignore.lines().anyMatch(l -> l.strip().equals("/data/")), ".gitignore /data/");
                    assertTrue(setup.contains("mkdir -p data"), "deploy/setup.sh creates data/");
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
