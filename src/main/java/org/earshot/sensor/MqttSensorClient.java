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
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.audio.FrameCodec;
import org.earshot.ingest.Topics;

/**
 * A sensor over MQTT: connects with its id as client id and username and its token as password, sets a last will
 * of {@code {"state":"offline"}} on its status topic, announces {@code {"state":"online"}} (retained), and publishes
 * frames on its audio topic at QoS 1. {@link #send} completes on the service's PUBACK. {@link #close()} announces
 * {@code {"state":"offline","reason":"shutdown"}} (retained) before disconnecting. One instance is one connection:
 * {@link #closeHandler} reports its loss; after it is lost, make a new one.
 */
public final class MqttSensorClient implements SensorClient {
    private final MqttClient client;
    private final String host;
    private final int port;
    private final String sensorId;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Integer, Promise<Void>> pending = new HashMap<>();
    private final Set<Integer> early = new HashSet<>();
    private Runnable onLost = () -> { };
    private boolean closing;
    private boolean lost;

    public MqttSensorClient(Vertx vertx, String host, int port, String sensorId, String token, int maxInFlight,
                            TrustStore trust) {
        MqttClientOptions options = new MqttClientOptions().setClientId(sensorId).setUsername(sensorId)
                .setPassword(token).setCleanSession(true).setKeepAliveInterval(10)
                // Room for the online and offline status messages on top of the frames.
                .setMaxInflightQueue(maxInFlight + 2)
                .setMaxMessageSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES + 1024)
                .setWillFlag(true).setWillTopic(Topics.status(sensorId)).setWillRetain(true).setWillQoS(1)
                .setWillMessageBytes(Buffer.buffer("{\"state\":\"offline\",\"reason\":\"connection lost\"}"));
        if (trust != null) {
            options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
                    .setTrustOptions(trust.options());
        }
        this.client = MqttClient.create(vertx, options);
        client.publishCompletionHandler(this::acknowledged);
        client.publishCompletionExpirationHandler(id -> {
            Promise<Void> p = pending.remove(id);
            if (p != null) {
                p.fail("no acknowledgement from the service for packet " + id);
            }
            lost();
        });
        client.closeHandler(v -> {
            List<Promise<Void>> unacknowledged = new ArrayList<>(pending.values());
            pending.clear();
            early.clear();
            unacknowledged.forEach(p -> p.tryFail("connection closed before the acknowledgement"));
            lost();
        });
        this.host = host;
        this.port = port;
        this.sensorId = sensorId;
    }

    /**
     * Calls {@code handler} once, on the client's context, when an established connection closes other than by
     * {@link #close()}, or a PUBACK does not come in time.
     */
    public MqttSensorClient closeHandler(Runnable handler) {
        this.onLost = java.util.Objects.requireNonNull(handler, "handler");
        return this;
    }

    private void lost() {
        if (!closing && !lost) {
            lost = true;
            onLost.run();
        }
    }

    @Override
    public Future<Void> connect() {
        return client.connect(port, host).compose(ack -> client.publish(Topics.status(sensorId),
                Buffer.buffer("{\"state\":\"online\"}"), MqttQoS.AT_LEAST_ONCE, false, true)).mapEmpty();
    }

    /** Completes when the service has acknowledged the frame (PUBACK), not merely when it was written. */
    @Override
    public Future<Void> send(byte[] frame) {
        inFlight.incrementAndGet();
        Promise<Void> acked = Promise.promise();
        Future<Integer> written;
        try {
            written = client.publish(Topics.audio(sensorId), Buffer.buffer(frame), MqttQoS.AT_LEAST_ONCE,
                    false, false);
        } catch (RuntimeException e) {
            // The underlying client throws when its connection is already gone.
            written = Future.failedFuture(e);
        }
        written.onSuccess(id -> {
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

    /**
     * Publishes {@code {"state":"offline","reason":"shutdown"}} (retained) and disconnects; when the status cannot be
     * published (the connection is stalled or gone), just disconnects. Never reports the closing as a loss.
     */
    @Override
    public Future<Void> close() {
        closing = true;
        if (!client.isConnected()) {
            return disconnect();
        }
        Future<Integer> status;
        try {
            status = client.publish(Topics.status(sensorId),
                    Buffer.buffer("{\"state\":\"offline\",\"reason\":\"shutdown\"}"), MqttQoS.AT_LEAST_ONCE, false,
                    true);
        } catch (RuntimeException e) {
            status = Future.failedFuture(e);
        }
        return status.compose(id -> client.disconnect()).recover(e -> disconnect());
    }

    private Future<Void> disconnect() {
        try {
            return client.disconnect().recover(e -> Future.succeededFuture());
        } catch (RuntimeException e) {
            // Already closed.
            return Future.succeededFuture();
        }
    }
}
