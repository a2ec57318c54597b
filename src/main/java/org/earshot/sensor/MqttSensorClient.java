package org.earshot.sensor;

import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PfxOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.audio.FrameCodec;

/**
 * A sensor over MQTT: connects with its id as client id and username and its token as password, sets a last will
 * of {@code {"state":"offline"}} on its status topic, announces {@code {"state":"online"}} (retained), and publishes
 * frames on its audio topic at QoS 1.
 */
public final class MqttSensorClient implements SensorClient {
    /** Topic names duplicated from the service's Topics on purpose: the sensor side only needs these two. */
    private static final String PREFIX = "earshot/v1/sensors/";

    private final MqttClient client;
    private final String host;
    private final int port;
    private final String sensorId;
    private final AtomicInteger inFlight = new AtomicInteger();

    public MqttSensorClient(Vertx vertx, String host, int port, String sensorId, String token, int maxInFlight,
                            TrustStore trust) {
        MqttClientOptions options = new MqttClientOptions().setClientId(sensorId).setUsername(sensorId)
                .setPassword(token).setCleanSession(true).setKeepAliveInterval(10)
                .setMaxInflightQueue(maxInFlight)
                .setMaxMessageSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES + 1024)
                .setWillFlag(true).setWillTopic(PREFIX + sensorId + "/status").setWillRetain(true).setWillQoS(1)
                .setWillMessageBytes(Buffer.buffer("{\"state\":\"offline\",\"reason\":\"connection lost\"}"));
        if (trust != null) {
            options.setSsl(true).setTrustOptions(new PfxOptions().setPath(trust.path().toString())
                    .setPassword(trust.password()));
        }
        this.client = MqttClient.create(vertx, options);
        this.host = host;
        this.port = port;
        this.sensorId = sensorId;
    }

    @Override
    public Future<Void> connect() {
        return client.connect(port, host).compose(ack -> client.publish(PREFIX + sensorId + "/status",
                Buffer.buffer("{\"state\":\"online\"}"), MqttQoS.AT_LEAST_ONCE, false, true)).mapEmpty();
    }

    @Override
    public Future<Void> send(byte[] frame) {
        inFlight.incrementAndGet();
        return client.publish(PREFIX + sensorId + "/audio", Buffer.buffer(frame), MqttQoS.AT_LEAST_ONCE, false, false)
                .<Void>mapEmpty().onComplete(r -> inFlight.decrementAndGet());
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public Future<Void> close() {
        if (!client.isConnected()) {
            return Future.succeededFuture();
        }
        return client.publish(PREFIX + sensorId + "/status", Buffer.buffer("{\"state\":\"offline\"}"),
                MqttQoS.AT_LEAST_ONCE, false, true).compose(id -> client.disconnect());
    }

    MqttClient client() {
        return client;
    }
}
