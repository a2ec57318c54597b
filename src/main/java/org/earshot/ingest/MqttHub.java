package org.earshot.ingest;

import java.util.Map;
import java.util.Set;
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
 * sensors' traffic is spread over the cores): the connections by client id, the subscribers and their filters, and
 * the fan-out of alerts, detections and levels to every matching subscriber, each on its own connection's context.
 */
public final class MqttHub implements DetectionSink, LevelSink {
    record Subscriber(MqttEndpoint endpoint, Context context, String sensorId, Map<String, MqttQoS> filters) {}

    final Map<MqttEndpoint, Subscriber> subscribers = new ConcurrentHashMap<>();
    /** Connections by MQTT client id (a new connection with the same id takes over, as MQTT prescribes). */
    final Map<String, MqttEndpoint> connected = new ConcurrentHashMap<>();
    final Set<MqttEndpoint> streaming = ConcurrentHashMap.newKeySet();
    private final LongAdder publishFailures = new LongAdder();
    private final String modelName;
    private volatile int port = -1;

    public MqttHub(Metrics metrics, String modelName) {
        this.modelName = modelName;
        metrics.gauge("earshot_mqtt_connections", connected::size);
        metrics.gauge("earshot_mqtt_publish_failures_total", publishFailures::sum);
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

    @Override
    public void accept(SensorDetection d) {
        String label = d.detection().label();
        String topic = d.stage() == SensorDetection.Stage.FINAL ? Topics.detection(d.sensor().id(), label)
                : Topics.alert(d.sensor().id(), label);
        fanOut(topic, OutputJson.detection(d, modelName).toString());
    }

    @Override
    public void accept(LevelReading r) {
        fanOut(Topics.levels(r.sensor().id()), OutputJson.level(r).toString());
    }

    /** Publishes to every subscriber whose filter matches, each on its own connection's context. */
    private void fanOut(String topic, String json) {
        for (Subscriber s : subscribers.values()) {
            MqttQoS qos = null;
            for (Map.Entry<String, MqttQoS> f : s.filters().entrySet()) {
                if (Topics.matches(f.getKey(), topic) && (qos == null || f.getValue().value() > qos.value())) {
                    qos = f.getValue();
                }
            }
            if (qos == null) {
                continue;
            }
            MqttQoS chosen = qos;
            s.context().runOnContext(v -> {
                if (s.endpoint().isConnected()) {
                    s.endpoint().publish(topic, Buffer.buffer(json), chosen, false, false)
                            .onFailure(e -> publishFailures.increment());
                }
            });
        }
    }

}
