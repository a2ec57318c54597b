package org.earshot.sensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;

/**
 * An {@link MqttSensorClient} whose {@link #send} completes when the service has acknowledged the frame (PUBACK),
 * not when it has been written, and which reports a lost connection. One instance is one connection: after it is
 * lost, make a new one.
 *
 * <p>The underlying client reports PUBACKs by packet id but completes a publish when it is written, so PUBACKs are
 * matched to publishes by order: an MQTT server acknowledges the QoS 1 messages of a connection in the order it
 * received them (MQTT 3.1.1, 4.6.0-2), and the first one acknowledged is the {@code online} status sent on connecting.
 * Methods are called on the context that created the client, which is where its handlers run.
 */
public final class AcknowledgedMqttClient implements SensorClient {
    private final MqttSensorClient inner;
    private final Runnable onLost;
    /** Promises of the QoS 1 messages written and not yet acknowledged, in the order they were published. */
    private final ArrayDeque<Promise<Void>> awaiting = new ArrayDeque<>();
    private int framesAwaiting;
    private boolean closing;
    private boolean lost;

    /**
     * @param maxInFlight frames that may await their acknowledgement at once (the caller keeps to it)
     * @param onLost      called once when an established connection closes without {@link #close()}, or a PUBACK
     *                    does not come in time
     */
    public AcknowledgedMqttClient(Vertx vertx, String host, int port, String sensorId, String token, int maxInFlight,
                                  TrustStore trust, Runnable onLost) {
        // Room for the status messages on top of the frames.
        this.inner = new MqttSensorClient(vertx, host, port, sensorId, token, maxInFlight + 2, trust);
        this.onLost = onLost;
        MqttClient mqtt = inner.client();
        mqtt.publishCompletionHandler(packetId -> {
            Promise<Void> p = awaiting.pollFirst();
            if (p != null) {
                p.tryComplete();
            }
        });
        mqtt.publishCompletionExpirationHandler(packetId -> lost("a PUBACK did not arrive in time"));
        mqtt.closeHandler(v -> lost("connection closed"));
    }

    private void lost(String why) {
        List<Promise<Void>> pending = new ArrayList<>(awaiting);
        awaiting.clear();
        for (Promise<Void> p : pending) {
            p.tryFail(why);
        }
        if (!closing && !lost) {
            lost = true;
            onLost.run();
        }
    }

    @Override
    public Future<Void> connect() {
        // On success the client publishes the online status (QoS 1): the first PUBACK is its.
        Promise<Void> status = Promise.promise();
        awaiting.addLast(status);
        return inner.connect().onFailure(e -> awaiting.remove(status));
    }

    @Override
    public Future<Void> send(byte[] frame) {
        Promise<Void> acked = Promise.promise();
        awaiting.addLast(acked);
        framesAwaiting++;
        acked.future().onComplete(r -> framesAwaiting--);
        Future<Void> written;
        try {
            written = inner.send(frame);
        } catch (RuntimeException e) {
            // The underlying client throws when its connection is already gone.
            awaiting.remove(acked);
            acked.tryFail(e);
            return acked.future();
        }
        written.onFailure(e -> {
            // Never reached the server: no PUBACK will come for it.
            awaiting.remove(acked);
            acked.tryFail(e);
        });
        return acked.future();
    }

    @Override
    public int inFlight() {
        return framesAwaiting;
    }

    /**
     * Publishes the {@code offline} status and disconnects; when the status cannot be published (the connection is
     * stalled or gone), just disconnects. Also abandons a connection attempt still under way.
     */
    @Override
    public Future<Void> close() {
        closing = true;
        MqttClient mqtt = inner.client();
        if (!mqtt.isConnected()) {
            return disconnect(mqtt);
        }
        return inner.close().recover(e -> disconnect(mqtt));
    }

    private static Future<Void> disconnect(MqttClient mqtt) {
        try {
            return mqtt.disconnect();
        } catch (RuntimeException e) {
            // Already closed.
            return Future.succeededFuture();
        }
    }
}
