package org.earshot.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * audio frames and status and may read their own errors topic; readers ({@link ReaderDirectory}: API keys of the
 * operator or auditor role) subscribe to detections, alerts, levels and the journal's signed checkpoints, which the
 * instances' shared {@link MqttHub} fans out (it is an endpoint, not a general broker; the newest checkpoint is sent
 * at once to a new subscription, marked retained), and publish nothing. Identity comes from the CONNECT
 * credentials only: a publish on another sensor's topic is refused, counted and logged. QoS 1 audio is
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
    /** How a reader is named as a principal (sessions, limits, logs): sensor ids cannot contain ':'. */
    static final String READER_PRINCIPAL = "reader:";


    private final Listen listen;
    private final SensorDirectory sensors;
    private final FrameIntake intake;
    private final Metrics metrics;
    private final MqttHub hub;
    private final ReaderDirectory readers;
    private final Map<MqttEndpoint, String> streaming;
    private MqttServer server;

    /**
     * One instance per event loop may share a {@link MqttHub}: Vert.x spreads the connections over them. {@code
     * readers} may be null: then only sensors connect.
     */
    public MqttIngestVerticle(Listen listen, SensorDirectory sensors, FrameIntake intake, MqttHub hub,
                              ReaderDirectory readers) {
        this.readers = readers;
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
            long heldBack = hub.refusalLog.admit(host(endpoint), System.currentTimeMillis());
            if (heldBack >= 0) {
                LOG.warn("mqtt: refused CONNECT from {} (client id {}): no username and password (counted in"
                        + " earshot_refused_total; logged at most every {} s per address){}", remote,
                        LogSafe.quote(endpoint.clientIdentifier()), FrameIntake.LOG_INTERVAL_MILLIS / 1000,
                        LogLimiter.heldBack(heldBack));
            }
            endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        Optional<SensorProfile> sensor = sensors.authenticate(auth.getUsername(), auth.getPassword());
        if (sensor.isPresent()) {
            onSensorConnect(endpoint, sensor.get(), remote);
            return;
        }
        if (readers == null) {
            refuseCredentials(endpoint, remote, auth.getUsername());
            return;
        }
        String name = auth.getUsername();
        String secret = auth.getPassword();
        // The readers' keys file may be read (and a change of it journaled) on the way: not on the event loop.
        vertx.executeBlocking(() -> readers.authenticate(name, secret)).onComplete(r -> {
            if (r.succeeded() && r.result()) {
                onReaderConnect(endpoint, name, remote);
            } else {
                if (r.failed()) {
                    LOG.warn("mqtt: cannot check reader credentials of {}: {}", LogSafe.quote(name),
                            r.cause().toString());
                }
                refuseCredentials(endpoint, remote, name);
            }
        });
    }

    private void refuseCredentials(MqttEndpoint endpoint, String remote, String user) {
        metrics.refused(TRANSPORT, "bad_credentials");
        long heldBack = hub.refusalLog.admit(host(endpoint), System.currentTimeMillis());
        if (heldBack >= 0) {
            LOG.warn("mqtt: refused CONNECT from {} as {} (client id {}): unknown or disabled sensor or reader, or"
                    + " wrong secret (counted in earshot_refused_total; logged at most every {} s per address){}",
                    remote, LogSafe.quote(user), LogSafe.quote(endpoint.clientIdentifier()),
                    FrameIntake.LOG_INTERVAL_MILLIS / 1000, LogLimiter.heldBack(heldBack));
        }
        endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    }

    private void refuseOverLimit(MqttEndpoint endpoint, String remote, String principal) {
        metrics.refused(TRANSPORT, "too_many_connections");
        if (hub.mayLog(principal)) {
            LOG.warn("mqtt: refused CONNECT from {} as {}: it already holds {} connections (counted in"
                    + " earshot_refused_total; logged at most every {} s)", remote, LogSafe.quote(principal),
                    hub.limits().maxConnectionsPerSensor(), FrameIntake.LOG_INTERVAL_MILLIS / 1000);
        }
        // MQTT 3.1.1 has no code for a quota; "server unavailable" tells a client to try again later.
        endpoint.reject(endpoint.protocolVersion() >= 5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
                : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
    }

    /**
     * A reader: subscribes to the output trees, publishes nothing. Its sessions and limits are its own, under a
     * principal no sensor id can be (ids have no ':').
     */
    private void onReaderConnect(MqttEndpoint endpoint, String name, String remote) {
        String principal = READER_PRINCIPAL + name;
        String clientId = endpoint.clientIdentifier();
        Context context = vertx.getOrCreateContext();
        MqttHub.Admission admission = hub.admit(principal, clientId, endpoint, context);
        if (!admission.accepted()) {
            refuseOverLimit(endpoint, remote, principal);
            return;
        }
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.publishHandler(m -> {
            metrics.refused(TRANSPORT, "reader_publish");
            if (hub.mayLog(principal)) {
                LOG.warn("mqtt: reader {} may not publish (on {}); counted in earshot_refused_total",
                        LogSafe.quote(name), LogSafe.quote(m.topicName()));
            }
            switch (m.qosLevel()) {
                case AT_LEAST_ONCE -> endpoint.publishAcknowledge(m.messageId());
                case EXACTLY_ONCE -> endpoint.publishReceived(m.messageId());
                default -> { }
            }
        });
        endpoint.publishReleaseHandler(endpoint::publishComplete);
        endpoint.subscribeHandler(m -> onSubscribe(endpoint, context, principal, Topics::readerMaySubscribe, m));
        endpoint.unsubscribeHandler(m -> onUnsubscribe(endpoint, m));
        endpoint.pingHandler(v -> { });
        endpoint.exceptionHandler(e -> LOG.warn("mqtt: reader {}: {}", LogSafe.quote(name), e.toString()));
        endpoint.closeHandler(v -> {
            hub.closed(principal, clientId, endpoint);
            LOG.info("mqtt: client {} (reader {}) disconnected", LogSafe.quote(clientId), LogSafe.quote(name));
        });
        try {
            closeReplaced(admission.replaced(), endpoint);
        } finally {
            endpoint.accept(false);
        }
        LOG.info("mqtt: reader {} connected from {}", LogSafe.quote(name), remote);
    }

    private void onSensorConnect(MqttEndpoint endpoint, SensorProfile profile, String remote) {
        String clientId = endpoint.clientIdentifier();
        Context context = vertx.getOrCreateContext();
        MqttHub.Admission admission = hub.admit(profile.id(), clientId, endpoint, context);
        if (!admission.accepted()) {
            refuseOverLimit(endpoint, remote, profile.id());
            return;
        }
        hub.sensorConnected(profile.id());
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.publishHandler(m -> onPublish(endpoint, context, profile, m));
        endpoint.publishReleaseHandler(endpoint::publishComplete);
        endpoint.subscribeHandler(m -> onSubscribe(endpoint, context, profile.id(),
                f -> Topics.maySubscribe(f, profile.id()), m));
        endpoint.unsubscribeHandler(m -> onUnsubscribe(endpoint, m));
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
        try {
            if (closeReplaced(admission.replaced(), endpoint)) {
                LOG.info("mqtt: client {} (sensor {}) connected again; closing its previous connection",
                        LogSafe.quote(clientId), profile.id());
            }
        } finally {
            endpoint.accept(false);
        }
        LOG.info("mqtt: sensor {} connected from {}", profile.id(), remote);
    }

    /**
     * Closes the connection that {@code endpoint} replaces in its session, if any (true then), on that connection's
     * own context and never on the caller's: the old connection may live on another event loop, where its client's
     * DISCONNECT may already have marked it closed while its close handler has yet to run. Closing it from here then
     * threw, and the new connection was never answered ({@link MqttHub.Connection#close} closes it there).
     */
    private static boolean closeReplaced(MqttHub.Connection previous, MqttEndpoint endpoint) {
        if (previous == null || previous.endpoint() == endpoint) {
            return false;
        }
        previous.close();
        return true;
    }

    private void onClose(MqttEndpoint endpoint, String clientId, SensorProfile profile) {
        // Only the connection that streamed audio ends the stream: a monitoring client with the same credentials
        // leaving must not cut the sensor's analysis short, nor may an old connection of a sensor whose newer one
        // (an agent restarted with another client id, its old socket closing late) already streams.
        if (streaming.remove(endpoint) != null && !streaming.containsValue(profile.id())) {
            intake.pipeline().endStream(profile.id());
        }
        hub.closed(profile.id(), clientId, endpoint);
        LOG.info("mqtt: client {} (sensor {}) disconnected", LogSafe.quote(clientId), profile.id());
    }

    private void onPublish(MqttEndpoint endpoint, Context context, SensorProfile profile, MqttPublishMessage m) {
        long received = OutputJson.nowMicros();
        Topics.SensorTopic topic = Topics.parseSensorTopic(m.topicName());
        FrameIntake.Result result;
        if (topic == null) {
            result = intake.refuse(TRANSPORT, profile, "unknown_topic", "no such topic: " + LogSafe.quote(m.topicName()), -1);
        } else if (!topic.sensorId().equals(profile.id())) {
            metrics.refused(TRANSPORT, "foreign_topic");
            result = intake.refuse(TRANSPORT, profile, "foreign_topic", "sensor " + profile.id()
                    + " may not publish on " + LogSafe.quote(m.topicName()), -1);
        } else if (topic.kind() == Topics.Kind.STATUS) {
            result = onStatus(profile, m.payload());
        } else {
            streaming.put(endpoint, profile.id());
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
        SensorStatus status = SensorStatus.parse(payload.getBytes());
        if (status.refusal() != null) {
            return intake.refuse(TRANSPORT, profile, SensorStatus.REFUSAL_REASON, status.refusal(), -1);
        }
        if (!status.online()) {
            intake.pipeline().endStream(profile.id());
        }
        return FrameIntake.Result.ACCEPTED;
    }

    private static String host(MqttEndpoint endpoint) {
        io.vertx.core.net.SocketAddress a = endpoint.remoteAddress();
        return a == null ? "unknown" : String.valueOf(a.hostAddress());
    }

    private void onUnsubscribe(MqttEndpoint endpoint, io.vertx.mqtt.messages.MqttUnsubscribeMessage m) {
        MqttHub.Subscriber s = hub.subscriberOf(endpoint);
        if (s != null) {
            m.topics().forEach(f -> hub.unsubscribe(s, f));
        }
        endpoint.unsubscribeAcknowledge(m.messageId());
    }

    private void onSubscribe(MqttEndpoint endpoint, Context context, String principal,
                             java.util.function.Predicate<String> allowed, MqttSubscribeMessage m) {
        List<MqttQoS> granted = new ArrayList<>();
        MqttHub.Subscriber s = hub.subscriber(endpoint, context, principal);
        int refusedOverLimit = 0;
        int forbidden = 0;
        MqttQoS checkpointQos = null;
        for (MqttTopicSubscription t : m.topicSubscriptions()) {
            if (allowed.test(t.topicName())) {
                MqttQoS qos = t.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE
                        : MqttQoS.AT_LEAST_ONCE;
                if (hub.subscribe(s, t.topicName(), qos)) {
                    granted.add(qos);
                    if (Topics.matches(t.topicName(), Topics.CHECKPOINT)
                            && (checkpointQos == null || qos.value() > checkpointQos.value())) {
                        checkpointQos = qos;
                    }
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
        if ((refusedOverLimit > 0 || forbidden > 0) && hub.mayLog(principal)) {
            LOG.warn("mqtt: {} (client {}): refused {} subscription(s) to topics it may not read and {} over the"
                    + " limit of {} per connection (counted in earshot_refused_total; logged at most every {} s)",
                    LogSafe.quote(principal), LogSafe.quote(endpoint.clientIdentifier()), forbidden, refusedOverLimit,
                    hub.limits().maxSubscriptionsPerConnection(), FrameIntake.LOG_INTERVAL_MILLIS / 1000);
        }
        endpoint.subscribeAcknowledge(m.messageId(), granted);
        // The newest signed checkpoint at once, marked retained, as a broker gives the one broker mode retains.
        String retained = checkpointQos == null ? null : hub.retainedCheckpoint();
        if (retained != null) {
            endpoint.publish(Topics.CHECKPOINT, Buffer.buffer(retained), checkpointQos, false, true)
                    .onFailure(e -> LOG.warn("mqtt: {} (client {}): cannot send the newest checkpoint: {}",
                            LogSafe.quote(principal), LogSafe.quote(endpoint.clientIdentifier()), e.toString()));
        }
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
