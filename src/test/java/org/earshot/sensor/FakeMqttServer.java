package org.earshot.sensor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.PfxOptions;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.FrameFormatException;
import org.earshot.audio.SensorFrame;
import org.earshot.testing.TestTls;

/**
 * A stand-in for the service's MQTT endpoint, for testing sensors: checks the credentials, records the status
 * messages and the frames it receives, acknowledges them (or holds the acknowledgements back) and can drop the
 * connection after a given number of frames.
 */
final class FakeMqttServer implements AutoCloseable {
    final List<SensorFrame> frames = new CopyOnWriteArrayList<>();
    final List<String> statuses = new CopyOnWriteArrayList<>();
    final List<Boolean> statusRetained = new CopyOnWriteArrayList<>();
    final List<String> clientIds = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicBoolean acknowledging = new AtomicBoolean(true);
    /** Drop the connection, without acknowledging, when frame number N (counted from 1 over all connections) comes. */
    final AtomicInteger dropAtFrame = new AtomicInteger(-1);
    final List<Integer> heldAcknowledgements = new CopyOnWriteArrayList<>();
    private final String sensorId;
    private final String token;
    private final MqttServer server;
    private volatile MqttEndpoint current;
    private volatile Context currentContext;

    FakeMqttServer(Vertx vertx, String sensorId, String token) throws Exception {
        this(vertx, sensorId, token, null);
    }

    /** With {@code tls}, serves MQTT over TLS with its keystore. */
    FakeMqttServer(Vertx vertx, String sensorId, String token, TestTls tls) throws Exception {
        this.sensorId = sensorId;
        this.token = token;
        MqttServerOptions options = new MqttServerOptions().setHost("127.0.0.1").setPort(0)
                .setMaxMessageSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES + 1024);
        if (tls != null) {
            options.setSsl(true).setKeyCertOptions(new PfxOptions().setPath(tls.keystore().toString())
                    .setPassword(tls.keystorePassword()));
        }
        server = MqttServer.create(vertx, options);
        server.endpointHandler(this::onConnect);
        server.listen().await(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    private void onConnect(MqttEndpoint endpoint) {
        if (endpoint.auth() == null || !sensorId.equals(endpoint.auth().getUsername())
                || !token.equals(endpoint.auth().getPassword())) {
            refused.incrementAndGet();
            endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        clientIds.add(endpoint.clientIdentifier());
        endpoint.publishAutoAck(false);
        endpoint.publishHandler(m -> {
            String topic = m.topicName();
            if (topic.equals("earshot/v1/sensors/" + sensorId + "/status")) {
                statuses.add(m.payload().toString());
                statusRetained.add(m.isRetain());
            } else if (topic.equals("earshot/v1/sensors/" + sensorId + "/audio")) {
                try {
                    frames.add(FrameCodec.decode(m.payload().getBytes(), FrameCodec.DEFAULT_MAX_FRAME_BYTES));
                } catch (FrameFormatException e) {
                    throw new AssertionError(e);
                }
                if (frames.size() == dropAtFrame.get()) {
                    endpoint.close();
                    return;
                }
                if (!acknowledging.get()) {
                    heldAcknowledgements.add(m.messageId());
                    return;
                }
            }
            if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                endpoint.publishAcknowledge(m.messageId());
            }
        });
        endpoint.accept(false);
        connections.incrementAndGet();
        current = endpoint;
        currentContext = Vertx.currentContext();
    }

    /** Sends the acknowledgements held back, in order, on the current connection. */
    void releaseAcknowledgements() {
        MqttEndpoint e = current;
        List<Integer> ids = List.copyOf(heldAcknowledgements);
        heldAcknowledgements.clear();
        currentContext.runOnContext(v -> ids.forEach(e::publishAcknowledge));
    }

    List<Long> sequences() {
        return frames.stream().map(SensorFrame::sequence).toList();
    }

    @Override
    public void close() throws Exception {
        server.close().await(10, TimeUnit.SECONDS);
    }
}
