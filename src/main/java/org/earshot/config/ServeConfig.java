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
        Outputs outputs,
        Journal journal,
        Influx influx,
        Api api,
        Metrics metrics,
        Cluster cluster) {

    public static final Path DEFAULT_DATA_DIR = Path.of("data");
    /** Null: the model shipped with the installation (the launcher's models/earshot-v2), wherever serve runs. */
    public static final Path DEFAULT_MODEL = null;
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
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(influx, "influx");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(cluster, "cluster");
        if (cluster.enabled() && ingest.mode() == Mode.BROKER) {
            // Behind one broker every node would subscribe to every sensor and analyse it: cluster mode shares the
            // sensors among the nodes by their direct connections (the sensor lease).
            throw new Invalid(CLUSTER_BOOTSTRAP_SERVERS.name(), CLUSTER_BOOTSTRAP_SERVERS.name() + " is set, and "
                    + "cluster mode needs " + INGEST_MODE.name() + " embedded (sensors connect to the nodes, through "
                    + "a load balancer); in broker mode every node would analyse every sensor");
        }
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
                Pipeline.defaults(), Outputs.defaults(), Journal.defaults(), Influx.defaults(), Api.defaults(),
                Metrics.defaults(), Cluster.defaults());
    }

    /** The journal's directory: {@code journal.dir}, or {@code <data_dir>/journal}. */
    public Path journalDir() {
        return journal.dir() != null ? journal.dir() : dataDir.resolve("journal");
    }

    /** The checkpoint signing key: {@code journal.key_file}, or {@code <data_dir>/keys/journal-ed25519.pem}. */
    public Path journalKeyFile() {
        return journal.keyFile() != null ? journal.keyFile() : dataDir.resolve("keys").resolve("journal-ed25519.pem");
    }

    /** The API keys file: {@code api.keys_file}, or {@code <data_dir>/api-keys.json}. */
    public Path apiKeysFile() {
        return api.keysFile() != null ? api.keysFile() : dataDir.resolve("api-keys.json");
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

    /**
     * The environment variable of every key, in table order ({@code EARSHOT_DATA_DIR}...): the only {@code EARSHOT_*}
     * variables that are configuration (others, and misspelt ones, are ignored by {@link #load}).
     */
    public static List<String> environmentVariables() {
        return ALL.stream().map(ConfigKey::envVariable).toList();
    }

    /**
     * Every key with its value as {@link #describe()} shows it (secrets only {@code <set>} or {@code <not set>}), in
     * table order: what the journal records as the configuration in force.
     */
    public Map<String, String> settings() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (ConfigKey<?> key : ALL) {
            out.put(key.name(), key.show(this));
        }
        return out;
    }

    /**
     * The table of every key (default, environment variable, what it does) as {@code docs/CONFIGURATION.md} shows
     * it: generated from the key list, so the documentation cannot drift from the code.
     */
    public static String referenceTable() {
        return ConfigKeys.referenceTable();
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
            double idleFlushSeconds, double maxClockOffsetSeconds) {
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
        /** Ten minutes: far more than an NTP-synchronised sensor is ever off, far less than a wrapped clock. */
        public static final double DEFAULT_MAX_CLOCK_OFFSET_SECONDS = 600.0;
        /** 36,500 days, as for retention: tests and replays of old recordings may need a wide window. */
        public static final double MAX_MAX_CLOCK_OFFSET_SECONDS = 36_500 * 86_400.0;

        public Ingest {
            mode = INGEST_MODE.check(mode);
            maxFrameBytes = INGEST_MAX_FRAME_BYTES.check(maxFrameBytes);
            queueSeconds = INGEST_QUEUE_SECONDS.check(queueSeconds);
            reorderFrames = INGEST_REORDER_FRAMES.check(reorderFrames);
            idleFlushSeconds = INGEST_IDLE_FLUSH_SECONDS.check(idleFlushSeconds);
            maxClockOffsetSeconds = INGEST_MAX_CLOCK_OFFSET_SECONDS.check(maxClockOffsetSeconds);
        }

        public static Ingest defaults() {
            return new Ingest(DEFAULT_MODE, DEFAULT_MAX_FRAME_BYTES, DEFAULT_QUEUE_SECONDS, DEFAULT_REORDER_FRAMES,
                    DEFAULT_IDLE_FLUSH_SECONDS, DEFAULT_MAX_CLOCK_OFFSET_SECONDS);
        }
    }

    /** The embedded MQTT endpoint sensors publish to (used when the ingest mode is {@code embedded}). */
    public record Mqtt(String host, int port, boolean tls, int maxConnectionsPerSensor,
            int maxSubscriptionsPerConnection, int connectTimeoutSeconds) {
        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 1883;
        public static final boolean DEFAULT_TLS = false;
        /** A sensor needs one connection; a few more let a technician watch its errors topic alongside. */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_SENSOR = 4;
        public static final int MAX_MAX_CONNECTIONS_PER_SENSOR = 10_000;
        /** Dashboards subscribe to a handful of filters; each one held costs memory and fan-out work. */
        public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 32;
        public static final int MAX_MAX_SUBSCRIPTIONS_PER_CONNECTION = 10_000;
        public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
        public static final int MAX_CONNECT_TIMEOUT_SECONDS = 300;

        public Mqtt {
            host = MQTT_HOST.check(host);
            port = MQTT_PORT.check(port);
            maxConnectionsPerSensor = MQTT_MAX_CONNECTIONS_PER_SENSOR.check(maxConnectionsPerSensor);
            maxSubscriptionsPerConnection = MQTT_MAX_SUBSCRIPTIONS_PER_CONNECTION.check(maxSubscriptionsPerConnection);
            connectTimeoutSeconds = MQTT_CONNECT_TIMEOUT_SECONDS.check(connectTimeoutSeconds);
        }

        public static Mqtt defaults() {
            return new Mqtt(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TLS, DEFAULT_MAX_CONNECTIONS_PER_SENSOR,
                    DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, DEFAULT_CONNECT_TIMEOUT_SECONDS);
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
        /** The longest wait between two attempts to connect (unless reconnect_seconds is longer): not a key. */
        public static final double MAX_RECONNECT_SECONDS = 30;

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
    public record WebSocket(boolean enabled, String host, int port, boolean tls, int maxConnectionsPerSensor,
            int headerTimeoutSeconds, int idleTimeoutSeconds, int maxConnections) {
        public static final boolean DEFAULT_ENABLED = true;
        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 8081;
        public static final boolean DEFAULT_TLS = false;
        /** A sensor streams on one connection; a second lets it reconnect before the first one's loss is noticed. */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_SENSOR = 2;
        public static final int MAX_MAX_CONNECTIONS_PER_SENSOR = 1000;
        public static final int DEFAULT_HEADER_TIMEOUT_SECONDS = 10;
        public static final int MAX_HEADER_TIMEOUT_SECONDS = 300;
        /** Sensors send ten frames a second: a minute of silence is a connection that is gone (or paused too long). */
        public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
        public static final int MAX_IDLE_TIMEOUT_SECONDS = 3600;
        public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
        public static final int MAX_MAX_CONNECTIONS = 1_000_000;

        public WebSocket {
            host = WEBSOCKET_HOST.check(host);
            port = WEBSOCKET_PORT.check(port);
            maxConnectionsPerSensor = WEBSOCKET_MAX_CONNECTIONS_PER_SENSOR.check(maxConnectionsPerSensor);
            headerTimeoutSeconds = WEBSOCKET_HEADER_TIMEOUT_SECONDS.check(headerTimeoutSeconds);
            idleTimeoutSeconds = WEBSOCKET_IDLE_TIMEOUT_SECONDS.check(idleTimeoutSeconds);
            maxConnections = WEBSOCKET_MAX_CONNECTIONS.check(maxConnections);
        }

        public static WebSocket defaults() {
            return new WebSocket(DEFAULT_ENABLED, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TLS,
                    DEFAULT_MAX_CONNECTIONS_PER_SENSOR, DEFAULT_HEADER_TIMEOUT_SECONDS, DEFAULT_IDLE_TIMEOUT_SECONDS,
                    DEFAULT_MAX_CONNECTIONS);
        }
    }

    /** The HTTP listener (health, metrics). */
    public record Http(String host, int port, boolean tls, int headerTimeoutSeconds, int idleTimeoutSeconds,
            int maxConnections) {
        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 8080;
        public static final boolean DEFAULT_TLS = false;
        public static final int DEFAULT_HEADER_TIMEOUT_SECONDS = 10;
        public static final int MAX_HEADER_TIMEOUT_SECONDS = 300;
        public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
        public static final int MAX_IDLE_TIMEOUT_SECONDS = 3600;
        public static final int DEFAULT_MAX_CONNECTIONS = 1000;
        public static final int MAX_MAX_CONNECTIONS = 100_000;

        public Http {
            host = HTTP_HOST.check(host);
            port = HTTP_PORT.check(port);
            headerTimeoutSeconds = HTTP_HEADER_TIMEOUT_SECONDS.check(headerTimeoutSeconds);
            idleTimeoutSeconds = HTTP_IDLE_TIMEOUT_SECONDS.check(idleTimeoutSeconds);
            maxConnections = HTTP_MAX_CONNECTIONS.check(maxConnections);
        }

        public static Http defaults() {
            return new Http(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TLS, DEFAULT_HEADER_TIMEOUT_SECONDS,
                    DEFAULT_IDLE_TIMEOUT_SECONDS, DEFAULT_MAX_CONNECTIONS);
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

    /**
     * The journal: where it lives, how often checkpoints are signed, how segments are cut, and how long the data of
     * detection, alert and API-request entries is kept (0: forever) before retention deletes it, leaving the hashes.
     */
    public record Journal(Path dir, Path keyFile, int checkpointEntries, double checkpointSeconds, int segmentEntries,
            double segmentHours, int retentionDays) {
        /** Null: {@code <data_dir>/journal}. */
        public static final Path DEFAULT_DIR = null;
        /** Null: {@code <data_dir>/keys/journal-ed25519.pem}. */
        public static final Path DEFAULT_KEY_FILE = null;
        public static final int DEFAULT_CHECKPOINT_ENTRIES = 1000;
        public static final int MAX_CHECKPOINT_ENTRIES = 10_000_000;
        public static final double DEFAULT_CHECKPOINT_SECONDS = 60.0;
        public static final int DEFAULT_SEGMENT_ENTRIES = 100_000;
        public static final int MAX_SEGMENT_ENTRIES = 10_000_000;
        public static final double DEFAULT_SEGMENT_HOURS = 24.0;
        public static final int DEFAULT_RETENTION_DAYS = 365;
        public static final int MAX_RETENTION_DAYS = 36_500;

        public Journal {
            dir = JOURNAL_DIR.check(dir);
            keyFile = JOURNAL_KEY_FILE.check(keyFile);
            checkpointEntries = JOURNAL_CHECKPOINT_ENTRIES.check(checkpointEntries);
            checkpointSeconds = JOURNAL_CHECKPOINT_SECONDS.check(checkpointSeconds);
            segmentEntries = JOURNAL_SEGMENT_ENTRIES.check(segmentEntries);
            segmentHours = JOURNAL_SEGMENT_HOURS.check(segmentHours);
            retentionDays = JOURNAL_RETENTION_DAYS.check(retentionDays);
        }

        public static Journal defaults() {
            return new Journal(DEFAULT_DIR, DEFAULT_KEY_FILE, DEFAULT_CHECKPOINT_ENTRIES, DEFAULT_CHECKPOINT_SECONDS,
                    DEFAULT_SEGMENT_ENTRIES, DEFAULT_SEGMENT_HOURS, DEFAULT_RETENTION_DAYS);
        }
    }

    /**
     * The InfluxDB that operators' Grafana reads (1.x HTTP API, also InfluxDB 1.8 and the 2.x compatibility
     * endpoints). A null URL means none: the service still journals everything and serves it from the API.
     * {@link #toString()} hides the password.
     */
    public record Influx(String url, String database, String username, String password, int detectionsRetentionDays,
            int levelsRetentionDays, int batchSize, double flushSeconds, int levelBuffer, double healthSeconds) {
        public static final String DEFAULT_URL = null;
        public static final String DEFAULT_DATABASE = "earshot";
        public static final String DEFAULT_USERNAME = null;
        public static final String DEFAULT_PASSWORD = null;
        public static final int DEFAULT_DETECTIONS_RETENTION_DAYS = 365;
        public static final int DEFAULT_LEVELS_RETENTION_DAYS = 30;
        public static final int MAX_RETENTION_DAYS = 36_500;
        public static final int DEFAULT_BATCH_SIZE = 500;
        public static final int MAX_BATCH_SIZE = 100_000;
        public static final double DEFAULT_FLUSH_SECONDS = 1.0;
        public static final int DEFAULT_LEVEL_BUFFER = 100_000;
        public static final int MAX_LEVEL_BUFFER = 10_000_000;
        /** The writer's own default, so that it is written once. */
        public static final double DEFAULT_HEALTH_SECONDS =
                org.earshot.store.InfluxSettings.DEFAULT_HEALTH_INTERVAL.toMillis() / 1000.0;

        public Influx {
            url = INFLUX_URL.check(url);
            database = INFLUX_DATABASE.check(database);
            username = INFLUX_USERNAME.check(username);
            password = INFLUX_PASSWORD.check(password);
            detectionsRetentionDays = INFLUX_DETECTIONS_RETENTION_DAYS.check(detectionsRetentionDays);
            levelsRetentionDays = INFLUX_LEVELS_RETENTION_DAYS.check(levelsRetentionDays);
            batchSize = INFLUX_BATCH_SIZE.check(batchSize);
            flushSeconds = INFLUX_FLUSH_SECONDS.check(flushSeconds);
            levelBuffer = INFLUX_LEVEL_BUFFER.check(levelBuffer);
            healthSeconds = INFLUX_HEALTH_SECONDS.check(healthSeconds);
            if (url != null && !(url.startsWith("http://") || url.startsWith("https://"))) {
                throw new Invalid(INFLUX_URL.name(), INFLUX_URL.name() + " must start with http:// or https://, got "
                        + url);
            }
            if (url != null && url.substring(url.indexOf("//") + 2).contains("@")) {
                throw new Invalid(INFLUX_URL.name(), INFLUX_URL.name() + " must not contain credentials; use "
                        + INFLUX_USERNAME.name() + " and " + INFLUX_PASSWORD.name());
            }
            if (password != null && username == null) {
                throw new Invalid(INFLUX_PASSWORD.name(), INFLUX_PASSWORD.name() + " is set but "
                        + INFLUX_USERNAME.name() + " is null");
            }
            // The writer takes levels from the buffer a batch at a time, so a smaller buffer cannot work.
            if (levelBuffer < batchSize) {
                throw new Invalid(INFLUX_LEVEL_BUFFER.name(), INFLUX_LEVEL_BUFFER.name() + " must be at least "
                        + INFLUX_BATCH_SIZE.name() + " (" + batchSize + "), got " + levelBuffer);
            }
            if (!database.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new Invalid(INFLUX_DATABASE.name(), INFLUX_DATABASE.name()
                        + " must be 1..64 letters, digits, '_' or '-', got " + database);
            }
        }

        public static Influx defaults() {
            return new Influx(DEFAULT_URL, DEFAULT_DATABASE, DEFAULT_USERNAME, DEFAULT_PASSWORD,
                    DEFAULT_DETECTIONS_RETENTION_DAYS, DEFAULT_LEVELS_RETENTION_DAYS, DEFAULT_BATCH_SIZE,
                    DEFAULT_FLUSH_SECONDS, DEFAULT_LEVEL_BUFFER, DEFAULT_HEALTH_SECONDS);
        }

        public boolean enabled() {
            return url != null;
        }

        @Override
        public String toString() {
            return "Influx[url=" + url + ", database=" + database + ", username=" + username + ", password="
                    + (password == null ? "<not set>" : "<set>") + "]";
        }
    }

    /**
     * Who may use the query API: the API keys file, and the HS256 secret, audience and issuer of accepted JWTs (no
     * secret: JWTs are not accepted). {@link #toString()} hides the secret.
     */
    public record Api(Path keysFile, String jwtSecret, String jwtAudience, String jwtIssuer,
                      int anonymousRequestsPerMinute, int credentialRequestsPerMinute, int refusalSummarySeconds,
                      int transparencyMinCount) {
        /** Null: {@code <data_dir>/api-keys.json}. */
        public static final Path DEFAULT_KEYS_FILE = null;
        public static final String DEFAULT_JWT_SECRET = null;
        public static final String DEFAULT_JWT_AUDIENCE = "earshot";
        public static final String DEFAULT_JWT_ISSUER = null;
        public static final int DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE = 60;
        public static final int DEFAULT_CREDENTIAL_REQUESTS_PER_MINUTE = 600;
        public static final int DEFAULT_REFUSAL_SUMMARY_SECONDS = 60;
        public static final int DEFAULT_TRANSPARENCY_MIN_COUNT = 5;
        public static final int MAX_REQUESTS_PER_MINUTE = 1_000_000;
        /** HS256 with a shorter key would be weaker than its 256-bit hash (RFC 7518 section 3.2). */
        public static final int MIN_JWT_SECRET_BYTES = 32;

        public Api {
            keysFile = API_KEYS_FILE.check(keysFile);
            jwtSecret = API_JWT_SECRET.check(jwtSecret);
            jwtAudience = API_JWT_AUDIENCE.check(jwtAudience);
            jwtIssuer = API_JWT_ISSUER.check(jwtIssuer);
            anonymousRequestsPerMinute = API_ANONYMOUS_REQUESTS_PER_MINUTE.check(anonymousRequestsPerMinute);
            credentialRequestsPerMinute = API_CREDENTIAL_REQUESTS_PER_MINUTE.check(credentialRequestsPerMinute);
            refusalSummarySeconds = API_REFUSAL_SUMMARY_SECONDS.check(refusalSummarySeconds);
            transparencyMinCount = API_TRANSPARENCY_MIN_COUNT.check(transparencyMinCount);
            if (jwtSecret != null
                    && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
                throw new Invalid(API_JWT_SECRET.name(), API_JWT_SECRET.name() + " must be at least "
                        + MIN_JWT_SECRET_BYTES + " bytes (HS256)");
            }
        }

        public static Api defaults() {
            return new Api(DEFAULT_KEYS_FILE, DEFAULT_JWT_SECRET, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER,
                    DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE, DEFAULT_CREDENTIAL_REQUESTS_PER_MINUTE,
                    DEFAULT_REFUSAL_SUMMARY_SECONDS, DEFAULT_TRANSPARENCY_MIN_COUNT);
        }

        @Override
        public String toString() {
            return "Api[keysFile=" + keysFile + ", jwtSecret=" + (jwtSecret == null ? "<not set>" : "<set>")
                    + ", jwtAudience=" + jwtAudience + ", jwtIssuer=" + jwtIssuer + ", anonymousRequestsPerMinute="
                    + anonymousRequestsPerMinute + ", credentialRequestsPerMinute=" + credentialRequestsPerMinute
                    + ", refusalSummarySeconds=" + refusalSummarySeconds + ", transparencyMinCount="
                    + transparencyMinCount + "]";
        }
    }

    /**
     * The listener of {@code /metrics}, apart from the public one: per-sensor counters and last-seen times, polled,
     * date every detection, so by default only this host (a local Prometheus or agent) can read them.
     */
    public record Metrics(String host, int port) {
        public static final String DEFAULT_HOST = "127.0.0.1";
        public static final int DEFAULT_PORT = 9464;

        public Metrics {
            host = METRICS_HOST.check(host);
            port = METRICS_PORT.check(port);
        }

        public static Metrics defaults() {
            return new Metrics(DEFAULT_HOST, DEFAULT_PORT);
        }
    }

    /**
     * Cluster mode (issue 16): with {@code bootstrapServers} set, the node sends its detections and alerts to the
     * Kafka topic {@code <topicPrefix>records} instead of journaling them, and {@code earshot journal-writer} journals
     * them. Null {@code bootstrapServers}, the default, is the single node: no Kafka class is loaded.
     */
    public record Cluster(String bootstrapServers, String nodeId, String topicPrefix, int partitions,
            int replicationFactor, int minInsyncReplicas, int deliveryTimeoutSeconds) {
        private static final String HOST_PORT = "[A-Za-z0-9.\\[\\]:_-]+:[0-9]{1,5}";
        static final java.util.regex.Pattern BOOTSTRAP_SERVERS =
                java.util.regex.Pattern.compile(HOST_PORT + "(," + HOST_PORT + ")*");
        static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
        static final java.util.regex.Pattern TOPIC_PREFIX = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,100}");
        public static final String DEFAULT_BOOTSTRAP_SERVERS = null;
        public static final String DEFAULT_NODE_ID = null;
        public static final String DEFAULT_TOPIC_PREFIX = "earshot.";
        public static final int DEFAULT_PARTITIONS = 6;
        public static final int DEFAULT_REPLICATION_FACTOR = 3;
        public static final int DEFAULT_MIN_INSYNC_REPLICAS = 2;
        public static final int DEFAULT_DELIVERY_TIMEOUT_SECONDS = 30;

        public Cluster {
            bootstrapServers = CLUSTER_BOOTSTRAP_SERVERS.check(bootstrapServers);
            nodeId = CLUSTER_NODE_ID.check(nodeId);
            topicPrefix = CLUSTER_TOPIC_PREFIX.check(topicPrefix);
            partitions = CLUSTER_PARTITIONS.check(partitions);
            replicationFactor = CLUSTER_REPLICATION_FACTOR.check(replicationFactor);
            minInsyncReplicas = CLUSTER_MIN_INSYNC_REPLICAS.check(minInsyncReplicas);
            deliveryTimeoutSeconds = CLUSTER_DELIVERY_TIMEOUT_SECONDS.check(deliveryTimeoutSeconds);
            if (bootstrapServers != null && nodeId == null) {
                throw new Invalid(CLUSTER_NODE_ID.name(), CLUSTER_NODE_ID.name() + " is required when "
                        + CLUSTER_BOOTSTRAP_SERVERS.name() + " is set (every node needs its own name)");
            }
            if (minInsyncReplicas > replicationFactor) {
                throw new Invalid(CLUSTER_MIN_INSYNC_REPLICAS.name(), CLUSTER_MIN_INSYNC_REPLICAS.name() + " is "
                        + minInsyncReplicas + " but " + CLUSTER_REPLICATION_FACTOR.name() + " is only "
                        + replicationFactor + " (no record could ever be acknowledged)");
            }
        }

        public static Cluster defaults() {
            return new Cluster(DEFAULT_BOOTSTRAP_SERVERS, DEFAULT_NODE_ID, DEFAULT_TOPIC_PREFIX, DEFAULT_PARTITIONS,
                    DEFAULT_REPLICATION_FACTOR, DEFAULT_MIN_INSYNC_REPLICAS, DEFAULT_DELIVERY_TIMEOUT_SECONDS);
        }

        /** Whether cluster mode is on. */
        public boolean enabled() {
            return bootstrapServers != null;
        }

        /** The one topic of records. */
        public String recordsTopic() {
            return topicPrefix + "records";
        }

        /** The consumer group of the journal writers (one active, the others standing by). */
        public String writerGroup() {
            return topicPrefix + "journal-writer";
        }
    }
}
