package org.earshot.deploy;

import org.earshot.testing.RequiresServers;
import org.earshot.testing.Server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttSubAckMessage;
import org.earshot.config.MosquittoPasswords;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.ingest.Topics;
import org.earshot.sensor.Credentials;
import org.earshot.testing.MosquittoBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/setup.sh and the broker it prepares, on a real Mosquitto: setup.sh (running {@code earshot} from this
 * class path) writes the sensors file, .env and a password file made by {@code earshot mosquitto-passwords}; a
 * broker with that password file, deploy/mosquitto/acl and the rest of deploy/mosquitto/mosquitto.conf then lets the
 * service user and the sensor in, refuses wrong passwords and anonymous clients, carries a sensor's audio to the
 * service and not a frame forged for another sensor. Adding a sensor and rotating the service password work the
 * same way. (The compose file itself needs Docker; {@link ComposeConsistencyTest} checks it against the code.)
 */
@RequiresServers({Server.MOSQUITTO})
class DeployBrokerIT {
    static final long WAIT_SECONDS = 10;
    /** mosquitto.conf options the test broker sets itself (its own port, files, log) or that need the container. */
    static final List<String> SET_BY_TEST = List.of("listener", "persistence", "log_dest", "log_timestamp_format",
            "allow_anonymous", "password_file", "acl_file", "user");

    @TempDir
    Path repo;
    Vertx vertx;
    final List<MqttClient> clients = new ArrayList<>();

    @BeforeEach
    void copyDeployment() throws IOException {
        vertx = Vertx.vertx();
        Files.createDirectories(repo.resolve("deploy/mosquitto"));
        for (String file : List.of("deploy/setup.sh", "deploy/mosquitto/mosquitto.conf", "deploy/mosquitto/acl")) {
            Files.copy(DeployFiles.ROOT.resolve(file), repo.resolve(file));
        }
    }

    @AfterEach
    void close() throws Exception {
        for (MqttClient c : clients) {
            if (c.isConnected()) {
                await(c.disconnect());
            }
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void setupMakesAPasswordFileAndSecretsThatTheDeployedBrokerAccepts() throws Exception {
        String firstRun = setup();
        Map<String, String> env = dotEnv();
        String servicePassword = env.get("EARSHOT_BROKER_PASSWORD");
        assertEquals(43, servicePassword.length(), "32 random bytes, base64url");
        assertNotEquals(servicePassword, env.get("GRAFANA_ADMIN_PASSWORD"));
        assertEquals(String.valueOf(uid()), env.get("EARSHOT_UID"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.resolve(".env"))));
        Path passwords = repo.resolve("deploy/mosquitto/passwords");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwords)));
        assertEquals(uid() == 0 ? 1883 : uid(), Files.getAttribute(passwords, "unix:uid"),
                "owned by the user Mosquitto runs as");
        assertEquals(env.get("MOSQUITTO_UID"), String.valueOf(Files.getAttribute(passwords, "unix:uid")));
        for (String secret : List.of(servicePassword, env.get("GRAFANA_ADMIN_PASSWORD"))) {
            assertFalse(firstRun.contains(secret), "setup.sh printed a secret");
        }

        List<SensorRecord> sensors = SensorRegistry.load(repo.resolve("data/sensors.json")).sensors();
        assertEquals(List.of("sensor-1"), sensors.stream().map(SensorRecord::id).toList());
        Credentials sensor = Credentials.read(repo.resolve("data/sensor-1.credentials.csv")).get(0);
        Map<String, String> entries = MosquittoPasswords.read(passwords);
        assertEquals(List.of("sensor-1", "earshot"), List.copyOf(entries.keySet()));
        assertTrue(MosquittoPasswords.matches(entries.get("earshot"), "earshot", servicePassword));
        assertFalse(Files.readString(passwords).contains(sensor.token()), "only hashes in the password file");

        try (MosquittoBroker broker = deployedBroker(passwords)) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            MqttClient service = connect(broker, "earshot", servicePassword);
            service.publishHandler(m -> received.add(m.topicName()));
            BlockingQueue<MqttSubAckMessage> acks = new LinkedBlockingQueue<>();
            service.subscribeCompletionHandler(acks::add);
            for (String filter : List.of(Topics.ALL_AUDIO, Topics.ALL_STATUS)) {
                await(service.subscribe(filter, 1));
                MqttSubAckMessage ack = acks.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(List.of(1), ack.grantedQoSLevels(), "the service may subscribe to " + filter);
            }

            MqttClient pole = connect(broker, sensor.sensorId(), sensor.token());
            await(pole.publish(Topics.audio("sensor-2"), Buffer.buffer(new byte[64]), MqttQoS.AT_LEAST_ONCE, false,
                    false));
            await(pole.publish(Topics.audio(sensor.sensorId()), Buffer.buffer(new byte[64]), MqttQoS.AT_LEAST_ONCE,
                    false, false));
            assertEquals(Topics.audio(sensor.sensorId()), received.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertNull(received.poll(), "a frame forged for sensor-2 reached the service");

            assertFalse(connects(broker, "earshot", servicePassword + "x"), "a wrong password");
            assertFalse(connects(broker, sensor.sensorId(), servicePassword), "another user's password");
            assertFalse(connects(broker, null, null), "an anonymous client");
        }

        byte[] before = Files.readAllBytes(passwords);
        String envBefore = Files.readString(repo.resolve(".env"));
        setup();
        assertEquals(envBefore, Files.readString(repo.resolve(".env")), "a second run keeps the secrets");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(passwords)), "and the password file");
    }

    @Test
    void addingASensorAndRotatingTheServicePasswordTakeEffectAtTheBroker() throws Exception {
        setup();
        String oldPassword = dotEnv().get("EARSHOT_BROKER_PASSWORD");
        setup("add-sensor", "pole-12", "--location", "Main St / 5th Ave");
        setup("rotate-service-password");
        String newPassword = dotEnv().get("EARSHOT_BROKER_PASSWORD");
        assertNotEquals(oldPassword, newPassword);

        assertEquals(List.of("sensor-1", "pole-12"), SensorRegistry.load(repo.resolve("data/sensors.json")).sensors()
                .stream().map(SensorRecord::id).toList());
        Credentials pole = Credentials.read(repo.resolve("data/pole-12.credentials.csv")).get(0);
        Credentials first = Credentials.read(repo.resolve("data/sensor-1.credentials.csv")).get(0);
        try (MosquittoBroker broker = deployedBroker(repo.resolve("deploy/mosquitto/passwords"))) {
            assertTrue(connects(broker, "pole-12", pole.token()), "the added sensor");
            assertTrue(connects(broker, "sensor-1", first.token()), "the first sensor is kept");
            assertTrue(connects(broker, "earshot", newPassword), "the new service password");
            assertFalse(connects(broker, "earshot", oldPassword), "the old service password");
        }
    }

    /**
     * Sensors registered before setup.sh runs (issue 15, item 7): each enabled one whose token is in
     * data/ID.credentials.csv gets a broker password; the others are named, one by one, and the last line says
     * "ready, EXCEPT" with their ids instead of "ready"; add-credentials with their CSV covers them; a disabled sensor
     * gets none, and a CSV naming a sensor the service does not know changes nothing.
     */
    @Test
    void everyRegisteredSensorGetsABrokerPasswordOrIsNamed() throws Exception {
        Path sensorsFile = repo.resolve("data/sensors.json");
        Files.createDirectories(repo.resolve("data"));
        for (String[] add : List.of(
                new String[] {"--id", "sensor-1", "--credentials-out", "data/sensor-1.credentials.csv"},
                new String[] {"--id", "pole-a", "--credentials-out", "data/pole-a.credentials.csv"},
                new String[] {"--prefix", "pole-", "--count", "2", "--credentials-out", "batch.csv"},
                new String[] {"--id", "retired", "--credentials-out", "data/retired.credentials.csv"})) {
            List<String> args = new ArrayList<>(List.of("sensors", "add", "--file", sensorsFile.toString()));
            for (String a : add) {
                args.add(a.endsWith(".csv") ? repo.resolve(a).toString() : a);
            }
            org.earshot.cli.CliRunner.Run run = org.earshot.cli.CliRunner.run(args.toArray(String[]::new));
            assertEquals(0, run.exitCode(), run.err());
        }
        List<SensorRecord> registered = new ArrayList<>(SensorRegistry.load(sensorsFile).sensors());
        registered.replaceAll(r -> r.id().equals("retired") ? new SensorRecord(r.id(), r.tokenSha256(), r.location(),
                r.purpose(), r.calibrationOffsetDb(), r.classes(), false, r.latitude(), r.longitude()) : r);
        SensorRegistry.write(sensorsFile, registered);

        String first = setup();
        Path passwords = repo.resolve("deploy/mosquitto/passwords");
        assertEquals(java.util.Set.of("sensor-1", "pole-a", "earshot"), MosquittoPasswords.read(passwords).keySet());
        for (String refused : List.of("pole-0001", "pole-0002")) {
            assertTrue(first.contains("sensor " + refused + " is in data/sensors.json but has no broker password: the"
                    + " broker will refuse it"), first);
        }
        assertTrue(first.contains("ready, EXCEPT 2 sensor(s) the broker will refuse (see above): pole-0001"
                + " pole-0002."), first);
        assertFalse(first.contains("retired"), "a disabled sensor is not given a password:\n" + first);

        Path stranger = repo.resolve("stranger.csv");
        Files.writeString(stranger, "sensor,token\nnot-registered," + SensorRegistry.newToken() + "\n");
        assertEquals(2, setupExit("add-credentials", stranger.toString()), "a CSV of an unknown sensor");
        assertFalse(MosquittoPasswords.read(passwords).containsKey("not-registered"));

        String covered = setup("add-credentials", repo.resolve("batch.csv").toString());
        assertTrue(covered.contains("ready: every enabled sensor of data/sensors.json has a broker password."),
                covered);
        assertTrue(setup().contains("ready: every enabled sensor"), "a later run says so too");
        try (MosquittoBroker broker = deployedBroker(passwords)) {
            for (String csv : List.of("data/sensor-1.credentials.csv", "data/pole-a.credentials.csv", "batch.csv")) {
                for (Credentials c : Credentials.read(repo.resolve(csv))) {
                    assertTrue(connects(broker, c.sensorId(), c.token()), c.sensorId() + " is let in");
                }
            }
            Credentials retired = Credentials.read(repo.resolve("data/retired.credentials.csv")).get(0);
            assertFalse(connects(broker, retired.sensorId(), retired.token()), "the disabled sensor");
        }
    }

    /** A broker as docker-compose.yml runs it, on a free loopback port: the deployed ACL and options. */
    private MosquittoBroker deployedBroker(Path passwords) throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : DeployFiles.confLines(repo.resolve("deploy/mosquitto/mosquitto.conf"))) {
            if (!SET_BY_TEST.contains(line.split("\\s+")[0])) {
                options.add(line);
            }
        }
        assertTrue(options.contains("use_username_as_clientid true"), "" + options);
        return MosquittoBroker.start(repo.resolve("broker"), MosquittoBroker.Options.defaults()
                .withPasswordFile(passwords)
                .withAcl(DeployFiles.confLines(repo.resolve("deploy/mosquitto/acl")).toArray(String[]::new))
                .withConfig(options.toArray(String[]::new)));
    }

    private MqttClient connect(MosquittoBroker broker, String user, String password) throws Exception {
        MqttClientOptions options = new MqttClientOptions().setClientId("test-" + clients.size())
                .setMaxMessageSize(65536);
        if (user != null) {
            options.setUsername(user).setPassword(password);
        }
        MqttClient client = MqttClient.create(vertx, options);
        clients.add(client);
        await(client.connect(broker.port(), broker.host()));
        return client;
    }

    private boolean connects(MosquittoBroker broker, String user, String password) throws Exception {
        try {
            connect(broker, user, password);
            return true;
        } catch (java.util.concurrent.ExecutionException refused) {
            return false;
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Runs the copied deploy/setup.sh with earshot from this JVM's class path; returns its output. */
    private String setup(String... args) throws Exception {
        return run(0, args);
    }

    /** The exit status of deploy/setup.sh with these arguments. */
    private int setupExit(String... args) throws Exception {
        return Integer.parseInt(run(-1, args).lines().reduce((a, b) -> b).orElseThrow().replace("exit ", ""));
    }

    /** Runs setup.sh; expecting 0, asserts it and returns the output; otherwise appends "exit N". */
    private String run(int expected, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("bash", repo.resolve("deploy/setup.sh").toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(repo, "setup", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("EARSHOT_COMMAND", java + " -Xmx256m -cp " + System.getProperty("java.class.path")
                + " org.earshot.cli.Earshot");
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("deploy/setup.sh did not finish in 3 minutes:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (expected < 0) {
            return output + "\nexit " + process.exitValue();
        }
        assertEquals(expected, process.exitValue(), "deploy/setup.sh " + String.join(" ", args) + ":\n" + output);
        return output;
    }

    private Map<String, String> dotEnv() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(repo.resolve(".env"))) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return env;
    }

    /** The uid this test runs as: the owner of a file it creates. */
    private int uid() throws IOException {
        return (int) Files.getAttribute(Files.createTempFile(repo, "owner", ".tmp"), "unix:uid");
    }
}
