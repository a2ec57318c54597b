package org.earshot.config;

import org.earshot.config.ServeConfig.Broker;
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
            key("data_dir", Rule.paths(false), ServeConfig.DEFAULT_DATA_DIR, ServeConfig::dataDir);
    static final ConfigKey<Path> MODEL =
            key("model", Rule.paths(false), ServeConfig.DEFAULT_MODEL, ServeConfig::model);
    static final ConfigKey<Path> SENSORS_FILE =
            key("sensors_file", Rule.paths(true), ServeConfig.DEFAULT_SENSORS_FILE, ServeConfig::sensorsFile);

    static final ConfigKey<Mode> INGEST_MODE =
            key("ingest.mode", Rule.enums(Mode.class), Ingest.DEFAULT_MODE, c -> c.ingest().mode());
    static final ConfigKey<Integer> INGEST_MAX_FRAME_BYTES = key("ingest.max_frame_bytes",
            Rule.ints(Ingest.MIN_MAX_FRAME_BYTES, Ingest.MAX_MAX_FRAME_BYTES), Ingest.DEFAULT_MAX_FRAME_BYTES,
            c -> c.ingest().maxFrameBytes());
    static final ConfigKey<Double> INGEST_QUEUE_SECONDS = key("ingest.queue_seconds",
            Rule.doubles("> 0 and <= " + Ingest.MAX_QUEUE_SECONDS, v -> v > 0 && v <= Ingest.MAX_QUEUE_SECONDS),
            Ingest.DEFAULT_QUEUE_SECONDS, c -> c.ingest().queueSeconds());
    static final ConfigKey<Integer> INGEST_REORDER_FRAMES = key("ingest.reorder_frames",
            Rule.ints(0, Ingest.MAX_REORDER_FRAMES), Ingest.DEFAULT_REORDER_FRAMES, c -> c.ingest().reorderFrames());
    static final ConfigKey<Double> INGEST_IDLE_FLUSH_SECONDS = key("ingest.idle_flush_seconds",
            Rule.doubles("> 0", v -> v > 0), Ingest.DEFAULT_IDLE_FLUSH_SECONDS, c -> c.ingest().idleFlushSeconds());

    static final ConfigKey<String> MQTT_HOST = key("mqtt.host", HOST, Mqtt.DEFAULT_HOST, c -> c.mqtt().host());
    static final ConfigKey<Integer> MQTT_PORT = key("mqtt.port", PORT, Mqtt.DEFAULT_PORT, c -> c.mqtt().port());
    static final ConfigKey<Boolean> MQTT_TLS = key("mqtt.tls", BOOL, Mqtt.DEFAULT_TLS, c -> c.mqtt().tls());

    static final ConfigKey<String> BROKER_HOST =
            key("broker.host", HOST, Broker.DEFAULT_HOST, c -> c.broker().host());
    static final ConfigKey<Integer> BROKER_PORT =
            key("broker.port", PORT, Broker.DEFAULT_PORT, c -> c.broker().port());
    static final ConfigKey<String> BROKER_USERNAME =
            key("broker.username", Rule.strings(true), Broker.DEFAULT_USERNAME, c -> c.broker().username());
    static final ConfigKey<String> BROKER_PASSWORD =
            key("broker.password", Rule.secrets(), Broker.DEFAULT_PASSWORD, c -> c.broker().password());
    static final ConfigKey<String> BROKER_CLIENT_ID =
            key("broker.client_id", Rule.strings(false), Broker.DEFAULT_CLIENT_ID, c -> c.broker().clientId());
    static final ConfigKey<Boolean> BROKER_TLS = key("broker.tls", BOOL, Broker.DEFAULT_TLS, c -> c.broker().tls());
    static final ConfigKey<Double> BROKER_RECONNECT_SECONDS = key("broker.reconnect_seconds",
            Rule.doubles("> 0", v -> v > 0), Broker.DEFAULT_RECONNECT_SECONDS, c -> c.broker().reconnectSeconds());

    static final ConfigKey<Boolean> WEBSOCKET_ENABLED =
            key("websocket.enabled", BOOL, WebSocket.DEFAULT_ENABLED, c -> c.websocket().enabled());
    static final ConfigKey<String> WEBSOCKET_HOST =
            key("websocket.host", HOST, WebSocket.DEFAULT_HOST, c -> c.websocket().host());
    static final ConfigKey<Integer> WEBSOCKET_PORT =
            key("websocket.port", PORT, WebSocket.DEFAULT_PORT, c -> c.websocket().port());
    static final ConfigKey<Boolean> WEBSOCKET_TLS =
            key("websocket.tls", BOOL, WebSocket.DEFAULT_TLS, c -> c.websocket().tls());

    static final ConfigKey<String> HTTP_HOST = key("http.host", HOST, Http.DEFAULT_HOST, c -> c.http().host());
    static final ConfigKey<Integer> HTTP_PORT = key("http.port", PORT, Http.DEFAULT_PORT, c -> c.http().port());
    static final ConfigKey<Boolean> HTTP_TLS = key("http.tls", BOOL, Http.DEFAULT_TLS, c -> c.http().tls());

    static final ConfigKey<Path> TLS_KEYSTORE =
            key("tls.keystore", Rule.paths(true), Tls.DEFAULT_KEYSTORE, c -> c.tls().keystore());
    static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = key("tls.keystore_password", Rule.secrets(),
            Tls.DEFAULT_KEYSTORE_PASSWORD, c -> c.tls().keystorePassword());

    static final ConfigKey<Integer> PIPELINE_WORKERS = key("pipeline.workers",
            Rule.ints(1, Pipeline.MAX_WORKERS), Pipeline.DEFAULT_WORKERS, c -> c.pipeline().workers());
    static final ConfigKey<Integer> PIPELINE_INFERENCE_THREADS = key("pipeline.inference_threads",
            Rule.ints(1, Pipeline.MAX_INFERENCE_THREADS), Pipeline.DEFAULT_INFERENCE_THREADS,
            c -> c.pipeline().inferenceThreads());
    static final ConfigKey<Integer> PIPELINE_MAX_BATCH = key("pipeline.max_batch",
            Rule.ints(1, Pipeline.MAX_MAX_BATCH), Pipeline.DEFAULT_MAX_BATCH, c -> c.pipeline().maxBatch());

    static final ConfigKey<Boolean> OUTPUTS_PUBLISH_LEVELS = key("outputs.publish_levels", BOOL,
            Outputs.DEFAULT_PUBLISH_LEVELS, c -> c.outputs().publishLevels());

    static final ConfigKey<Path> JOURNAL_DIR =
            key("journal.dir", Rule.paths(true), Journal.DEFAULT_DIR, c -> c.journal().dir());
    static final ConfigKey<Path> JOURNAL_KEY_FILE =
            key("journal.key_file", Rule.paths(true), Journal.DEFAULT_KEY_FILE, c -> c.journal().keyFile());
    static final ConfigKey<Integer> JOURNAL_CHECKPOINT_ENTRIES = key("journal.checkpoint_entries",
            Rule.ints(1, Journal.MAX_CHECKPOINT_ENTRIES), Journal.DEFAULT_CHECKPOINT_ENTRIES,
            c -> c.journal().checkpointEntries());
    static final ConfigKey<Double> JOURNAL_CHECKPOINT_SECONDS = key("journal.checkpoint_seconds",
            Rule.doubles(">= 0.1", v -> v >= 0.1), Journal.DEFAULT_CHECKPOINT_SECONDS,
            c -> c.journal().checkpointSeconds());
    static final ConfigKey<Integer> JOURNAL_SEGMENT_ENTRIES = key("journal.segment_entries",
            Rule.ints(1, Journal.MAX_SEGMENT_ENTRIES), Journal.DEFAULT_SEGMENT_ENTRIES,
            c -> c.journal().segmentEntries());
    static final ConfigKey<Double> JOURNAL_SEGMENT_HOURS = key("journal.segment_hours",
            Rule.doubles("> 0", v -> v > 0), Journal.DEFAULT_SEGMENT_HOURS, c -> c.journal().segmentHours());
    static final ConfigKey<Integer> JOURNAL_RETENTION_DAYS = key("journal.retention_days",
            Rule.ints(0, Journal.MAX_RETENTION_DAYS), Journal.DEFAULT_RETENTION_DAYS,
            c -> c.journal().retentionDays());

    static final ConfigKey<String> INFLUX_URL =
            key("influx.url", Rule.strings(true), Influx.DEFAULT_URL, c -> c.influx().url());
    static final ConfigKey<String> INFLUX_DATABASE =
            key("influx.database", Rule.strings(false), Influx.DEFAULT_DATABASE, c -> c.influx().database());
    static final ConfigKey<String> INFLUX_USERNAME =
            key("influx.username", Rule.strings(true), Influx.DEFAULT_USERNAME, c -> c.influx().username());
    static final ConfigKey<String> INFLUX_PASSWORD =
            key("influx.password", Rule.secrets(), Influx.DEFAULT_PASSWORD, c -> c.influx().password());
    static final ConfigKey<Integer> INFLUX_DETECTIONS_RETENTION_DAYS = key("influx.detections_retention_days",
            Rule.ints(1, Influx.MAX_RETENTION_DAYS), Influx.DEFAULT_DETECTIONS_RETENTION_DAYS,
            c -> c.influx().detectionsRetentionDays());
    static final ConfigKey<Integer> INFLUX_LEVELS_RETENTION_DAYS = key("influx.levels_retention_days",
            Rule.ints(1, Influx.MAX_RETENTION_DAYS), Influx.DEFAULT_LEVELS_RETENTION_DAYS,
            c -> c.influx().levelsRetentionDays());
    static final ConfigKey<Integer> INFLUX_BATCH_SIZE = key("influx.batch_size",
            Rule.ints(1, Influx.MAX_BATCH_SIZE), Influx.DEFAULT_BATCH_SIZE, c -> c.influx().batchSize());
    static final ConfigKey<Double> INFLUX_FLUSH_SECONDS = key("influx.flush_seconds",
            Rule.doubles("> 0 and <= 60", v -> v > 0 && v <= 60), Influx.DEFAULT_FLUSH_SECONDS,
            c -> c.influx().flushSeconds());
    static final ConfigKey<Integer> INFLUX_LEVEL_BUFFER = key("influx.level_buffer",
            Rule.ints(1, Influx.MAX_LEVEL_BUFFER), Influx.DEFAULT_LEVEL_BUFFER, c -> c.influx().levelBuffer());
    static final ConfigKey<Double> INFLUX_HEALTH_SECONDS = key("influx.health_seconds",
            Rule.doubles(">= 0.1 and <= 3600", v -> v >= 0.1 && v <= 3600), Influx.DEFAULT_HEALTH_SECONDS,
            c -> c.influx().healthSeconds());

    static final ConfigKey<Path> API_KEYS_FILE =
            key("api.keys_file", Rule.paths(true), Api.DEFAULT_KEYS_FILE, c -> c.api().keysFile());
    static final ConfigKey<String> API_JWT_SECRET =
            key("api.jwt_secret", Rule.secrets(), Api.DEFAULT_JWT_SECRET, c -> c.api().jwtSecret());
    static final ConfigKey<String> API_JWT_AUDIENCE =
            key("api.jwt_audience", Rule.strings(false), Api.DEFAULT_JWT_AUDIENCE, c -> c.api().jwtAudience());
    static final ConfigKey<String> API_JWT_ISSUER =
            key("api.jwt_issuer", Rule.strings(true), Api.DEFAULT_JWT_ISSUER, c -> c.api().jwtIssuer());

    /** Every key, in the order of the example file and of {@code describe()}. */
    static final List<ConfigKey<?>> ALL = List.of(DATA_DIR, MODEL, SENSORS_FILE,
            INGEST_MODE, INGEST_MAX_FRAME_BYTES, INGEST_QUEUE_SECONDS, INGEST_REORDER_FRAMES, INGEST_IDLE_FLUSH_SECONDS,
            MQTT_HOST, MQTT_PORT, MQTT_TLS,
            BROKER_HOST, BROKER_PORT, BROKER_USERNAME, BROKER_PASSWORD, BROKER_CLIENT_ID, BROKER_TLS,
            BROKER_RECONNECT_SECONDS,
            WEBSOCKET_ENABLED, WEBSOCKET_HOST, WEBSOCKET_PORT, WEBSOCKET_TLS,
            HTTP_HOST, HTTP_PORT, HTTP_TLS,
            TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD,
            PIPELINE_WORKERS, PIPELINE_INFERENCE_THREADS, PIPELINE_MAX_BATCH,
            OUTPUTS_PUBLISH_LEVELS,
            JOURNAL_DIR, JOURNAL_KEY_FILE, JOURNAL_CHECKPOINT_ENTRIES, JOURNAL_CHECKPOINT_SECONDS,
            JOURNAL_SEGMENT_ENTRIES, JOURNAL_SEGMENT_HOURS, JOURNAL_RETENTION_DAYS,
            INFLUX_URL, INFLUX_DATABASE, INFLUX_USERNAME, INFLUX_PASSWORD, INFLUX_DETECTIONS_RETENTION_DAYS,
            INFLUX_LEVELS_RETENTION_DAYS, INFLUX_BATCH_SIZE, INFLUX_FLUSH_SECONDS, INFLUX_LEVEL_BUFFER, INFLUX_HEALTH_SECONDS,
            API_KEYS_FILE, API_JWT_SECRET, API_JWT_AUDIENCE, API_JWT_ISSUER);

    private ConfigKeys() {}

    private static <T> ConfigKey<T> key(String name, Rule<T> rule, T defaultValue, Function<ServeConfig, T> get) {
        return new ConfigKey<>(name, rule, defaultValue, get);
    }
}
