package org.earshot.config;

import org.earshot.config.ServeConfig.Broker;
import org.earshot.config.ServeConfig.Cluster;
import org.earshot.config.ServeConfig.Http;
import org.earshot.config.ServeConfig.Api;
import org.earshot.config.ServeConfig.Influx;
import org.earshot.config.ServeConfig.Ingest;
import org.earshot.config.ServeConfig.Journal;
import org.earshot.config.ServeConfig.Mode;
import org.earshot.config.ServeConfig.Mqtt;
import org.earshot.config.ServeConfig.Outputs;
import org.earshot.config.ServeConfig.Pipeline;
import org.earshot.config.ServeConfig.Tls;
import org.earshot.config.ServeConfig.WebSocket;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The one list of configuration keys. The loader walks it to read the file and the environment, {@code describe()}
 * prints it, the records' constructors check their values with its rules, and the tests hold
 * {@code docs/CONFIGURATION.md} to it, so adding a key here is the whole of adding a key.
 */
final class ConfigKeys {
    private static final Rule<Integer> PORT = Rule.ints(ServeConfig.MIN_PORT, ServeConfig.MAX_PORT);
    private static final Rule<String> HOST = Rule.strings(false);
    private static final Rule<Boolean> BOOL = Rule.bools();

    static final ConfigKey<Path> DATA_DIR =
            key("data_dir", Rule.paths(false), ServeConfig.DEFAULT_DATA_DIR, ServeConfig::dataDir,
            "Directory for the service's own files, among them the sensors file.");
    static final ConfigKey<Path> MODEL =
            key("model", Rule.paths(true), ServeConfig.DEFAULT_MODEL, ServeConfig::model,
            "Model directory (ONNX network and `manifest.json` with its thresholds). Null means the model shipped"
                + " with the installation, `models/earshot-v2` beside the `earshot` launcher (`/opt/earshot` in the"
                + " image), wherever the service is started from. A relative path, like every relative path here,"
                + " is relative to the working directory.");
    static final ConfigKey<Path> SENSORS_FILE =
            key("sensors_file", Rule.paths(true), ServeConfig.DEFAULT_SENSORS_FILE, ServeConfig::sensorsFile,
            "The sensors file (below). Null means `<data_dir>/sensors.json`, so it follows "
                + "`data_dir`.");

    static final ConfigKey<Mode> INGEST_MODE =
            key("ingest.mode", Rule.enums(Mode.class), Ingest.DEFAULT_MODE, c -> c.ingest().mode(),
            "Where sensors' audio arrives: `embedded` runs an MQTT endpoint in the service "
                + "(`mqtt.*`), `broker` subscribes to an external MQTT broker (`broker.*`).");
    static final ConfigKey<Integer> INGEST_MAX_FRAME_BYTES = key("ingest.max_frame_bytes",
            Rule.ints(Ingest.MIN_MAX_FRAME_BYTES, Ingest.MAX_MAX_FRAME_BYTES), Ingest.DEFAULT_MAX_FRAME_BYTES,
            c -> c.ingest().maxFrameBytes(),
            "Largest frame a sensor may send, in bytes (64..16777216); larger frames are refused.");
    static final ConfigKey<Double> INGEST_QUEUE_SECONDS = key("ingest.queue_seconds",
            Rule.doubles("> 0 and <= " + Ingest.MAX_QUEUE_SECONDS, v -> v > 0 && v <= Ingest.MAX_QUEUE_SECONDS),
            Ingest.DEFAULT_QUEUE_SECONDS, c -> c.ingest().queueSeconds(),
            "Audio that may wait per sensor for detection, in seconds of audio (more than 0, at most "
                + "60); bounds memory and delay when detection falls behind.");
    static final ConfigKey<Integer> INGEST_REORDER_FRAMES = key("ingest.reorder_frames",
            Rule.ints(0, Ingest.MAX_REORDER_FRAMES), Ingest.DEFAULT_REORDER_FRAMES, c -> c.ingest().reorderFrames(),
            "How many frames may arrive out of order and still be put back in sequence (0..1000; 0 "
                + "takes frames as they come).");
    static final ConfigKey<Double> INGEST_IDLE_FLUSH_SECONDS = key("ingest.idle_flush_seconds",
            Rule.doubles("> 0", v -> v > 0), Ingest.DEFAULT_IDLE_FLUSH_SECONDS, c -> c.ingest().idleFlushSeconds(),
            "After this many seconds without frames from a sensor, its buffered audio is processed "
                + "and its open events are closed (more than 0).");
    static final ConfigKey<Double> INGEST_MAX_CLOCK_OFFSET_SECONDS = key("ingest.max_clock_offset_seconds",
            Rule.doubles(">= 1 and <= " + (long) Ingest.MAX_MAX_CLOCK_OFFSET_SECONDS,
                    v -> v >= 1 && v <= Ingest.MAX_MAX_CLOCK_OFFSET_SECONDS),
            Ingest.DEFAULT_MAX_CLOCK_OFFSET_SECONDS, c -> c.ingest().maxClockOffsetSeconds(),
            "How far a frame's capture time may be from the service's clock when it arrives, in "
                + "seconds (1..3153600000); frames outside, a wrong or jumping sensor clock, are refused "
                + "(`clock_offset`), so that event times stay true.");

    static final ConfigKey<String> MQTT_HOST = key("mqtt.host", HOST, Mqtt.DEFAULT_HOST, c -> c.mqtt().host(),
            "Address the embedded MQTT endpoint listens on.");
    static final ConfigKey<Integer> MQTT_PORT = key("mqtt.port", PORT, Mqtt.DEFAULT_PORT, c -> c.mqtt().port(),
            "Its port (0..65535; 0 takes any free port, for tests).");
    static final ConfigKey<Boolean> MQTT_TLS = key("mqtt.tls", BOOL, Mqtt.DEFAULT_TLS, c -> c.mqtt().tls(),
            "Serve MQTT over TLS with `tls.keystore` (the usual port is then 8883).");
    static final ConfigKey<Integer> MQTT_MAX_CONNECTIONS_PER_SENSOR = key("mqtt.max_connections_per_sensor",
            Rule.ints(1, Mqtt.MAX_MAX_CONNECTIONS_PER_SENSOR), Mqtt.DEFAULT_MAX_CONNECTIONS_PER_SENSOR,
            c -> c.mqtt().maxConnectionsPerSensor(),
            "Most connections the embedded endpoint holds at once for one sensor's (or reader's) "
                + "credentials (1..10000); a further CONNECT is refused and counted (`earshot_refused_total{reason="
                + "\"too_many_connections\"}`). A reconnection with a client id the sensor already holds "
                + "replaces that connection and is always accepted.");
    static final ConfigKey<Integer> MQTT_MAX_SUBSCRIPTIONS_PER_CONNECTION =
            key("mqtt.max_subscriptions_per_connection", Rule.ints(1, Mqtt.MAX_MAX_SUBSCRIPTIONS_PER_CONNECTION),
            Mqtt.DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, c -> c.mqtt().maxSubscriptionsPerConnection(),
            "Most topic filters one connection to the embedded endpoint may hold (1..10000); a filter "
                + "over the limit gets the SUBACK failure code and is counted (`earshot_refused_total{reason="
                + "\"too_many_subscriptions\"}`).");
    static final ConfigKey<Integer> MQTT_CONNECT_TIMEOUT_SECONDS = key("mqtt.connect_timeout_seconds",
            Rule.ints(1, Mqtt.MAX_CONNECT_TIMEOUT_SECONDS), Mqtt.DEFAULT_CONNECT_TIMEOUT_SECONDS,
            c -> c.mqtt().connectTimeoutSeconds(),
            "A connection to the embedded endpoint that has not sent CONNECT within this many seconds "
                + "of opening is closed (1..300), so that idle sockets cannot pile up.");

    static final ConfigKey<String> BROKER_HOST =
            key("broker.host", HOST, Broker.DEFAULT_HOST, c -> c.broker().host(),
            "External broker to subscribe to, in `broker` mode.");
    static final ConfigKey<Integer> BROKER_PORT =
            key("broker.port", PORT, Broker.DEFAULT_PORT, c -> c.broker().port(),
            "Its port.");
    static final ConfigKey<String> BROKER_USERNAME =
            key("broker.username", Rule.strings(true), Broker.DEFAULT_USERNAME, c -> c.broker().username(),
            "User name for the broker; null connects without credentials.");
    static final ConfigKey<String> BROKER_PASSWORD =
            key("broker.password", Rule.secrets(), Broker.DEFAULT_PASSWORD, c -> c.broker().password(),
            "Password for the broker; needs a user name. Best set only in the environment, so that it "
                + "is in no file.");
    static final ConfigKey<String> BROKER_CLIENT_ID =
            key("broker.client_id", Rule.strings(false), Broker.DEFAULT_CLIENT_ID, c -> c.broker().clientId(),
            "MQTT client id of the service at the broker (two services need two ids).");
    static final ConfigKey<Boolean> BROKER_TLS = key("broker.tls", BOOL, Broker.DEFAULT_TLS, c -> c.broker().tls(),
            "Connect to the broker over TLS; the broker's certificate must be trusted by the JVM (its "
                + "default trust store). Like every `tls` key it currently also requires `tls.keystore` and "
                + "`tls.keystore_password` to be set.");
    static final ConfigKey<Double> BROKER_RECONNECT_SECONDS = key("broker.reconnect_seconds",
            Rule.doubles("> 0", v -> v > 0), Broker.DEFAULT_RECONNECT_SECONDS, c -> c.broker().reconnectSeconds(),
            "Wait before the next attempt to connect to the broker, in seconds (more than 0): doubles after each"
                    + " failed attempt, up to " + Math.round(Broker.MAX_RECONNECT_SECONDS) + " s (or this value if"
                    + " larger). The service starts while the broker is down and keeps trying; /health answers 503"
                    + " (broker_connected) until connected.");

    static final ConfigKey<Boolean> WEBSOCKET_ENABLED =
            key("websocket.enabled", BOOL, WebSocket.DEFAULT_ENABLED, c -> c.websocket().enabled(),
            "Run the WebSocket endpoint that sensors may stream audio to instead of MQTT "
                + "(`sensors/PROTOCOL.md`).");
    static final ConfigKey<String> WEBSOCKET_HOST =
            key("websocket.host", HOST, WebSocket.DEFAULT_HOST, c -> c.websocket().host(),
            "Address it listens on.");
    static final ConfigKey<Integer> WEBSOCKET_PORT =
            key("websocket.port", PORT, WebSocket.DEFAULT_PORT, c -> c.websocket().port(),
            "Its port (0 = any free port).");
    static final ConfigKey<Boolean> WEBSOCKET_TLS =
            key("websocket.tls", BOOL, WebSocket.DEFAULT_TLS, c -> c.websocket().tls(),
            "Serve WebSocket over TLS (`wss://`) with `tls.keystore`.");
    static final ConfigKey<Integer> WEBSOCKET_MAX_CONNECTIONS_PER_SENSOR = key("websocket.max_connections_per_sensor",
            Rule.ints(1, WebSocket.MAX_MAX_CONNECTIONS_PER_SENSOR), WebSocket.DEFAULT_MAX_CONNECTIONS_PER_SENSOR,
            c -> c.websocket().maxConnectionsPerSensor(),
            "Most WebSocket connections one sensor may hold at once (1..1000); a further handshake is "
                + "refused with HTTP 429 and counted (`earshot_refused_total{transport=\"websocket\",reason="
                + "\"too_many_connections\"}`).");
    static final ConfigKey<Integer> WEBSOCKET_HEADER_TIMEOUT_SECONDS = key("websocket.header_timeout_seconds",
            Rule.ints(1, WebSocket.MAX_HEADER_TIMEOUT_SECONDS), WebSocket.DEFAULT_HEADER_TIMEOUT_SECONDS,
            c -> c.websocket().headerTimeoutSeconds(),
            "A connection that has not sent a complete handshake request within this many seconds of "
                + "opening is closed and counted (1..300).");
    static final ConfigKey<Integer> WEBSOCKET_IDLE_TIMEOUT_SECONDS = key("websocket.idle_timeout_seconds",
            Rule.ints(1, WebSocket.MAX_IDLE_TIMEOUT_SECONDS), WebSocket.DEFAULT_IDLE_TIMEOUT_SECONDS,
            c -> c.websocket().idleTimeoutSeconds(),
            "A connection on which nothing arrives or leaves for this many seconds is closed (1..3600): "
                + "a sensor whose network dropped would otherwise keep counting against its connection "
                + "limit. Keep it well above the time the endpoint may pause a sensor's socket for "
                + "backpressure (at most a quarter of `ingest.queue_seconds` of audio to analyse).");
    static final ConfigKey<Integer> WEBSOCKET_MAX_CONNECTIONS = key("websocket.max_connections",
            Rule.ints(1, WebSocket.MAX_MAX_CONNECTIONS), WebSocket.DEFAULT_MAX_CONNECTIONS,
            c -> c.websocket().maxConnections(),
            "Most connections the WebSocket listener holds at once, all sensors together "
                + "(1..1000000); a further one is closed at once and counted.");

    static final ConfigKey<String> HTTP_HOST = key("http.host", HOST, Http.DEFAULT_HOST, c -> c.http().host(),
            "Address of the HTTP listener (health, query API; `/metrics` is on `metrics.*`).");
    static final ConfigKey<Integer> HTTP_PORT = key("http.port", PORT, Http.DEFAULT_PORT, c -> c.http().port(),
            "Its port (0 = any free port).");
    static final ConfigKey<Boolean> HTTP_TLS = key("http.tls", BOOL, Http.DEFAULT_TLS, c -> c.http().tls(),
            "Serve HTTPS with `tls.keystore`.");
    static final ConfigKey<Integer> HTTP_HEADER_TIMEOUT_SECONDS = key("http.header_timeout_seconds",
            Rule.ints(1, Http.MAX_HEADER_TIMEOUT_SECONDS), Http.DEFAULT_HEADER_TIMEOUT_SECONDS,
            c -> c.http().headerTimeoutSeconds(),
            "A connection that has not sent a complete request head within this many seconds of "
                + "opening, or of its previous response, is closed and counted (1..300), so that slow clients "
                + "cannot hold connections.");
    static final ConfigKey<Integer> HTTP_IDLE_TIMEOUT_SECONDS = key("http.idle_timeout_seconds",
            Rule.ints(1, Http.MAX_IDLE_TIMEOUT_SECONDS), Http.DEFAULT_IDLE_TIMEOUT_SECONDS,
            c -> c.http().idleTimeoutSeconds(),
            "A connection on which nothing is sent or received for this many seconds is closed "
                + "(1..3600).");
    static final ConfigKey<Integer> HTTP_MAX_CONNECTIONS = key("http.max_connections",
            Rule.ints(1, Http.MAX_MAX_CONNECTIONS), Http.DEFAULT_MAX_CONNECTIONS, c -> c.http().maxConnections(),
            "Most connections the HTTP listener holds at once (1..100000); a further one is closed at "
                + "once and counted (`earshot_refused_total{transport=\"http\",reason=\"too_many_connections\"}`).");

    static final ConfigKey<String> METRICS_HOST = key("metrics.host", HOST, ServeConfig.Metrics.DEFAULT_HOST,
            c -> c.metrics().host(),
            "Address of the `/metrics` listener (Prometheus text), apart from the public HTTP listener, which does "
                + "not serve it: per-sensor counters and last-seen times, polled, date each detection. Loopback by "
                + "default; open it only to your monitoring network.");
    static final ConfigKey<Integer> METRICS_PORT = key("metrics.port", PORT, ServeConfig.Metrics.DEFAULT_PORT,
            c -> c.metrics().port(),
            "Its port (0 = any free port).");

    static final ConfigKey<Path> TLS_KEYSTORE =
            key("tls.keystore", Rule.paths(true), Tls.DEFAULT_KEYSTORE, c -> c.tls().keystore(),
            "PKCS12 file with the certificate and private key, shared by every listener with `tls: "
                + "true`. When set it must exist, and it must open with `tls.keystore_password` when that "
                + "is set; both are checked at start-up.");
    static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = key("tls.keystore_password", Rule.secrets(),
            Tls.DEFAULT_KEYSTORE_PASSWORD, c -> c.tls().keystorePassword(),
            "Password of the keystore. Best set only in the environment.");

    static final ConfigKey<Integer> PIPELINE_WORKERS = key("pipeline.workers",
            Rule.ints(1, Pipeline.MAX_WORKERS), Pipeline.DEFAULT_WORKERS, c -> c.pipeline().workers(),
            "Threads that turn sensors' audio into features and events (1..256).");
    static final ConfigKey<Integer> PIPELINE_INFERENCE_THREADS = key("pipeline.inference_threads",
            Rule.ints(1, Pipeline.MAX_INFERENCE_THREADS), Pipeline.DEFAULT_INFERENCE_THREADS,
            c -> c.pipeline().inferenceThreads(),
            "Threads that run the network (1..64).");
    static final ConfigKey<Integer> PIPELINE_MAX_BATCH = key("pipeline.max_batch",
            Rule.ints(1, Pipeline.MAX_MAX_BATCH), Pipeline.DEFAULT_MAX_BATCH, c -> c.pipeline().maxBatch(),
            "Most windows classified in one call of the network (1..1024).");

    static final ConfigKey<Boolean> OUTPUTS_PUBLISH_LEVELS = key("outputs.publish_levels", BOOL,
            Outputs.DEFAULT_PUBLISH_LEVELS, c -> c.outputs().publishLevels(),
            "Publish each sensor's sound levels as well as its events.");

    static final ConfigKey<Path> JOURNAL_DIR =
            key("journal.dir", Rule.paths(true), Journal.DEFAULT_DIR, c -> c.journal().dir(),
            "Directory of the journal (segments and signed checkpoints). Null means "
                + "`<data_dir>/journal`.");
    static final ConfigKey<Path> JOURNAL_KEY_FILE =
            key("journal.key_file", Rule.paths(true), Journal.DEFAULT_KEY_FILE, c -> c.journal().keyFile(),
            "Ed25519 private key (PEM) that signs checkpoints, created on first start with its public "
                + "key beside it as `<file>.pub`. Null means `<data_dir>/keys/journal-ed25519.pem`. Keep it "
                + "out of the journal directory you hand to auditors.");
    static final ConfigKey<Integer> JOURNAL_CHECKPOINT_ENTRIES = key("journal.checkpoint_entries",
            Rule.ints(1, Journal.MAX_CHECKPOINT_ENTRIES), Journal.DEFAULT_CHECKPOINT_ENTRIES,
            c -> c.journal().checkpointEntries(),
            "Sign a checkpoint after this many new entries (1..10000000).");
    static final ConfigKey<Double> JOURNAL_CHECKPOINT_SECONDS = key("journal.checkpoint_seconds",
            Rule.doubles(">= 0.1", v -> v >= 0.1), Journal.DEFAULT_CHECKPOINT_SECONDS,
            c -> c.journal().checkpointSeconds(),
            "... and at this interval whenever there are new entries (at least 0.1). A checkpoint is "
                + "also signed at every clean stop.");
    static final ConfigKey<Integer> JOURNAL_SEGMENT_ENTRIES = key("journal.segment_entries",
            Rule.ints(1, Journal.MAX_SEGMENT_ENTRIES), Journal.DEFAULT_SEGMENT_ENTRIES,
            c -> c.journal().segmentEntries(),
            "Start a new segment file after this many entries (1..10000000).");
    static final ConfigKey<Double> JOURNAL_SEGMENT_HOURS = key("journal.segment_hours",
            Rule.doubles("> 0", v -> v > 0), Journal.DEFAULT_SEGMENT_HOURS, c -> c.journal().segmentHours(),
            "... or once the segment's first entry is this old (more than 0). Retention works on "
                + "closed segments, so this is also its granularity.");
    static final ConfigKey<Integer> JOURNAL_RETENTION_DAYS = key("journal.retention_days",
            Rule.ints(0, Journal.MAX_RETENTION_DAYS), Journal.DEFAULT_RETENTION_DAYS,
            c -> c.journal().retentionDays(),
            "Delete the data of detection, alert and API-request entries this many days old "
                + "(0..36500; 0 keeps it forever). Their hashes stay, so the journal still verifies, and a "
                + "`redaction` entry records each deletion.");

    static final ConfigKey<String> INFLUX_URL =
            key("influx.url", Rule.strings(true), Influx.DEFAULT_URL, c -> c.influx().url(),
            "InfluxDB to write detections, sound levels and sensor health to, e.g. "
                + "`http://localhost:8086` (InfluxDB 1.x, 1.8, or 2.x through its 1.x compatibility API). "
                + "Null: no InfluxDB; everything is still journaled and served by the API. No credentials "
                + "in the URL.");
    static final ConfigKey<String> INFLUX_DATABASE =
            key("influx.database", Rule.strings(false), Influx.DEFAULT_DATABASE, c -> c.influx().database(),
            "Database (created when missing), with its retention policies (`docs/INFLUXDB.md`).");
    static final ConfigKey<String> INFLUX_USERNAME =
            key("influx.username", Rule.strings(true), Influx.DEFAULT_USERNAME, c -> c.influx().username(),
            "User name for InfluxDB; null when it has no authentication.");
    static final ConfigKey<String> INFLUX_PASSWORD =
            key("influx.password", Rule.secrets(), Influx.DEFAULT_PASSWORD, c -> c.influx().password(),
            "Its password (for 2.x: a token). Best set only in the environment.");
    static final ConfigKey<Integer> INFLUX_DETECTIONS_RETENTION_DAYS = key("influx.detections_retention_days",
            Rule.ints(1, Influx.MAX_RETENTION_DAYS), Influx.DEFAULT_DETECTIONS_RETENTION_DAYS,
            c -> c.influx().detectionsRetentionDays(),
            "Retention policy of the detection measurement, in days (1..36500), set at every start.");
    static final ConfigKey<Integer> INFLUX_LEVELS_RETENTION_DAYS = key("influx.levels_retention_days",
            Rule.ints(1, Influx.MAX_RETENTION_DAYS), Influx.DEFAULT_LEVELS_RETENTION_DAYS,
            c -> c.influx().levelsRetentionDays(),
            "Retention policy of sound levels and sensor health, in days (1..36500).");
    static final ConfigKey<Integer> INFLUX_BATCH_SIZE = key("influx.batch_size",
            Rule.ints(1, Influx.MAX_BATCH_SIZE), Influx.DEFAULT_BATCH_SIZE, c -> c.influx().batchSize(),
            "Most points written in one request (1..100000).");
    static final ConfigKey<Double> INFLUX_FLUSH_SECONDS = key("influx.flush_seconds",
            Rule.doubles("> 0 and <= 60", v -> v > 0 && v <= 60), Influx.DEFAULT_FLUSH_SECONDS,
            c -> c.influx().flushSeconds(),
            "Longest a point waits before it is written, in seconds (more than 0, at most 60).");
    static final ConfigKey<Integer> INFLUX_LEVEL_BUFFER = key("influx.level_buffer",
            Rule.ints(1, Influx.MAX_LEVEL_BUFFER), Influx.DEFAULT_LEVEL_BUFFER, c -> c.influx().levelBuffer(),
            "Sound-level points kept in memory while InfluxDB is unreachable (1..10000000, and at "
                + "least `influx.batch_size`); beyond it the oldest are dropped and counted. Detections are "
                + "never dropped: they are caught up from the journal.");
    static final ConfigKey<Double> INFLUX_HEALTH_SECONDS = key("influx.health_seconds",
            Rule.doubles(">= 0.1 and <= 3600", v -> v >= 0.1 && v <= 3600), Influx.DEFAULT_HEALTH_SECONDS,
            c -> c.influx().healthSeconds(),
            "How often sensor health, service status and API access counts are written, in seconds "
                + "(0.1..3600). Dashboards and the silent-sensor alert see a sensor's state at most this late.");

    static final ConfigKey<Path> API_KEYS_FILE =
            key("api.keys_file", Rule.paths(true), Api.DEFAULT_KEYS_FILE, c -> c.api().keysFile(),
            "API keys of the query API (`earshot api-keys add`). Null means "
                + "`<data_dir>/api-keys.json`.");
    static final ConfigKey<String> API_JWT_SECRET =
            key("api.jwt_secret", Rule.secrets(), Api.DEFAULT_JWT_SECRET, c -> c.api().jwtSecret(),
            "HS256 secret (at least 32 bytes) for JWTs accepted by the query API; null accepts API "
                + "keys only. Best set only in the environment.");
    static final ConfigKey<String> API_JWT_AUDIENCE =
            key("api.jwt_audience", Rule.strings(false), Api.DEFAULT_JWT_AUDIENCE, c -> c.api().jwtAudience(),
            "The `aud` a JWT must carry.");
    static final ConfigKey<String> API_JWT_ISSUER =
            key("api.jwt_issuer", Rule.strings(true), Api.DEFAULT_JWT_ISSUER, c -> c.api().jwtIssuer(),
            "The `iss` a JWT must carry; null accepts any issuer.");

    static final ConfigKey<Integer> API_ANONYMOUS_REQUESTS_PER_MINUTE = key("api.anonymous_requests_per_minute",
            Rule.ints(1, Api.MAX_REQUESTS_PER_MINUTE), Api.DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE,
            c -> c.api().anonymousRequestsPerMinute(),
            "Requests a minute (and burst) one client address may make without a valid credential (an IPv6 "
                + "client counts by its /64); more get `429` with `Retry-After`, counted in "
                + "`earshot_api_rate_limited_total`.");
    static final ConfigKey<Integer> API_CREDENTIAL_REQUESTS_PER_MINUTE = key("api.credential_requests_per_minute",
            Rule.ints(1, Api.MAX_REQUESTS_PER_MINUTE), Api.DEFAULT_CREDENTIAL_REQUESTS_PER_MINUTE,
            c -> c.api().credentialRequestsPerMinute(),
            "Requests a minute (and burst) one API key or JWT subject may make, from any address.");
    static final ConfigKey<Integer> API_REFUSAL_SUMMARY_SECONDS = key("api.refusal_summary_seconds",
            Rule.ints(1, 3600), Api.DEFAULT_REFUSAL_SUMMARY_SECONDS, c -> c.api().refusalSummarySeconds(),
            "Refused anonymous requests and rate-limited requests are journaled as one `api_refusals` entry per "
                + "this many seconds (1..3600), counted per address, principal, status and endpoint, instead of "
                + "one entry each.");
    static final ConfigKey<Integer> API_TRANSPARENCY_MIN_COUNT = key("api.transparency_min_count",
            Rule.ints(1, 1000), Api.DEFAULT_TRANSPARENCY_MIN_COUNT, c -> c.api().transparencyMinCount(),
            "The public transparency figures leave out each day, sensor and class with fewer detections than "
                + "this (but some), from its row and every total (1..1000; 1 publishes every count).");

    static final ConfigKey<String> CLUSTER_BOOTSTRAP_SERVERS = key("cluster.bootstrap_servers",
            Rule.matching("host:port[,host:port...]", Cluster.BOOTSTRAP_SERVERS, true),
            Cluster.DEFAULT_BOOTSTRAP_SERVERS, c -> c.cluster().bootstrapServers(),
            "Apache Kafka brokers of cluster mode (`docs/DEPLOYMENT.md`); null, the default, is one node with its "
                + "own journal and no Kafka. Set, the node sends its detections and alerts to Kafka, and "
                + "`earshot journal-writer` journals them.");
    static final ConfigKey<String> CLUSTER_NODE_ID = key("cluster.node_id",
            Rule.matching("1 to 64 of a-z 0-9 _ - starting with a letter or digit", Cluster.NODE_ID, true),
            Cluster.DEFAULT_NODE_ID, c -> c.cluster().nodeId(),
            "This node's name in cluster mode, recorded with each of its records; every node needs its own. "
                + "Required when `cluster.bootstrap_servers` is set.");
    static final ConfigKey<String> CLUSTER_TOPIC_PREFIX = key("cluster.topic_prefix",
            Rule.matching("1 to 100 of a-z A-Z 0-9 . _ -", Cluster.TOPIC_PREFIX, false),
            Cluster.DEFAULT_TOPIC_PREFIX, c -> c.cluster().topicPrefix(),
            "Prefix of the Kafka topics (`<prefix>records`, `<prefix>journaled`, `<prefix>leases`) and of the "
                + "journal writers' consumer group (`<prefix>journal-writer`).");
    static final ConfigKey<Integer> CLUSTER_PARTITIONS = key("cluster.partitions", Rule.ints(1, 1000),
            Cluster.DEFAULT_PARTITIONS, c -> c.cluster().partitions(),
            "Partitions of the records topic when Earshot creates it (1..1000); a sensor's records stay in order "
                + "in one partition.");
    static final ConfigKey<Integer> CLUSTER_REPLICATION_FACTOR = key("cluster.replication_factor",
            Rule.ints(1, 10), Cluster.DEFAULT_REPLICATION_FACTOR, c -> c.cluster().replicationFactor(),
            "Copies of each record on distinct brokers when Earshot creates the topic (1..10).");
    static final ConfigKey<Integer> CLUSTER_MIN_INSYNC_REPLICAS = key("cluster.min_insync_replicas",
            Rule.ints(1, 10), Cluster.DEFAULT_MIN_INSYNC_REPLICAS, c -> c.cluster().minInsyncReplicas(),
            "Copies a record must reach before Kafka acknowledges it (`acks=all`; at most the replication "
                + "factor); only an acknowledged detection counts as made.");
    static final ConfigKey<Integer> CLUSTER_DELIVERY_TIMEOUT_SECONDS = key("cluster.delivery_timeout_seconds",
            Rule.ints(1, 3600), Cluster.DEFAULT_DELIVERY_TIMEOUT_SECONDS,
            c -> c.cluster().deliveryTimeoutSeconds(),
            "How long a record may take to be acknowledged, retries included (1..3600); one that is not is "
                + "counted as failed (`earshot_cluster_records_failed_total`) and logged.");

    /** Every key, in the order of the example file and of {@code describe()}. */
    static final List<ConfigKey<?>> ALL = List.of(DATA_DIR, MODEL, SENSORS_FILE,
            INGEST_MODE, INGEST_MAX_FRAME_BYTES, INGEST_QUEUE_SECONDS, INGEST_REORDER_FRAMES, INGEST_IDLE_FLUSH_SECONDS,
            INGEST_MAX_CLOCK_OFFSET_SECONDS,
            MQTT_HOST, MQTT_PORT, MQTT_TLS, MQTT_MAX_CONNECTIONS_PER_SENSOR, MQTT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
            MQTT_CONNECT_TIMEOUT_SECONDS,
            BROKER_HOST, BROKER_PORT, BROKER_USERNAME, BROKER_PASSWORD, BROKER_CLIENT_ID, BROKER_TLS,
            BROKER_RECONNECT_SECONDS,
            WEBSOCKET_ENABLED, WEBSOCKET_HOST, WEBSOCKET_PORT, WEBSOCKET_TLS, WEBSOCKET_MAX_CONNECTIONS_PER_SENSOR,
            WEBSOCKET_HEADER_TIMEOUT_SECONDS, WEBSOCKET_IDLE_TIMEOUT_SECONDS, WEBSOCKET_MAX_CONNECTIONS,
            HTTP_HOST, HTTP_PORT, HTTP_TLS, HTTP_HEADER_TIMEOUT_SECONDS, HTTP_IDLE_TIMEOUT_SECONDS,
            HTTP_MAX_CONNECTIONS,
            METRICS_HOST, METRICS_PORT,
            TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD,
            PIPELINE_WORKERS, PIPELINE_INFERENCE_THREADS, PIPELINE_MAX_BATCH,
            OUTPUTS_PUBLISH_LEVELS,
            JOURNAL_DIR, JOURNAL_KEY_FILE, JOURNAL_CHECKPOINT_ENTRIES, JOURNAL_CHECKPOINT_SECONDS,
            JOURNAL_SEGMENT_ENTRIES, JOURNAL_SEGMENT_HOURS, JOURNAL_RETENTION_DAYS,
            INFLUX_URL, INFLUX_DATABASE, INFLUX_USERNAME, INFLUX_PASSWORD, INFLUX_DETECTIONS_RETENTION_DAYS,
            INFLUX_LEVELS_RETENTION_DAYS, INFLUX_BATCH_SIZE, INFLUX_FLUSH_SECONDS, INFLUX_LEVEL_BUFFER, INFLUX_HEALTH_SECONDS,
            API_KEYS_FILE, API_JWT_SECRET, API_JWT_AUDIENCE, API_JWT_ISSUER, API_ANONYMOUS_REQUESTS_PER_MINUTE,
            API_CREDENTIAL_REQUESTS_PER_MINUTE, API_REFUSAL_SUMMARY_SECONDS, API_TRANSPARENCY_MIN_COUNT,
            CLUSTER_BOOTSTRAP_SERVERS, CLUSTER_NODE_ID, CLUSTER_TOPIC_PREFIX, CLUSTER_PARTITIONS,
            CLUSTER_REPLICATION_FACTOR, CLUSTER_MIN_INSYNC_REPLICAS, CLUSTER_DELIVERY_TIMEOUT_SECONDS);

    private ConfigKeys() {}

    private static <T> ConfigKey<T> key(String name, Rule<T> rule, T defaultValue, Function<ServeConfig, T> get,
                                        String description) {
        return new ConfigKey<>(name, rule, defaultValue, get, description);
    }

    /**
     * The key table of {@code docs/CONFIGURATION.md}, generated from this list (key, default, variable, what it
     * does): {@code earshot config-reference} prints it, and a test holds the document to it.
     */
    static String referenceTable() {
        StringBuilder out = new StringBuilder("| key | default | environment variable | what it does |\n|---|---|---|---|\n");
        for (ConfigKey<?> key : ALL) {
            out.append("| `").append(key.name()).append("` | `").append(key.defaultText()).append("` | `")
                    .append(key.envVariable()).append("` | ").append(key.description()).append(" |\n");
        }
        return out.toString();
    }
}
