package org.earshot.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 * connection of the same sensor with the same client id replaces the first, as MQTT prescribes; a client id is a
 * session only within one sensor's credentials, so no other credential can take it over. Connections per sensor,
 * filters per connection and the time to send CONNECT are limited ({@link MqttHub.Limits}); refusals are counted.
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
    private final java.util.Set<MqttEndpoint> streaming;
    private MqttServer server;

    /** One instance per event loop may share a {@link MqttHub}: Vert.x spreads the connections over them. */
    public MqttIngestVerticle(Listen listen, SensorDirectory sensors, FrameIntake intake, MqttHub hub) {
        this.listen = listen;
        this.sensors = sensors;
        this.intake = intake;
        this.metrics = intake.pipeline().metrics();
        this.hub = hub;
        this.streaming = hub.streaming;
    }

    @Override
    public Future<?> start() {
        MqttServerOptions options = new MqttServerOptions().setHost(listen.host()).setPort(listen.port())
                .setMaxMessageSize(intake.maxFrameBytes() + PACKET_OVERHEAD)
                .setTimeoutOnConnect(hub.limits().connectTimeoutSeconds());
        if (listen.tls() != null) {
            options.setSsl(true).setKeyCertOptions(listen.tls().pfx());
        }
        server = MqttServer.create(vertx, options).endpointHandler(this::onConnect)
                .exceptionHandler(e -> LOG.warn("mqtt: connection error: {}", e.toString()));
        return server.listen().onSuccess(s -> {
            hub.listening(s.actualPort());
            LOG.info("mqtt: listening on {}:{}{}", listen.host(), s.actualPort(), listen.tls() == null ? ""
                    : " (TLS)");
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
        String clientId = endpoint.clientIdentifier();
        MqttHub.Admission admission = hub.admit(profile.id(), clientId, endpoint);
        if (!admission.accepted()) {
            metrics.refused(TRANSPORT, "too_many_connections");
            if (hub.mayLog(profile.id())) {
                LOG.warn("mqtt: refused CONNECT from {} as '{}': the sensor already holds {} connections (counted in"
                        + " earshot_refused_total; logged at most every {} s)", remote, profile.id(),
                        hub.limits().maxConnectionsPerSensor(), FrameIntake.LOG_INTERVAL_MILLIS / 1000);
            }
            // MQTT 3.1.1 has no code for a quota; "server unavailable" tells a client to try again later.
            endpoint.reject(endpoint.protocolVersion() >= 5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        Context context = vertx.getOrCreateContext();
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.publishHandler(m -> onPublish(endpoint, context, profile, m));
        endpoint.publishReleaseHandler(endpoint::publishComplete);
        endpoint.subscribeHandler(m -> onSubscribe(endpoint, context, profile, m));
        endpoint.unsubscribeHandler(m -> {
            MqttHub.Subscriber s = hub.subscriberOf(endpoint);
            if (s != null) {
                m.topics().forEach(f -> hub.unsubscribe(s, f));
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
        endpoint.closeHandler(v -> onClose(endpoint, clientId, profile));
        MqttEndpoint previous = admission.replaced();
        if (previous != null && previous != endpoint) {
            LOG.info("mqtt: client {} (sensor {}) connected again; closing its previous connection", clientId,
                    profile.id());
            previous.close();
        }
        endpoint.accept(false);
        LOG.info("mqtt: sensor {} connected from {}", profile.id(), remote);
    }

    private void onClose(MqttEndpoint endpoint, String clientId, SensorProfile profile) {
        hub.closed(profile.id(), clientId, endpoint);
        // Only the connection that streamed audio ends the stream: a monitoring client with the same credentials
        // leaving must not cut the sensor's analysis short.
        if (streaming.remove(endpoint)) {
            intake.pipeline().endStream(profile.id());
        }
        LOG.info("mqtt: client {} (sensor {}) disconnected", clientId, profile.id());
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
        MqttHub.Subscriber s = hub.subscriber(endpoint, context, profile.id());
        int refusedOverLimit = 0;
        int forbidden = 0;
        for (MqttTopicSubscription t : m.topicSubscriptions()) {
            if (Topics.maySubscribe(t.topicName(), profile.id())) {
                MqttQoS qos = t.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE
                        : MqttQoS.AT_LEAST_ONCE;
                if (hub.subscribe(s, t.topicName(), qos)) {
                    granted.add(qos);
                } else {
                    metrics.refused(TRANSPORT, "too_many_subscriptions");
                    refusedOverLimit++;
                    granted.add(MqttQoS.FAILURE);
                }
            } else {
                metrics.refused(TRANSPORT, "forbidden_subscription");
                forbidden++;
                granted.add(MqttQoS.FAILURE);
            }
        }
        if ((refusedOverLimit > 0 || forbidden > 0) && hub.mayLog(profile.id())) {
            LOG.warn("mqtt: sensor {} (client {}): refused {} subscription(s) to topics it may not read and {} over"
                    + " the limit of {} per connection (counted in earshot_refused_total; logged at most every {} s)",
                    profile.id(), endpoint.clientIdentifier(), forbidden, refusedOverLimit,
                    hub.limits().maxSubscriptionsPerConnection(), FrameIntake.LOG_INTERVAL_MILLIS / 1000);
        }
        endpoint.subscribeAcknowledge(m.messageId(), granted);
    }

    private void sendError(MqttEndpoint endpoint, String sensorId, FrameIntake.Result result) {
        MqttHub.Subscriber s = hub.subscriberOf(endpoint);
        String topic = Topics.errors(sensorId);
        // At most the connection's few filters, on its own event loop.
        if (s != null && s.filters.keySet().stream().anyMatch(f -> Topics.matches(f, topic))) {
            endpoint.publish(topic, Buffer.buffer(result.errorJson()), MqttQoS.AT_MOST_ONCE, false, false);
        }
    }
}
