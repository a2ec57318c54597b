package org.earshot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.earshot.config.ServeConfig.Broker;
import org.earshot.config.ServeConfig.Ingest;
import org.earshot.config.ServeConfig.Mode;
import org.earshot.config.ServeConfig.Mqtt;
import org.earshot.config.ServeConfig.Pipeline;
import org.earshot.config.ServeConfig.Tls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

class ServeConfigTest {
    /** The example of the brief and of docs/CONFIGURATION.md. */
    static final String EXAMPLE = """
            {
              "data_dir": "data",
              "model": null,
              "sensors_file": null,
              "ingest": {"mode": "embedded", "max_frame_bytes": 262144, "queue_seconds": 2.0, "reorder_frames": 8,
                         "idle_flush_seconds": 5.0},
              "mqtt": {"host": "0.0.0.0", "port": 1883, "tls": false},
              "broker": {"host": "localhost", "port": 1883, "username": "earshot", "password": null,
                         "client_id": "earshot", "tls": false, "reconnect_seconds": 2.0},
              "websocket": {"enabled": true, "host": "0.0.0.0", "port": 8081, "tls": false},
              "http": {"host": "0.0.0.0", "port": 8080, "tls": false},
              "tls": {"keystore": null, "keystore_password": null},
              "pipeline": {"workers": 8, "inference_threads": 2, "max_batch": 32},
              "outputs": {"publish_levels": true}
            }
            """;
    private static final String KEYSTORE_PASSWORD = "ks-pass-4711";

    @TempDir
    Path tmp;

    private Path file(String json) throws Exception {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, json);
        return file;
    }

    private ServeConfig load(String json) throws Exception {
        return ServeConfig.load(Optional.of(file(json)), Map.of());
    }

    private String error(String json) throws Exception {
        Path file = file(json);
        return assertThrows(ConfigException.class, () -> ServeConfig.load(Optional.of(file), Map.of())).getMessage();
    }

    private static String envError(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ServeConfig.load(Optional.empty(), env)).getMessage();
    }

    private Path keystore(String password) throws Exception {
        Path file = Files.createTempFile(tmp, "keystore", ".p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    @Test
    void theExampleFileIsTheDefaults() throws Exception {
        ServeConfig config = load(EXAMPLE);
        assertEquals(ServeConfig.defaults(), config);
        assertEquals(Path.of("data", "sensors.json"), config.sensorsFile());
        assertEquals(Mode.EMBEDDED, config.ingest().mode());
        assertEquals(1883, config.mqtt().port());
        assertEquals(8081, config.websocket().port());
        assertNull(config.broker().password());
    }

    @Test
    void noFileAndNoEnvironmentGiveTheDefaults() throws Exception {
        assertEquals(ServeConfig.defaults(), ServeConfig.load(Optional.empty(), Map.of()));
        assertEquals(ServeConfig.defaults(), load("{}"));
    }

    @Test
    void theTableDefaultsAreTheRecordDefaults() {
        ServeConfig defaults = ServeConfig.defaults();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key == ConfigKeys.SENSORS_FILE) {
                assertNull(key.defaultValue());
                assertEquals(defaults.dataDir().resolve(ServeConfig.SENSORS_FILE_NAME), defaults.sensorsFile());
            } else {
                assertEquals(key.defaultValue(), key.get().apply(defaults), key.name());
            }
        }
    }

    @Test
    void missingKeysOfAPartialFileComeFromTheDefaults() throws Exception {
        ServeConfig config = load("""
                {"ingest": {"mode": "broker", "queue_seconds": 0.5}, "broker": {"host": "mq.example", "tls": false},
                 "pipeline": {"workers": 3}}""");
        assertEquals(Mode.BROKER, config.ingest().mode());
        assertEquals(0.5, config.ingest().queueSeconds());
        assertEquals(Ingest.DEFAULT_MAX_FRAME_BYTES, config.ingest().maxFrameBytes());
        assertEquals("mq.example", config.broker().host());
        assertEquals(Broker.DEFAULT_PORT, config.broker().port());
        assertEquals(3, config.pipeline().workers());
        assertEquals(Pipeline.DEFAULT_MAX_BATCH, config.pipeline().maxBatch());
        assertEquals(ServeConfig.defaults().http(), config.http());
    }

    @Test
    void theSensorsFileFollowsTheDataDirectoryUnlessSet() throws Exception {
        assertEquals(Path.of("/srv/earshot/sensors.json"), load("{\"data_dir\": \"/srv/earshot\"}").sensorsFile());
        assertEquals(Path.of("/etc/earshot/sensors.json"),
                load("{\"data_dir\": \"/srv/earshot\", \"sensors_file\": \"/etc/earshot/sensors.json\"}")
                        .sensorsFile());
        assertEquals(Path.of("/var/lib/earshot/sensors.json"), ServeConfig.load(Optional.of(file(EXAMPLE)),
                Map.of("EARSHOT_DATA_DIR", "/var/lib/earshot")).sensorsFile());
    }

    @Test
    void unknownKeysAreNamedWithTheFileAndTheirFullDottedName() throws Exception {
        assertTrue(error("{\"ingest\": {\"queue_secs\": 1.0}}").endsWith(
                "config.json: unknown key ingest.queue_secs (known here: mode, max_frame_bytes, queue_seconds,"
                        + " reorder_frames, idle_flush_seconds, max_clock_offset_seconds)"));
        assertTrue(error("{\"datadir\": \"x\"}").contains("config.json: unknown key datadir (known here: data_dir,"
                + " model, sensors_file, ingest, mqtt, broker, websocket, http, metrics, tls, pipeline, outputs, journal,"
                + " influx, api, cluster)"));
        assertTrue(error("{\"tls\": {\"truststore\": \"x\"}}").contains("config.json: unknown key tls.truststore"));
    }

    @Test
    void aFlatDottedKeyIsExplained() throws Exception {
        String message = error("{\"ingest.mode\": \"broker\"}");
        assertTrue(message.contains("config.json: key ingest.mode has a dot in its name"), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"mqtt": {"port": "abc"}}                 | mqtt.port must be an integer 0..65535, got "abc"
            {"mqtt": {"port": 80.5}}                  | mqtt.port must be an integer 0..65535, got 80.5
            {"mqtt": {"port": 65536}}                 | mqtt.port must be an integer 0..65535, got 65536
            {"http": {"port": -1}}                    | http.port must be an integer 0..65535, got -1
            {"websocket": {"port": 1e9}}              | websocket.port must be an integer 0..65535, got 1E+9
            {"broker": {"port": null}}                | broker.port must be an integer 0..65535, got null
            {"mqtt": {"tls": "true"}}                 | mqtt.tls must be true or false, got "true"
            {"websocket": {"enabled": 1}}             | websocket.enabled must be true or false, got 1
            {"mqtt": {"host": ""}}                    | mqtt.host must be a non-empty string without control characters, got ""
            {"http": {"host": "a\\nb"}}               | http.host must be a non-empty string without control characters, got "a\\nb"
            {"broker": {"client_id": 7}}              | broker.client_id must be a non-empty string without control characters, got 7
            {"broker": {"username": ""}}              | broker.username must be a non-empty string without control characters, or null, got ""
            {"broker": {"reconnect_seconds": 0}}      | broker.reconnect_seconds must be a number > 0, got 0
            {"ingest": {"mode": "Embedded"}}          | ingest.mode must be one of embedded, broker, got "Embedded"
            {"ingest": {"max_frame_bytes": 63}}       | ingest.max_frame_bytes must be an integer 64..16777216, got 63
            {"ingest": {"max_frame_bytes": 16777217}} | ingest.max_frame_bytes must be an integer 64..16777216, got 16777217
            {"ingest": {"queue_seconds": 0}}          | ingest.queue_seconds must be a number > 0 and <= 60.0, got 0
            {"ingest": {"queue_seconds": 60.5}}       | ingest.queue_seconds must be a number > 0 and <= 60.0, got 60.5
            {"ingest": {"reorder_frames": -1}}        | ingest.reorder_frames must be an integer 0..1000, got -1
            {"ingest": {"reorder_frames": 1001}}      | ingest.reorder_frames must be an integer 0..1000, got 1001
            {"ingest": {"idle_flush_seconds": -5}}    | ingest.idle_flush_seconds must be a number > 0, got -5
            {"influx": {"health_seconds": 0.05}}      | influx.health_seconds must be a number >= 0.1 and <= 3600, got 0.05
            {"pipeline": {"workers": 0}}              | pipeline.workers must be an integer 1..256, got 0
            {"pipeline": {"workers": 257}}            | pipeline.workers must be an integer 1..256, got 257
            {"pipeline": {"inference_threads": 65}}   | pipeline.inference_threads must be an integer 1..64, got 65
            {"pipeline": {"max_batch": 1025}}         | pipeline.max_batch must be an integer 1..1024, got 1025
            {"outputs": {"publish_levels": null}}     | outputs.publish_levels must be true or false, got null
            {"data_dir": ""}                          | data_dir must be a non-empty path without control characters, got ""
            {"model": ["a"]}                          | model must be a non-empty path without control characters, or null, got ["a"]
            {"sensors_file": 3}                       | sensors_file must be a non-empty path without control characters, or null, got 3
            {"mqtt": 5}                               | mqtt must be an object, got a number
            {"pipeline": null}                        | pipeline must be an object, got null
            {"mqtt": {"port": {}}}                    | mqtt.port must be an integer 0..65535, got {}
            """)
    void badValuesInTheFileNameTheFileTheKeyAndTheValue(String json, String expected) throws Exception {
        String message = error(json);
        assertTrue(message.endsWith("config.json: " + expected), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"mqtt": {"port": 0}, "http": {"port": 65535}}
            {"ingest": {"max_frame_bytes": 64, "reorder_frames": 0, "queue_seconds": 60}}
            {"ingest": {"max_frame_bytes": 16777216, "reorder_frames": 1000, "queue_seconds": 0.001}}
            {"pipeline": {"workers": 256, "inference_threads": 64, "max_batch": 1024}}
            {"pipeline": {"workers": 1, "inference_threads": 1, "max_batch": 1}}
            {"mqtt": {"port": 1883.0}}
            {"broker": {"username": null}}
            """)
    void valuesAtTheLimitsAreAccepted(String json) throws Exception {
        load(json);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {                            | malformed JSON
            {"mqtt": {"port": 1883},}    | malformed JSON
            {} {}                        | malformed JSON
            {"mqtt": {}, "mqtt": {}}     | key "mqtt" appears twice
            []                           | must hold a JSON object, got an array
            ''                           | empty file
            """)
    void malformedFilesAreNamed(String text, String expected) throws Exception {
        String message = error(text);
        assertTrue(message.contains("config.json: " + expected), message);
    }

    /** Gson's default parser would take all of these. */
    @Test
    void lenientJsonIsRejected() throws Exception {
        for (String text : new String[] {"// comment\n{}", "{'mqtt': {}}", "{mqtt: {}}", "{\"mqtt\": {\"host\": h}}"}) {
            String message = error(text);
            assertTrue(message.contains("config.json: malformed JSON"), text + " -> " + message);
        }
    }

    /**
     * Found by ServeConfigFuzzTest (its input "z}"): the message was Gson's, on two lines, the first telling the
     * operator to call JsonReader.setStrictness(LENIENT), the second a link to Gson's troubleshooting page. A name
     * written twice was quoted raw, so a line break in it broke the message too.
     */
    @Test
    void malformedJsonIsOneLineInTheOperatorsTerms() throws Exception {
        for (String text : new String[] {"z}", "{\"a\": tru}", "{\"a\": [1,,2]}", "{\"a\u0000b\n\": 1, \"a\u0000b\n\": 2}",
                "{\"x\n\": {\"y\": 1}} 3"}) {
            String message = error(text);
            assertTrue(message.startsWith(tmp.resolve("config.json") + ": "), message);
            assertFalse(message.chars().anyMatch(Character::isISOControl), "one printable line: " + message);
            assertFalse(message.contains("setStrictness") || message.contains("Troubleshooting"), message);
        }
        assertTrue(error("z}").contains("not strict JSON"), error("z}"));
        assertTrue(error("{\"a\\n\": 1, \"a\\n\": 2}").contains("key \"a\\n\" appears twice"),
                error("{\"a\\n\": 1, \"a\\n\": 2}"));
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = tmp.resolve("nope.json");
        String message = assertThrows(ConfigException.class,
                () -> ServeConfig.load(Optional.of(missing), Map.of())).getMessage();
        assertTrue(message.startsWith(missing + ": cannot read"), message);
    }

    @Test
    void environmentVariablesOverrideTheFileWithTheirTypes() throws Exception {
        Path file = file("{\"mqtt\": {\"port\": 1999}, \"ingest\": {\"mode\": \"embedded\"}}");
        ServeConfig config = ServeConfig.load(Optional.of(file), Map.of(
                "EARSHOT_MQTT_PORT", "2883",
                "EARSHOT_INGEST_MODE", "broker",
                "EARSHOT_INGEST_QUEUE_SECONDS", "0.25",
                "EARSHOT_WEBSOCKET_ENABLED", "false",
                "EARSHOT_DATA_DIR", "/var/lib/earshot",
                "EARSHOT_BROKER_PASSWORD", "s3cret-broker",
                "EARSHOT_OUTPUTS_PUBLISH_LEVELS", "false"));
        assertEquals(2883, config.mqtt().port());
        assertEquals(Mode.BROKER, config.ingest().mode());
        assertEquals(0.25, config.ingest().queueSeconds());
        assertFalse(config.websocket().enabled());
        assertEquals(Path.of("/var/lib/earshot"), config.dataDir());
        assertEquals("s3cret-broker", config.broker().password());
        assertFalse(config.outputs().publishLevels());
    }

    @Test
    void otherEarshotVariablesAreNotConfiguration() throws Exception {
        Map<String, String> env = Map.of("EARSHOT_DATASET", "../shared/datasets/train-v1",
                "EARSHOT_JAVA_OPTS", "-Xmx2g", "EARSHOT_SHARED_MODELS", "../shared/models", "EARSHOT_", "x",
                "PATH", "/usr/bin");
        assertEquals(ServeConfig.defaults(), ServeConfig.load(Optional.empty(), env));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            EARSHOT_MQTT_PORT              | abc     | mqtt.port must be an integer 0..65535, got "abc"
            EARSHOT_MQTT_PORT              | 70000   | mqtt.port must be an integer 0..65535, got "70000"
            EARSHOT_MQTT_PORT              | ''      | mqtt.port must be an integer 0..65535, got ""
            EARSHOT_HTTP_PORT              | 80.0    | http.port must be an integer 0..65535, got "80.0"
            EARSHOT_INGEST_MODE            | BROKER  | ingest.mode must be one of embedded, broker, got "BROKER"
            EARSHOT_INGEST_QUEUE_SECONDS   | NaN     | ingest.queue_seconds must be a number > 0 and <= 60.0, got "NaN"
            EARSHOT_INGEST_QUEUE_SECONDS   | 2d      | ingest.queue_seconds must be a number > 0 and <= 60.0, got "2d"
            EARSHOT_INGEST_QUEUE_SECONDS   | 61      | ingest.queue_seconds must be a number > 0 and <= 60.0, got "61"
            EARSHOT_WEBSOCKET_ENABLED      | yes     | websocket.enabled must be true or false, got "yes"
            EARSHOT_MQTT_HOST              | ''      | mqtt.host must be a non-empty string without control characters, got ""
            EARSHOT_DATA_DIR               | ''      | data_dir must be a non-empty path without control characters, got ""
            EARSHOT_PIPELINE_WORKERS       | 0       | pipeline.workers must be an integer 1..256, got "0"
            """)
    void badEnvironmentValuesNameTheVariable(String variable, String value, String expected) {
        String message = envError(Map.of(variable, value));
        assertEquals(variable + ": " + expected, message);
    }

    @Test
    void anEmptyVariableUnsetsAKeyThatMayBeNull() throws Exception {
        Path file = file("{\"broker\": {\"password\": \"from-file\"}, \"sensors_file\": \"/etc/sensors.json\"}");
        ServeConfig config = ServeConfig.load(Optional.of(file),
                Map.of("EARSHOT_BROKER_PASSWORD", "", "EARSHOT_SENSORS_FILE", "", "EARSHOT_BROKER_USERNAME", ""));
        assertNull(config.broker().password());
        assertNull(config.broker().username());
        assertEquals(ServeConfig.DEFAULT_DATA_DIR.resolve(ServeConfig.SENSORS_FILE_NAME), config.sensorsFile());
    }

    /** Each key, set through its variable to a value other than its default, reaches the record. */
    @Test
    void everyKeyCanBeSetThroughItsVariable() throws Exception {
        Path keystore = keystore(KEYSTORE_PASSWORD);
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            Object value = key.defaultValue();
            String text;
            if (value instanceof Integer i) {
                text = String.valueOf(i + 1);
            } else if (value instanceof Double d) {
                text = String.valueOf(d / 2);
            } else if (value instanceof Boolean b) {
                text = String.valueOf(!b);
            } else if (value instanceof Mode m) {
                text = Rule.name(m == Mode.EMBEDDED ? Mode.BROKER : Mode.EMBEDDED);
            } else if (key.defaultValue() instanceof Path) {
                text = "some/other/place";
            } else if (key.rule().expected.contains("path")) {
                text = keystore.toString();
            } else if (key.name().equals("influx.url")) {
                text = "http://influx.example:8086";
            } else if (key.name().equals("cluster.bootstrap_servers")) {
                text = "kafka-1.example:9092,kafka-2.example:9092";
            } else if (key.name().equals("api.jwt_secret")) {
                text = "another-value-of-at-least-32-bytes!";
            } else {
                text = "another-value";
            }
            Map<String, String> env = new HashMap<>(Map.of(key.envVariable(), text));
            if (key.name().equals("influx.password")) {
                env.put("EARSHOT_INFLUX_USERNAME", "earshot");
            }
            if (key.name().equals("cluster.bootstrap_servers")) {
                env.put("EARSHOT_CLUSTER_NODE_ID", "node-1");
            }
            if (key.name().endsWith(".tls")) {
                env.put("EARSHOT_TLS_KEYSTORE", keystore.toString());
                env.put("EARSHOT_TLS_KEYSTORE_PASSWORD", KEYSTORE_PASSWORD);
            }
            ServeConfig config = ServeConfig.load(Optional.empty(), env);
            Object expected = key.rule().fromText(key.name(), text);
            assertNotEquals(key.get().apply(ServeConfig.defaults()), expected, key.name());
            assertEquals(expected, key.get().apply(config), key.name());
        }
    }

    @Test
    void clusterModeIsOffByDefaultAndNeedsANodeIdAndReachableReplicaCounts() throws Exception {
        assertFalse(ServeConfig.defaults().cluster().enabled());
        ServeConfig on = load("""
                {"cluster": {"bootstrap_servers": "127.0.0.1:9092,[::1]:9093", "node_id": "node-a"}}""");
        assertTrue(on.cluster().enabled());
        assertEquals("earshot.records", on.cluster().recordsTopic());
        assertEquals("earshot.journal-writer", on.cluster().writerGroup());
        assertEquals("cluster.node_id is required when cluster.bootstrap_servers is set (every node needs its own"
                + " name)", assertThrows(ConfigException.class,
                        () -> load("{\"cluster\": {\"bootstrap_servers\": \"k:9092\"}}")).getMessage()
                .replaceFirst("^.*?: ", ""));
        assertEquals("cluster.min_insync_replicas is 3 but cluster.replication_factor is only 2 (no record could"
                + " ever be acknowledged)", assertThrows(IllegalArgumentException.class,
                        () -> new ServeConfig.Cluster(null, null, "e.", 1, 2, 3, 30)).getMessage());
        assertEquals("cluster.bootstrap_servers must be host:port[,host:port...], or null, got \"k9092\"",
                assertThrows(IllegalArgumentException.class,
                        () -> new ServeConfig.Cluster("k9092", "n", "e.", 1, 3, 2, 30)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ServeConfig.Cluster(null, "Node A", "e.", 1, 3, 2, 30));
        assertThrows(IllegalArgumentException.class, () -> new ServeConfig.Cluster(null, null, "a/b", 1, 3, 2, 30));
    }

    @Test
    void clusterModeIsRefusedBehindABrokerWhereEveryNodeWouldAnalyseEverySensor() throws Exception {
        assertTrue(error("""
                {"ingest": {"mode": "broker"}, "cluster": {"bootstrap_servers": "k:9092", "node_id": "node-a"}}""")
                .endsWith("config.json: cluster.bootstrap_servers is set, and cluster mode needs ingest.mode embedded"
                        + " (sensors connect to the nodes, through a load balancer); in broker mode every node would"
                        + " analyse every sensor"));
        assertTrue(load("{\"ingest\": {\"mode\": \"broker\"}}").ingest().mode() == Mode.BROKER);
    }

    @Test
    void tlsNeedsTheKeystoreAndItsPassword() throws Exception {
        assertTrue(error("{\"mqtt\": {\"tls\": true}}")
                .endsWith("config.json: mqtt.tls is true but tls.keystore is not set"));
        Path keystore = keystore(KEYSTORE_PASSWORD);
        assertTrue(error("{\"http\": {\"tls\": true}, \"tls\": {\"keystore\": \"" + keystore + "\"}}")
                .endsWith("config.json: http.tls is true but tls.keystore_password is not set"));
        assertEquals("EARSHOT_BROKER_TLS: broker.tls is true but tls.keystore is not set",
                envError(Map.of("EARSHOT_BROKER_TLS", "true")));
        assertEquals("EARSHOT_WEBSOCKET_TLS: websocket.tls is true but tls.keystore is not set",
                envError(Map.of("EARSHOT_WEBSOCKET_TLS", "true")));

        ServeConfig config = ServeConfig.load(Optional.of(file("{\"mqtt\": {\"tls\": true}, \"tls\": {\"keystore\": \""
                + keystore + "\"}}")), Map.of("EARSHOT_TLS_KEYSTORE_PASSWORD", KEYSTORE_PASSWORD));
        assertTrue(config.mqtt().tls());
        assertEquals(keystore, config.tls().keystore());
    }

    @Test
    void aKeystoreThatIsSetMustExistAndOpen() throws Exception {
        Path missing = tmp.resolve("missing.p12");
        assertEquals("EARSHOT_TLS_KEYSTORE: tls.keystore " + missing + " does not exist or is not a file",
                envError(Map.of("EARSHOT_TLS_KEYSTORE", missing.toString())));

        Path keystore = keystore(KEYSTORE_PASSWORD);
        String message = envError(Map.of("EARSHOT_TLS_KEYSTORE", keystore.toString(),
                "EARSHOT_TLS_KEYSTORE_PASSWORD", "wrong-password-123", "EARSHOT_HTTP_TLS", "true"));
        assertTrue(message.startsWith("EARSHOT_TLS_KEYSTORE: tls.keystore " + keystore
                + " does not open as PKCS12 with tls.keystore_password"), message);
        assertFalse(message.contains("wrong-password-123"), message);

        Path notAKeystore = tmp.resolve("not.p12");
        Files.writeString(notAKeystore, "hello");
        message = envError(Map.of("EARSHOT_TLS_KEYSTORE", notAKeystore.toString(),
                "EARSHOT_TLS_KEYSTORE_PASSWORD", KEYSTORE_PASSWORD));
        assertTrue(message.contains("does not open as PKCS12"), message);
    }

    @Test
    void aBrokerPasswordNeedsAUsername() {
        String message = envError(Map.of("EARSHOT_BROKER_USERNAME", "", "EARSHOT_BROKER_PASSWORD", "pw-9f8e7d"));
        assertEquals("EARSHOT_BROKER_PASSWORD: broker.password is set but broker.username is null"
                + " (MQTT sends a password only with a username)", message);
    }

    @Test
    void secretsNeverAppearInErrors() throws Exception {
        String message = error("{\"broker\": {\"password\": 918273645}}");
        assertTrue(message.endsWith("config.json: broker.password must be a non-empty string, or null, got a number"),
                message);
        message = error("{\"tls\": {\"keystore_password\": [\"hunter2-secret\"]}}");
        assertTrue(message.endsWith("tls.keystore_password must be a non-empty string, or null, got an array"),
                message);
        assertFalse(message.contains("hunter2"), message);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Broker("h", 1, "u", "", "c", false, 1));
        assertEquals("broker.password must be a non-empty string, or null, got an empty string", e.getMessage());
    }

    @Test
    void describeListsEveryKeyAndHidesPasswords() throws Exception {
        Path keystore = keystore(KEYSTORE_PASSWORD);
        ServeConfig config = ServeConfig.load(Optional.empty(), Map.of("EARSHOT_BROKER_PASSWORD", "brokerpw-555",
                "EARSHOT_TLS_KEYSTORE", keystore.toString(), "EARSHOT_TLS_KEYSTORE_PASSWORD", KEYSTORE_PASSWORD,
                "EARSHOT_HTTP_TLS", "true"));
        String text = config.describe();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertTrue(text.contains("  " + key.name() + " "), key.name());
        }
        assertFalse(text.contains("brokerpw-555"), text);
        assertFalse(text.contains(KEYSTORE_PASSWORD), text);
        assertTrue(text.matches("(?s).*broker\\.password +=\\s<set>.*"), text);
        assertTrue(text.matches("(?s).*tls\\.keystore_password +=\\s<set>.*"), text);
        assertTrue(text.matches("(?s).*http\\.tls +=\\strue.*"), text);
        assertTrue(text.matches("(?s).*ingest\\.mode +=\\sembedded.*"), text);
        assertTrue(ServeConfig.defaults().describe().matches("(?s).*broker\\.password +=\\s<not set>.*"));

        String string = config.toString();
        assertFalse(string.contains("brokerpw-555"), string);
        assertFalse(string.contains(KEYSTORE_PASSWORD), string);
        assertTrue(string.contains("password=<set>"), string);
    }

    @Test
    void recordsNameTheKeyOfABadValue() {
        assertEquals("mqtt.port must be an integer 0..65535, got 70000",
                assertThrows(IllegalArgumentException.class, () -> new Mqtt("h", 70000, false, 1, 1, 1)).getMessage());
        assertEquals("ingest.mode must be one of embedded, broker, got null",
                assertThrows(IllegalArgumentException.class, () -> new Ingest(null, 100, 1, 1, 1, 600)).getMessage());
        assertEquals("ingest.idle_flush_seconds must be a number > 0, got Infinity",
                assertThrows(IllegalArgumentException.class,
                        () -> new Ingest(Mode.BROKER, 100, 1, 1, Double.POSITIVE_INFINITY, 600)).getMessage());
        assertEquals("data_dir must be a non-empty path without control characters, got null",
                assertThrows(IllegalArgumentException.class, () -> new ServeConfig(null, Path.of("m"), null,
                        Ingest.defaults(), Mqtt.defaults(), Broker.defaults(), ServeConfig.WebSocket.defaults(),
                        ServeConfig.Http.defaults(), Tls.defaults(), Pipeline.defaults(),
                        ServeConfig.Outputs.defaults(), ServeConfig.Journal.defaults(), ServeConfig.Influx.defaults(),
                        ServeConfig.Api.defaults(), ServeConfig.Metrics.defaults(),
                        ServeConfig.Cluster.defaults())).getMessage());
        assertEquals("websocket.tls is true but tls.keystore is not set",
                assertThrows(IllegalArgumentException.class, () -> new ServeConfig(Path.of("d"), Path.of("m"), null,
                        Ingest.defaults(), Mqtt.defaults(), Broker.defaults(),
                        new ServeConfig.WebSocket(true, "h", 1, true, 1, 1, 1, 1), ServeConfig.Http.defaults(), Tls.defaults(),
                        Pipeline.defaults(), ServeConfig.Outputs.defaults(), ServeConfig.Journal.defaults(),
                        ServeConfig.Influx.defaults(), ServeConfig.Api.defaults(),
                        ServeConfig.Metrics.defaults(), ServeConfig.Cluster.defaults())).getMessage());
        assertEquals("influx.url must start with http:// or https://, got localhost:8086",
                assertThrows(IllegalArgumentException.class, () -> new ServeConfig.Influx("localhost:8086", "earshot",
                        null, null, 1, 1, 1, 1, 1, 10)).getMessage());
        assertEquals("influx.url must not contain credentials; use influx.username and influx.password",
                assertThrows(IllegalArgumentException.class, () -> new ServeConfig.Influx("http://u:p@h:8086",
                        "earshot", null, null, 1, 1, 1, 1, 1, 10)).getMessage());
        assertEquals("influx.level_buffer must be at least influx.batch_size (500), got 100",
                assertThrows(IllegalArgumentException.class, () -> new ServeConfig.Influx("http://h:8086",
                        "earshot", null, null, 1, 1, 500, 1, 100, 10)).getMessage());
        assertEquals("EARSHOT_INFLUX_LEVEL_BUFFER: influx.level_buffer must be at least influx.batch_size (500),"
                + " got 100", envError(Map.of("EARSHOT_INFLUX_LEVEL_BUFFER", "100")));
        assertEquals("api.jwt_secret must be at least 32 bytes (HS256)",
                assertThrows(IllegalArgumentException.class, () -> new ServeConfig.Api(null, "short", "earshot",
                        null, 60, 600, 60, 5)).getMessage());
    }
}
