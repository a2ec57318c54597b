package org.earshot.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import org.earshot.pipeline.DetectionSink;
import org.earshot.pipeline.LevelReading;
import org.earshot.pipeline.LevelSink;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorDetection;

/**
 * What the instances of the embedded MQTT endpoint share (one instance per event loop, so that decoding the
 * sensors' traffic is spread over the cores): the connections, keyed by the authenticated sensor id and the client
 * id together (so that a client id names a session only within one credential, and no sensor can take over
 * another's), the count of connections per sensor against its limit, and the subscribers with their filters in a
 * {@link SubscriptionIndex}, from which alerts, detections, levels and signed journal checkpoints are fanned out to
 * every matching subscriber, each on its own connection's context.
 */
public final class MqttHub implements DetectionSink, LevelSink {
    /** The limits of the endpoint: connections per sensor, filters per connection, seconds to send CONNECT. */
    public record Limits(int maxConnectionsPerSensor, int maxSubscriptionsPerConnection, int connectTimeoutSeconds) {
        public Limits {
            if (maxConnectionsPerSensor < 1 || maxSubscriptionsPerConnection < 1 || connectTimeoutSeconds < 1) {
                throw new IllegalArgumentException("MQTT limits must be >= 1");
            }
        }
    }

    /**
     * One connection that subscribed: its filters (touched only on its own context, and never more than the
     * limit) and where to publish. Identity is the connection's, so it can key maps while its filters change.
     */
    static final class Subscriber {
        final MqttEndpoint endpoint;
        final Context context;
        final String sensorId;
        final Map<String, MqttQoS> filters = new HashMap<>();

        Subscriber(MqttEndpoint endpoint, Context context, String sensorId) {
            this.endpoint = endpoint;
            this.context = context;
            this.sensorId = sensorId;
        }
    }

    /** An admitted connection and the context it runs on (its event loop): where it must be closed. */
    record Connection(MqttEndpoint endpoint, Context context) {
        /**
         * Closes the connection on its own context, never on the caller's: its client's DISCONNECT may already have
         * marked it closed on its event loop while its close handler has yet to run, and closing it from another
         * loop then throws. One that closed meanwhile is left alone.
         */
        void close() {
            context.runOnContext(v -> {
                if (!endpoint.isConnected()) {
                    return;
                }
                try {
                    endpoint.close();
                } catch (IllegalStateException | IllegalArgumentException e) {
                    // Closed by other means between the check and the close: what was wanted.
                }
            });
        }
    }

    /** What {@link #admit} decided: accepted (closing the replaced connection, if any) or refused. */
    record Admission(boolean accepted, Connection replaced) {}

    private final Limits limits;
    private final Map<MqttEndpoint, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final SubscriptionIndex<Subscriber> index = new SubscriptionIndex<>();
    /** Connections by authenticated sensor id and client id; guarded by "this" together with perSensor. */
    private final Map<String, Connection> connected = new HashMap<>();
    private final Map<String, Integer> perSensor = new HashMap<>();
    /** The connections that sent audio, with their sensor: which of a sensor's connections stream it. */
    final Map<MqttEndpoint, String> streaming = new ConcurrentHashMap<>();
    private final LongAdder publishFailures = new LongAdder();
    /** When a refusal was last logged, per sensor: refusals are counted each time but logged sparingly. */
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    /** Refused CONNECTs, logged per remote address, shared by every endpoint instance. */
    final LogLimiter refusalLog = new LogLimiter(FrameIntake.LOG_INTERVAL_MILLIS, 10_000);
    private final String modelName;
    private volatile int port = -1;
    /** The newest signed journal checkpoint, for readers of {@link Topics#CHECKPOINT}. */
    private final NewestCheckpoint checkpoint = new NewestCheckpoint();

    public MqttHub(Metrics metrics, String modelName, Limits limits) {
        this.modelName = modelName;
        this.limits = limits;
        metrics.gauge("earshot_mqtt_connections", this::connections);
        metrics.gauge("earshot_mqtt_subscriptions", index::size);
        metrics.gauge("earshot_mqtt_publish_failures_total", publishFailures::sum);
    }

    public Limits limits() {
        return limits;
    }

    /** The port the endpoint listens on (the chosen one when configured as 0); -1 before it listens. */
    public int port() {
        return port;
    }

    /** Records the port; true for the first endpoint instance to listen. */
    synchronized boolean listening(int actualPort) {
        boolean first = port < 0;
        port = actualPort;
        return first;
    }

    /**
     * Whether a refusal of this (authenticated, so known) sensor may be logged now: at most one line per sensor
     * every {@link FrameIntake#LOG_INTERVAL_MILLIS}, so that a client repeating refused requests cannot flood the log.
     */
    boolean mayLog(String sensorId) {
        long now = System.currentTimeMillis();
        Long last = lastLogged.get(sensorId);
        if (last != null && now - last < FrameIntake.LOG_INTERVAL_MILLIS) {
            return false;
        }
        lastLogged.put(sensorId, now);
        return true;
    }

    private static String sessionKey(String sensorId, String clientId) {
        // Sensor ids cannot contain NUL, so the pair is unambiguous.
        return sensorId + "\u0000" + clientId;
    }

    /** Admitted connections (sensors and readers) that have not closed yet. */
    public synchronized int connections() {
        return connected.size();
    }

    /**
     * Admits a connection authenticated as {@code sensorId}: a client id the sensor already holds replaces that
     * connection (as MQTT prescribes for a session), any other counts against the sensor's limit and is refused
     * beyond it. {@code context} is the connection's own: a later connection that replaces it closes it there.
     */
    synchronized Admission admit(String sensorId, String clientId, MqttEndpoint endpoint, Context context) {
        String key = sessionKey(sensorId, clientId);
        Connection previous = connected.get(key);
        if (previous == null && perSensor.getOrDefault(sensorId, 0) >= limits.maxConnectionsPerSensor()) {
            return new Admission(false, null);
        }
        connected.put(key, new Connection(endpoint, context));
        if (previous == null) {
            perSensor.merge(sensorId, 1, Integer::sum);
        }
        return new Admission(true, previous);
    }

    /** Told of each sensor connection accepted (cluster mode: the node claims the sensor's lease); quick, no I/O. */
    private volatile java.util.function.Consumer<String> sensorConnected = id -> { };

    public void onSensorConnected(java.util.function.Consumer<String> listener) {
        this.sensorConnected = java.util.Objects.requireNonNull(listener, "listener");
    }

    void sensorConnected(String sensorId) {
        sensorConnected.accept(sensorId);
    }

    /**
     * Closes every connection of this sensor (removed from the sensors file, disabled or its token changed; or, in
     * cluster mode, a newer connection of it on another node holds its lease); returns how many were open. Any
     * thread: each is closed on its own context ({@link Connection#close}).
     */
    public int closeSensor(String sensorId) {
        String prefix = sessionKey(sensorId, "");
        List<Connection> connections = new ArrayList<>();
        synchronized (this) {
            connected.forEach((key, connection) -> {
                if (key.startsWith(prefix)) {
                    connections.add(connection);
                }
            });
        }
        connections.forEach(Connection::close);
        return connections.size();
    }

    /** The connection closed: it no longer counts, and its subscriptions go. */
    void closed(String sensorId, String clientId, MqttEndpoint endpoint) {
        synchronized (this) {
            String key = sessionKey(sensorId, clientId);
            Connection current = connected.get(key);
            if (current != null && current.endpoint() == endpoint) {
                connected.remove(key);
                perSensor.computeIfPresent(sensorId, (k, n) -> n == 1 ? null : n - 1);
            }
        }
        Subscriber s = subscribers.remove(endpoint);
        if (s != null) {
            for (String filter : s.filters.keySet()) {
                index.remove(s, filter);
            }
        }
    }

    /** The connection's subscriber, made on its first SUBSCRIBE; call on the connection's context. */
    Subscriber subscriber(MqttEndpoint endpoint, Context context, String sensorId) {
        return subscribers.computeIfAbsent(endpoint, e -> new Subscriber(e, context, sensorId));
    }

    /** Null when the connection never subscribed. */
    Subscriber subscriberOf(MqttEndpoint endpoint) {
        return subscribers.get(endpoint);
    }

    /**
     * Adds (or replaces, for a filter it holds) one filter of a subscriber; false when that would take the
     * connection over its limit. Called on the connection's context, like {@link #closed}, so the two never race.
     */
    boolean subscribe(Subscriber s, String filter, MqttQoS qos) {
        if (!s.filters.containsKey(filter) && s.filters.size() >= limits.maxSubscriptionsPerConnection()) {
            return false;
        }
        s.filters.put(filter, qos);
        index.put(s, filter, qos);
        return true;
    }

    void unsubscribe(Subscriber s, String filter) {
        if (s.filters.remove(filter) != null) {
            index.remove(s, filter);
        }
    }

    @Override
    public void accept(SensorDetection d) {
        String label = d.detection().label();
        String topic = d.stage() == SensorDetection.Stage.FINAL ? Topics.detection(d.sensor().id(), label)
                : Topics.alert(d.sensor().id(), label);
        fanOut(topic, OutputJson.detection(d, modelName).toString());
    }

    /**
     * Cluster mode: a detection or alert that the cluster's journal writer journaled, fanned out as given to the
     * readers subscribed to its topic. Any thread.
     */
    public void publishJournaled(String topic, String json) {
        fanOut(topic, json);
    }

    /**
     * A signed journal checkpoint: when it is newer than the one held, it is sent to every reader subscribed to
     * {@link Topics#CHECKPOINT}, and a reader that subscribes later gets the newest at once, marked retained
     * ({@link #retainedCheckpoint}), as a broker does with the one broker mode publishes retained. Any thread.
     */
    public void checkpoint(long treeSize, String json) {
        if (checkpoint.offer(treeSize, json)) {
            fanOut(Topics.CHECKPOINT, json);
        }
    }

    /** The newest checkpoint's JSON, for a new subscription to {@link Topics#CHECKPOINT}; null before the first. */
    String retainedCheckpoint() {
        return checkpoint.json();
    }

    @Override
    public void accept(LevelReading r) {
        fanOut(Topics.levels(r.sensor().id()), OutputJson.level(r).toString());
    }

    /**
     * Publishes to every subscriber whose filter matches, each on its own connection's context. Runs on a pipeline
     * thread: the index finds the subscribers in a few steps per topic level, whatever the number of filters.
     */
    private void fanOut(String topic, String json) {
        for (Map.Entry<Subscriber, MqttQoS> e : index.match(topic).entrySet()) {
            Subscriber s = e.getKey();
            MqttQoS qos = e.getValue();
            s.context.runOnContext(v -> {
                if (s.endpoint.isConnected()) {
                    s.endpoint.publish(topic, Buffer.buffer(json), qos, false, false)
                            .onFailure(x -> publishFailures.increment());
                }
            });
        }
    }
}
