package org.earshot.config;

import static org.earshot.config.ConfigKeys.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the live service reads at start-up, as one tree of records: where its data, model and sensors file are,
 * how audio comes in (an embedded MQTT endpoint or an external broker), the WebSocket and HTTP listeners, TLS, the
 * processing pipeline and the outputs. Every record checks its values in its constructor and names the dotted key
 * of a bad one ({@code mqtt.port}); the defaults are the {@code DEFAULT_*} constants of these records and nowhere
 * else. {@link #load} reads an optional JSON file and then {@code EARSHOT_*} environment variables over it; the keys,
 * their rules, defaults and variables are listed once, in {@code ConfigKeys}, which {@code docs/CONFIGURATION.md}
 * is tested against. Relative paths are kept as written (relative to the working directory). Passwords appear in
 * neither {@link #toString()} nor {@link #describe()}.
 */
public record ServeConfig(
        Path dataDir,
        Path model,
        Path sensorsFile,
        Ingest ingest,
        Mqtt mqtt,
        Broker broker,
        WebSocket websocket,
        Http http,
        Tls tls,
        Pipeline pipeline,
        Outputs outputs) {

    public static final Path DEFAULT_DATA_DIR = Path.of("data");
    public static final Path DEFAULT_MODEL = Path.of("models", "earshot-v1");
    /** Null: the sensors file is {@link #SENSORS_FILE_NAME} in the data directory, wherever that is. */
    public static final Path DEFAULT_SENSORS_FILE = null;
    public static final String SENSORS_FILE_NAME = "sensors.json";
    public static final int MIN_PORT = 0;
    public static final int MAX_PORT = 65535;

    /** {@code sensorsFile} may be null, meaning {@code dataDir/sensors.json}; the record then holds that path. */
    public ServeConfig {
        dataDir = DATA_DIR.check(dataDir);
        model = MODEL.check(model);
        sensorsFile = SENSORS_FILE.check(sensorsFile);
        if (sensorsFile == null) {
            sensorsFile = dataDir.resolve(SENSORS_FILE_NAME);
        }
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(outputs, "outputs");
        // Every listener shares the one keystore, so any of them asking for TLS needs it complete.
        for (Map.Entry<ConfigKey<Boolean>, Boolean> wants : List.of(Map.entry(MQTT_TLS, mqtt.tls()),
                Map.entry(BROKER_TLS, broker.tls()), Map.entry(WEBSOCKET_TLS, websocket.tls()),
                Map.entry(HTTP_TLS, http.tls()))) {
            if (!wants.getValue()) {
                continue;
            }
            String key = wants.getKey().name();
            if (tls.keystore() == null) {
                throw new Invalid(key, key + " is true but " + TLS_KEYSTORE.name() + " is not set");
            }
            if (tls.keystorePassword() == null) {
                throw new Invalid(key, key + " is true but " + TLS_KEYSTORE_PASSWORD.name() + " is not set");
            }
        }
    }

    /** The configuration with every key at its default. */
    public static ServeConfig defaults() {
        return new ServeConfig(DEFAULT_DATA_DIR, DEFAULT_MODEL, DEFAULT_SENSORS_FILE, Ingest.defaults(),
                Mqtt.defaults(), Broker.defaults(), WebSocket.defaults(), Http.defaults(), Tls.defaults(),
                Pipeline.defaults(), Outputs.defaults());
    }

    /**
     * The defaults, then the JSON file if given (every key optional; unknown keys and wrong types are errors naming
     * the file and the dotted key), then every {@code EARSHOT_*} variable of {@code env} that names a key (others,
     * such as {@code EARSHOT_DATASET}, are not configuration and are ignored). A keystore that is set must exist and
     * open with its password.
     */
    public static ServeConfig load(Optional<Path> file, Map<String, String> env) throws ConfigException {
        return ServeConfigLoader.load(file, env);
    }

    /** A {@code key = value} line per key for the start-up log; passwords read {@code <set>} or {@code <not set>}. */
    public String describe() {
        int width = ALL.stream().mapToInt(k -> k.name().length()).max().orElse(0);
        StringBuilder out = new StringBuilder("configuration:");
        for (ConfigKey<?> key : ALL) {
            out.append(System.lineSeparator()).append("  ").append(String.format("%-" + width + "s", key.name()))
                    .append(" = ").append(key.show(this));
        }
        return out.toString();
    }

    /** Where sensors' audio arrives: an MQTT endpoint inside the service, or a subscription to an external broker. */
    public enum Mode {
        EMBEDDED, BROKER
    }

    /** How frames are received and buffered per sensor before detection. */
    public record Ingest(Mode mode, int maxFrameBytes, double queueSeconds, int reorderFrames,
            double idleFlushSeconds) {
        public static final Mode DEFAULT_MODE = Mode.EMBEDDED;
        /** 256 KiB: several seconds of 16 kHz 16-bit audio, far above a normal frame. */
        public static final int DEFAULT_MAX_FRAME_BYTES = 262_144;
        public static final int MIN_MAX_FRAME_BYTES = 64;
        public static final int MAX_MAX_FRAME_BYTES = 16_777_216;
        public static final double DEFAULT_QUEUE_SECONDS = 2.0;
        public static final double MAX_QUEUE_SECONDS = 60.0;
        public static final int DEFAULT_REORDER_FRAMES = 8;
        public static final int MAX_REORDER_FRAMES = 1000;
        public static final double DEFAULT_IDLE_FLUSH_SECONDS = 5.0;

        public Ingest {
            mode = INGEST_MODE.check(mode);
            maxFrameBytes = INGEST_MAX_FRAME_BYTES.check(maxFrameBytes);
            queueSeconds = INGEST_QUEUE_SECONDS.check(queueSeconds);
            reorderFrames = INGEST_REORDER_FRAMES.check(reorderFrames);
            idleFlushSeconds = INGEST_IDLE_FLUSH_SECONDS.check(idleFlushSeconds);
        }

        public static Ingest defaults() {
            return new Ingest(DEFAULT_MODE, DEFAULT_MAX_FRAME_BYTES, DEFAULT_QUEUE_SECONDS, DEFAULT_REORDER_FRAMES,
                    DEFAULT_IDLE_FLUSH_SECONDS);
        }
    }

    /** The embedded MQTT endpoint sensors publish to (used when the ingest mode is {@code embedded}). */
    public record Mqtt(String host, int port, boolean tls) {
        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 1883;
        public static final boolean DEFAULT_TLS = false;

        public Mqtt {
            host = MQTT_HOST.check(host);
            port = MQTT_PORT.check(port);
        }

        public static Mqtt defaults() {
            return new Mqtt(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TLS);
        }
    }

    /**
     * The external broker the service subscribes to (used when the ingest mode is {@code broker}). A null username
     * connects anonymously; a password needs a username, as MQTT 3.1.1 requires. {@link #toString()} hides the
     * password.
     */
    public record Broker(String host, int port, String username, String password, String clientId, boolean tls,
            double reconnectSeconds) {
        public static final String DEFAULT_HOST = "localhost";
        public static final int DEFAULT_PORT = 1883;
        public static final String DEFAULT_USERNAME = "earshot";
        /** Null: a password belongs in {@code EARSHOT_BROKER_PASSWORD}, not in a file that gets copied around. */
        public static final String DEFAULT_PASSWORD = null;
        public static final String DEFAULT_CLIENT_ID = "earshot";
        public static final boolean DEFAULT_TLS = false;
        public static final double DEFAULT_RECONNECT_SECONDS = 2.0;

        public Broker {
            host = BROKER_HOST.check(host);
            port = BROKER_PORT.check(port);
            username = BROKER_USERNAME.check(username);
            password = BROKER_PASSWORD.check(password);
            clientId = BROKER_CLIENT_ID.check(clientId);
            reconnectSeconds = BROKER_RECONNECT_SECONDS.check(reconnectSeconds);
            if (password != null && username == null) {
                throw new Invalid(BROKER_PASSWORD.name(), BROKER_PASSWORD.name() + " is set but "
                        + BROKER_USERNAME.name() + " is null (MQTT sends a password only with a username)");
            }
        }

        public static Broker defaults() {
            return new Broker(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_USERNAME, DEFAULT_PASSWORD, DEFAULT_CLIENT_ID,
                    DEFAULT_TLS, DEFAULT_RECONNECT_SECONDS);
        }

        @Override
        public String toString() {
            return "Broker[host=" + host + ", port=" + port + ", username=" + username + ", password="
                    + (password == null ? "<not set>" : "<set>") + ", clientId=" + clientId + ", tls=" + tls
                    + ", reconnectSeconds=" + reconnectSeconds + "]";
        }
    }

    /** The WebSocket listener that streams events to clients. */
    public record WebSocket(boolean enabled, String host, int port, boolean tls) {
        public static final boolean DEFAULT_ENABLED = true;
        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 8081;
        public static final boolean DEFAULT_TLS = false;

        public WebSocket {
            host = WEBSOCKET_HOST.check(host);
            port = WEBSOCKET_PORT.check(port);
        }

        public static WebSocket defaults() {
            return new WebSocket(DEFAULT_ENABLED, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TLS);
        }
    }

    /** The HTTP listener (health, metrics). */
    public record Http(String host, int port, boolean tls) {
        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 8080;
        public static final boolean DEFAULT_TLS = false;

        public Http {
            host = HTTP_HOST.check(host);
            port = HTTP_PORT.check(port);
        }

        public static Http defaults() {
            return new Http(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TLS);
        }
    }

    /**
     * The one PKCS12 keystore that every connection with {@code tls: true} uses. {@link #toString()} hides the
     * password.
     */
    public record Tls(Path keystore, String keystorePassword) {
        public static final Path DEFAULT_KEYSTORE = null;
        public static final String DEFAULT_KEYSTORE_PASSWORD = null;

        public Tls {
            keystore = TLS_KEYSTORE.check(keystore);
            keystorePassword = TLS_KEYSTORE_PASSWORD.check(keystorePassword);
        }

        public static Tls defaults() {
            return new Tls(DEFAULT_KEYSTORE, DEFAULT_KEYSTORE_PASSWORD);
        }

        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + ", keystorePassword="
                    + (keystorePassword == null ? "<not set>" : "<set>") + "]";
        }
    }

    /** Threads and batching of the detection pipeline. */
    public record Pipeline(int workers, int inferenceThreads, int maxBatch) {
        public static final int DEFAULT_WORKERS = 8;
        public static final int MAX_WORKERS = 256;
        public static final int DEFAULT_INFERENCE_THREADS = 2;
        public static final int MAX_INFERENCE_THREADS = 64;
        public static final int DEFAULT_MAX_BATCH = 32;
        public static final int MAX_MAX_BATCH = 1024;

        public Pipeline {
            workers = PIPELINE_WORKERS.check(workers);
            inferenceThreads = PIPELINE_INFERENCE_THREADS.check(inferenceThreads);
            maxBatch = PIPELINE_MAX_BATCH.check(maxBatch);
        }

        public static Pipeline defaults() {
            return new Pipeline(DEFAULT_WORKERS, DEFAULT_INFERENCE_THREADS, DEFAULT_MAX_BATCH);
        }
    }

    /** What the service publishes besides events. */
    public record Outputs(boolean publishLevels) {
        public static final boolean DEFAULT_PUBLISH_LEVELS = true;

        public static Outputs defaults() {
            return new Outputs(DEFAULT_PUBLISH_LEVELS);
        }
    }
}
