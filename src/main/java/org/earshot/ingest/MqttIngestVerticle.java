package org.earshot.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded MQTT endpoint, {@code earshot serve}'s default: sensors connect with their id and token, publish
 * audio frames and status, and other clients (with a sensor's credentials) subscribe to detections, alerts and
 * levels, which the instances' shared {@link MqttHub} fans out (it is an endpoint, not a general broker). Identity comes from the
 * CONNECT credentials only: a publish on another sensor's topic is refused, counted and logged. QoS 1 audio is
 * acknowledged only after the pipeline has taken the frame (or refused it with a counted reason). A second
 * connection with the same client id replaces the first, as MQTT prescribes.
 */
public final class MqttIngestVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(MqttIngestVerticle.class);
    static final String TRANSPORT = "mqtt";
    /** MQTT fixed header, topic and packet id around a frame: allowed on top of the largest frame. */
    static final int PACKET_OVERHEAD = 1024;


    private final Listen listen;
    private final SensorDirectory sensors;
    private final FrameIntake intake;
    private final Metrics metrics;
    private final MqttHub hub;
    private final Map<MqttEndpoint, MqttHub.Subscriber> subscribers;
    private final Map<String, MqttEndpoint> connected;
    private final java.util.Set<MqttEndpoint> streaming;
    private MqttServer server;

    /** One instance per event loop may share a {@link MqttHub}: Vert.x spreads the connections over them. */
    public MqttIngestVerticle(Listen listen, SensorDirectory sensors, FrameIntake intake, MqttHub hub) {
        this.listen = listen;
        this.sensors = sensors;
        this.intake = intake;
        this.metrics = intake.pipeline().metrics();
        this.hub = hub;
        this.subscribers = hub.subscribers;
        this.connected = hub.connected;
        this.streaming = hub.streaming;
    }

    @Override
    public Future<?> start() {
        MqttServerOptions options = new MqttServerOptions().setHost(listen.host()).setPort(listen.port())
                .setMaxMessageSize(intake.maxFrameBytes() + PACKET_OVERHEAD).setTimeoutOnConnect(30);
        if (listen.tls() != null) {
            options.setSsl(true).setKeyCertOptions(listen.tls().pfx());
        }
        server = MqttServer.create(vertx, options).endpointHandler(this::onConnect)
                .exceptionHandler(e -> LOG.warn("mqtt: connection error: {}", e.toString()));
        return server.listen().recover(e -> Future.failedFuture(listen.bindFailure("MQTT", "mqtt.port", e)))
                .onSuccess(s -> {
                    // One endpoint instance per core shares the port: the first to listen says so.
                    if (hub.listening(s.actualPort())) {
                        LOG.info("mqtt: listening on {}:{}{}", listen.host(), s.actualPort(),
                                listen.tls() == null ? "" : " (TLS)");
                    }
                });
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void onConnect(MqttEndpoint endpoint) {
        MqttAuth auth = endpoint.auth();
        String remote = String.valueOf(endpoint.remoteAddress());
        if (auth == null || auth.getUsername() == null || auth.getPassword() == null) {
            metrics.refused(TRANSPORT, "no_credentials");
            LOG.warn("mqtt: refused CONNECT from {} (client id '{}'): no username and password", remote,
                    endpoint.clientIdentifier());
            endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        Optional<SensorProfile> sensor = sensors.authenticate(auth.getUsername(), auth.getPassword());
        if (sensor.isEmpty()) {
            metrics.refused(TRANSPORT, "bad_credentials");
            LOG.warn("mqtt: refused CONNECT from {} as '{}': unknown or disabled sensor, or wrong token", remote,
                    auth.getUsername());
            endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        SensorProfile profile = sensor.get();
        Context context = vertx.getOrCreateContext();
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.publishHandler(m -> onPublish(endpoint, context, profile, m));
        endpoint.publishReleaseHandler(endpoint::publishComplete);
        endpoint.subscribeHandler(m -> onSubscribe(endpoint, context, profile, m));
        endpoint.unsubscribeHandler(m -> {
            MqttHub.Subscriber s = subscribers.get(endpoint);
            if (s != null) {
                m.topics().forEach(s.filters()::remove);
            }
            endpoint.unsubscribeAcknowledge(m.messageId());
        });
        endpoint.pingHandler(v -> { });
        endpoint.exceptionHandler(e -> {
            if (e instanceof io.netty.handler.codec.TooLongFrameException) {
                // Netty closes the connection: the message cannot be read, so it cannot be acknowledged either.
                intake.refuse(TRANSPORT, profile, "oversized", "MQTT message over the endpoint's limit of "
                        + (intake.maxFrameBytes() + PACKET_OVERHEAD) + " bytes; connection closed", -1);
            } else {
                LOG.warn("mqtt: sensor {}: {}", profile.id(), e.toString());
            }
        });
        endpoint.closeHandler(v -> onClose(endpoint, profile));
        MqttEndpoint previous = connected.put(endpoint.clientIdentifier(), endpoint);
        if (previous != null && previous != endpoint) {
            LOG.info("mqtt: client {} (sensor {}) connected again; closing its previous connection",
                    endpoint.clientIdentifier(), profile.id());
            previous.close();
        }
        endpoint.accept(false);
        LOG.info("mqtt: sensor {} connected from {}", profile.id(), remote);
    }

    private void onClose(MqttEndpoint endpoint, SensorProfile profile) {
        subscribers.remove(endpoint);
        connected.remove(endpoint.clientIdentifier(), endpoint);
        // Only the connection that streamed audio ends the stream: a monitoring client with the same credentials
        // leaving must not cut the sensor's analysis short.
        if (streaming.remove(endpoint)) {
            intake.pipeline().endStream(profile.id());
        }
        LOG.info("mqtt: client {} (sensor {}) disconnected", endpoint.clientIdentifier(), profile.id());
    }

    private void onPublish(MqttEndpoint endpoint, Context context, SensorProfile profile, MqttPublishMessage m) {
        long received = OutputJson.nowMicros();
        Topics.SensorTopic topic = Topics.parseSensorTopic(m.topicName());
        FrameIntake.Result result;
        if (topic == null) {
            result = intake.refuse(TRANSPORT, profile, "unknown_topic", "no such topic: " + m.topicName(), -1);
        } else if (!topic.sensorId().equals(profile.id())) {
            metrics.refused(TRANSPORT, "foreign_topic");
            result = intake.refuse(TRANSPORT, profile, "foreign_topic", "sensor " + profile.id()
                    + " may not publish on " + m.topicName(), -1);
        } else if (topic.kind() == Topics.Kind.STATUS) {
            result = onStatus(profile, m.payload());
        } else {
            streaming.add(endpoint);
            result = intake.accept(TRANSPORT, profile, m.payload().getBytes(), received);
        }
        if (!result.accepted()) {
            sendError(endpoint, profile.id(), result);
        }
        // The frame's outcome is decided (in the pipeline's queue, or refused and counted): now the sender may
        // forget it.
        switch (m.qosLevel()) {
            case AT_LEAST_ONCE -> endpoint.publishAcknowledge(m.messageId());
            case EXACTLY_ONCE -> endpoint.publishReceived(m.messageId());
            default -> { }
        }
    }

    private FrameIntake.Result onStatus(SensorProfile profile, Buffer payload) {
        String state;
        try {
            JsonObject o = JsonParser.parseString(payload.toString(StandardCharsets.UTF_8)).getAsJsonObject();
            state = o.get("state").getAsString();
        } catch (RuntimeException e) {
            return intake.refuse(TRANSPORT, profile, "bad_status", "status must be JSON {\"state\":\"online\"|"
                    + "\"offline\"}", -1);
        }
        if ("offline".equals(state)) {
            intake.pipeline().endStream(profile.id());
        } else if (!"online".equals(state)) {
            return intake.refuse(TRANSPORT, profile, "bad_status", "unknown state '" + state + "'", -1);
        }
        return FrameIntake.Result.ACCEPTED;
    }

    private void onSubscribe(MqttEndpoint endpoint, Context context, SensorProfile profile, MqttSubscribeMessage m) {
        List<MqttQoS> granted = new ArrayList<>();
        MqttHub.Subscriber s = subscribers.computeIfAbsent(endpoint,
                e -> new MqttHub.Subscriber(e, context, profile.id(), new ConcurrentHashMap<>()));
        for (MqttTopicSubscription t : m.topicSubscriptions()) {
            if (Topics.maySubscribe(t.topicName(), profile.id())) {
                MqttQoS qos = t.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE
                        : MqttQoS.AT_LEAST_ONCE;
                s.filters().put(t.topicName(), qos);
                granted.add(qos);
            } else {
                metrics.refused(TRANSPORT, "forbidden_subscription");
                LOG.warn("mqtt: sensor {} may not subscribe to {}", profile.id(), t.topicName());
                granted.add(MqttQoS.FAILURE);
            }
        }
        endpoint.subscribeAcknowledge(m.messageId(), granted);
    }

    private void sendError(MqttEndpoint endpoint, String sensorId, FrameIntake.Result result) {
        MqttHub.Subscriber s = subscribers.get(endpoint);
        String topic = Topics.errors(sensorId);
        if (s != null && s.filters().keySet().stream().anyMatch(f -> Topics.matches(f, topic))) {
            endpoint.publish(topic, Buffer.buffer(result.errorJson()), MqttQoS.AT_MOST_ONCE, false, false);
        }
    }
}
