package org.earshot.sensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
    private final Map<Integer, Promise<Void>> pending = new HashMap<>();
    private final Set<Integer> early = new HashSet<>();

    public MqttSensorClient(Vertx vertx, String host, int port, String sensorId, String token, int maxInFlight,
                            TrustStore trust) {
        MqttClientOptions options = new MqttClientOptions().setClientId(sensorId).setUsername(sensorId)
                .setPassword(token).setCleanSession(true).setKeepAliveInterval(10)
                .setMaxInflightQueue(maxInFlight)
                .setMaxMessageSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES + 1024)
                .setWillFlag(true).setWillTopic(PREFIX + sensorId + "/status").setWillRetain(true).setWillQoS(1)
                .setWillMessageBytes(Buffer.buffer("{\"state\":\"offline\",\"reason\":\"connection lost\"}"));
        if (trust != null) {
            options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
                    .setTrustOptions(new PfxOptions().setPath(trust.path().toString())
                    .setPassword(trust.password()));
        }
        this.client = MqttClient.create(vertx, options);
        client.publishCompletionHandler(this::acknowledged);
        client.publishCompletionExpirationHandler(id -> {
            Promise<Void> p = pending.remove(id);
            if (p != null) {
                p.fail("no acknowledgement from the service for packet " + id);
            }
        });
        client.closeHandler(v -> {
            List<Promise<Void>> lost = new ArrayList<>(pending.values());
            pending.clear();
            lost.forEach(p -> p.tryFail("connection closed before the acknowledgement"));
        });
        this.host = host;
        this.port = port;
        this.sensorId = sensorId;
    }

    @Override
    public Future<Void> connect() {
        return client.connect(port, host).compose(ack -> client.publish(PREFIX + sensorId + "/status",
                Buffer.buffer("{\"state\":\"online\"}"), MqttQoS.AT_LEAST_ONCE, false, true)).mapEmpty();
    }

    /** Completes when the service has acknowledged the frame (PUBACK), not merely when it was written. */
    @Override
    public Future<Void> send(byte[] frame) {
        inFlight.incrementAndGet();
        Promise<Void> acked = Promise.promise();
        client.publish(PREFIX + sensorId + "/audio", Buffer.buffer(frame), MqttQoS.AT_LEAST_ONCE, false, false)
                .onSuccess(id -> {
                    if (early.remove(id)) {
                        acked.tryComplete();
                    } else {
                        pending.put(id, acked);
                    }
                })
                .onFailure(acked::tryFail);
        return acked.future().onComplete(r -> inFlight.decrementAndGet());
    }

    private void acknowledged(int packetId) {
        Promise<Void> p = pending.remove(packetId);
        if (p != null) {
            p.tryComplete();
        } else {
            // The acknowledgement overtook the write's own completion: remember it for send().
            early.add(packetId);
        }
    }

    @Override
    public boolean isConnected() {
        return client.isConnected();
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
