package org.earshot.config;

import static org.earshot.config.ConfigKeys.*;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.earshot.config.ServeConfig.Broker;
import org.earshot.config.ServeConfig.Http;
import org.earshot.config.ServeConfig.Api;
import org.earshot.config.ServeConfig.Influx;
import org.earshot.config.ServeConfig.Ingest;
import org.earshot.config.ServeConfig.Journal;
import org.earshot.config.ServeConfig.Mqtt;
import org.earshot.config.ServeConfig.Outputs;
import org.earshot.config.ServeConfig.Pipeline;
import org.earshot.config.ServeConfig.Tls;
import org.earshot.config.ServeConfig.WebSocket;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads {@link ServeConfig}: defaults, then the file, then the environment, each value checked by its key's rule as
 * it is read so that an error can say where the value came from (the file or the variable). It remembers that
 * origin per key for the checks that need the whole tree (TLS without a keystore), which blame the key that asked.
 */
final class ServeConfigLoader {
    private static final Map<String, ConfigKey<?>> BY_NAME =
            ALL.stream().collect(Collectors.toMap(ConfigKey::name, Function.identity()));
    /** Every dotted path that holds an object: "", "ingest", "mqtt", ... */
    private static final Set<String> SECTIONS = ALL.stream().map(ConfigKey::section).collect(Collectors.toSet());

    private final Map<ConfigKey<?>, Object> values = new LinkedHashMap<>();
    private final Map<ConfigKey<?>, String> origins = new HashMap<>();
    private final String fileName;

    private ServeConfigLoader(Optional<Path> file) {
        fileName = file.map(Path::toString).orElse(null);
        for (ConfigKey<?> key : ALL) {
            values.put(key, key.defaultValue());
        }
    }

    static ServeConfig load(Optional<Path> file, Map<String, String> env) throws ConfigException {
        ServeConfigLoader loader = new ServeConfigLoader(file);
        if (file.isPresent()) {
            JsonElement root = StrictJson.read(file.get());
            if (!root.isJsonObject()) {
                throw new ConfigException(loader.fileName + ": must hold a JSON object, got " + StrictJson.kind(root));
            }
            loader.readObject(root.getAsJsonObject(), "");
        }
        loader.readEnvironment(env);
        ServeConfig config;
        try {
            config = loader.build();
        } catch (Invalid e) {
            throw new ConfigException(loader.origin(BY_NAME.get(e.key)) + ": " + e.getMessage(), e);
        }
        loader.checkKeystore(config.tls());
        return config;
    }

    private void readObject(JsonObject object, String prefix) throws ConfigException {
        for (Map.Entry<String, JsonElement> member : object.entrySet()) {
            String name = prefix.isEmpty() ? member.getKey() : prefix + "." + member.getKey();
            JsonElement value = member.getValue();
            ConfigKey<?> key = BY_NAME.get(name);
            if (member.getKey().contains(".")) {
                // A flat "ingest.mode" would otherwise read as an unknown key that is spelled exactly like a known one.
                throw new ConfigException(fileName + ": key " + printable(name) + " has a dot in its name; write"
                        + " sections as nested objects ({\"ingest\": {\"mode\": ...}})");
            } else if (key != null) {
                try {
                    values.put(key, key.rule().fromJson(name, value));
                } catch (Invalid e) {
                    throw new ConfigException(fileName + ": " + e.getMessage(), e);
                }
                origins.put(key, fileName);
            } else if (SECTIONS.contains(name)) {
                if (!value.isJsonObject()) {
                    throw new ConfigException(fileName + ": " + name + " must be an object, got "
                            + StrictJson.kind(value));
                }
                readObject(value.getAsJsonObject(), name);
            } else {
                throw new ConfigException(fileName + ": unknown key " + printable(name) + " (known here: "
                        + String.join(", ", namesUnder(prefix)) + ")");
            }
        }
    }

    private void readEnvironment(Map<String, String> env) throws ConfigException {
        for (ConfigKey<?> key : ALL) {
            String text = env.get(key.envVariable());
            if (text == null) {
                continue;
            }
            try {
                values.put(key, key.rule().fromText(key.name(), text));
            } catch (Invalid e) {
                throw new ConfigException(key.envVariable() + ": " + e.getMessage(), e);
            }
            origins.put(key, key.envVariable());
        }
    }

    private ServeConfig build() {
        return new ServeConfig(get(DATA_DIR), get(MODEL), get(SENSORS_FILE),
                new Ingest(get(INGEST_MODE), get(INGEST_MAX_FRAME_BYTES), get(INGEST_QUEUE_SECONDS),
                        get(INGEST_REORDER_FRAMES), get(INGEST_IDLE_FLUSH_SECONDS),
                        get(INGEST_MAX_CLOCK_OFFSET_SECONDS)),
                new Mqtt(get(MQTT_HOST), get(MQTT_PORT), get(MQTT_TLS), get(MQTT_MAX_CONNECTIONS_PER_SENSOR),
                        get(MQTT_MAX_SUBSCRIPTIONS_PER_CONNECTION), get(MQTT_CONNECT_TIMEOUT_SECONDS)),
                new Broker(get(BROKER_HOST), get(BROKER_PORT), get(BROKER_USERNAME), get(BROKER_PASSWORD),
                        get(BROKER_CLIENT_ID), get(BROKER_TLS), get(BROKER_RECONNECT_SECONDS)),
                new WebSocket(get(WEBSOCKET_ENABLED), get(WEBSOCKET_HOST), get(WEBSOCKET_PORT), get(WEBSOCKET_TLS),
                        get(WEBSOCKET_MAX_CONNECTIONS_PER_SENSOR), get(WEBSOCKET_HEADER_TIMEOUT_SECONDS),
                        get(WEBSOCKET_IDLE_TIMEOUT_SECONDS), get(WEBSOCKET_MAX_CONNECTIONS)),
                new Http(get(HTTP_HOST), get(HTTP_PORT), get(HTTP_TLS), get(HTTP_HEADER_TIMEOUT_SECONDS),
                        get(HTTP_IDLE_TIMEOUT_SECONDS), get(HTTP_MAX_CONNECTIONS)),
                new Tls(get(TLS_KEYSTORE), get(TLS_KEYSTORE_PASSWORD)),
                new Pipeline(get(PIPELINE_WORKERS), get(PIPELINE_INFERENCE_THREADS), get(PIPELINE_MAX_BATCH)),
                new Outputs(get(OUTPUTS_PUBLISH_LEVELS)),
                new Journal(get(JOURNAL_DIR), get(JOURNAL_KEY_FILE), get(JOURNAL_CHECKPOINT_ENTRIES),
                        get(JOURNAL_CHECKPOINT_SECONDS), get(JOURNAL_SEGMENT_ENTRIES), get(JOURNAL_SEGMENT_HOURS),
                        get(JOURNAL_RETENTION_DAYS)),
                new Influx(get(INFLUX_URL), get(INFLUX_DATABASE), get(INFLUX_USERNAME), get(INFLUX_PASSWORD),
                        get(INFLUX_DETECTIONS_RETENTION_DAYS), get(INFLUX_LEVELS_RETENTION_DAYS),
                        get(INFLUX_BATCH_SIZE), get(INFLUX_FLUSH_SECONDS), get(INFLUX_LEVEL_BUFFER),
                        get(INFLUX_HEALTH_SECONDS)),
                new Api(get(API_KEYS_FILE), get(API_JWT_SECRET), get(API_JWT_AUDIENCE), get(API_JWT_ISSUER),
                        get(API_ANONYMOUS_REQUESTS_PER_MINUTE), get(API_CREDENTIAL_REQUESTS_PER_MINUTE),
                        get(API_REFUSAL_SUMMARY_SECONDS), get(API_TRANSPARENCY_MIN_COUNT)),
                new ServeConfig.Metrics(get(METRICS_HOST), get(METRICS_PORT)),
                new ServeConfig.Cluster(get(CLUSTER_BOOTSTRAP_SERVERS), get(CLUSTER_NODE_ID), get(CLUSTER_TOPIC_PREFIX),
                        get(CLUSTER_PARTITIONS), get(CLUSTER_REPLICATION_FACTOR), get(CLUSTER_MIN_INSYNC_REPLICAS),
                        get(CLUSTER_DELIVERY_TIMEOUT_SECONDS)));
    }

    /** A keystore that is named must be there and open now, not at the first TLS handshake. */
    private void checkKeystore(Tls tls) throws ConfigException {
        Path keystore = tls.keystore();
        if (keystore == null) {
            return;
        }
        if (!Files.isRegularFile(keystore)) {
            throw new ConfigException(origin(TLS_KEYSTORE) + ": " + TLS_KEYSTORE.name() + " " + keystore
                    + " does not exist or is not a file");
        }
        if (tls.keystorePassword() == null) {
            return;
        }
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore.getInstance("PKCS12").load(in, tls.keystorePassword().toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            // The JDK's messages ("keystore password was incorrect") never contain the password.
            throw new ConfigException(origin(TLS_KEYSTORE) + ": " + TLS_KEYSTORE.name() + " " + keystore
                    + " does not open as PKCS12 with " + TLS_KEYSTORE_PASSWORD.name() + ": " + e.getMessage(), e);
        }
    }

    /** The names directly inside a section, leaves and sub-sections, in table order. */
    private static Set<String> namesUnder(String prefix) {
        String start = prefix.isEmpty() ? "" : prefix + ".";
        return ALL.stream().map(ConfigKey::name).filter(n -> n.startsWith(start))
                .map(n -> n.substring(start.length()).split("\\.")[0])
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    @SuppressWarnings("unchecked")
    private <T> T get(ConfigKey<T> key) {
        return (T) values.get(key);
    }

    /** Where a key's value came from: its variable, the file, or (neither) the defaults. */
    private String origin(ConfigKey<?> key) {
        String origin = key == null ? null : origins.get(key);
        if (origin != null) {
            return origin;
        }
        return fileName != null ? fileName : "configuration";
    }

    private static String printable(String name) {
        return StrictJson.printable(name);
    }
}
