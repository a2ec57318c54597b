package org.earshot.ingest;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.earshot.pipeline.DetectionSink;
import org.earshot.pipeline.LevelReading;
import org.earshot.pipeline.LevelSink;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorDetection;
import org.earshot.pipeline.SensorProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker mode: the service subscribes to every sensor's audio and status on an external MQTT broker (Mosquitto) and
 * publishes detections, alerts and levels back to it. The broker authenticates sensors; its ACL must let each
 * sensor publish only under its own id (see {@code sensors/PROTOCOL.md}); this verticle still refuses frames of
 * sensors that are unknown or disabled here. Audio is acknowledged (manual ack) only after the pipeline has taken or
 * refused the frame. The service starts whether or not the broker answers: while it cannot connect (at start or
 * after the connection dropped) the verticle tries again after {@code reconnectSeconds}, doubling the wait after each
 * failed attempt up to {@code maxReconnectSeconds} (or {@code reconnectSeconds} if larger), and subscribes again
 * once connected. Each failed attempt is one log line with the reason, at most one every
 * {@link FrameIntake#LOG_INTERVAL_MILLIS} ms (the next line counts those held back); {@code /health} answers 503
 * with {@code broker_connected} failing meanwhile. Outputs produced while disconnected are counted as not published.
 */
public final class BrokerIngestVerticle extends VerticleBase implements DetectionSink, LevelSink {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerIngestVerticle.class);
    static final String TRANSPORT = "broker";
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    /** How to reach the broker. The password is never printed. */
    public record Broker(String host, int port, String username, String password, String clientId, boolean tls,
                         double reconnectSeconds, double maxReconnectSeconds) {
        @Override
        public String toString() {
            return "Broker[" + host + ":" + port + ", user=" + username + ", client id=" + clientId + ", tls=" + tls
                    + "]";
        }
    }

    private final Broker broker;
    private final SensorDirectory sensors;
    private final FrameIntake intake;
    private final Metrics metrics;
    private final String modelName;
    private final LongAdder notPublished = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LogLimiter unknownSensorLog = new LogLimiter(FrameIntake.LOG_INTERVAL_MILLIS, 10_000);
    private final LogLimiter connectFailureLog = new LogLimiter(FrameIntake.LOG_INTERVAL_MILLIS, 1);
    /** Connection attempts that failed since the last success: the next wait doubles with each. */
    private int failedAttempts;
    private MqttClient client;
    private volatile boolean connected;
    private boolean stopping;

    public BrokerIngestVerticle(Broker broker, SensorDirectory sensors, FrameIntake intake, String modelName) {
        this.broker = broker;
        this.sensors = sensors;
        this.intake = intake;
        this.metrics = intake.pipeline().metrics();
        this.modelName = modelName;
    }

    public boolean isConnected() {
        return connected;
    }

    /** The newest checkpoint to publish. */
    private final NewestCheckpoint checkpoint = new NewestCheckpoint();

    /**
     * Publishes a signed journal checkpoint, retained, on {@link Topics#CHECKPOINT} (and again after each
     * reconnection), so that anyone allowed to read the topic can keep the newest one: a later journal that does not
     * extend it was truncated or rolled back. Any thread; an older checkpoint than the one held is ignored.
     */
    public void checkpoint(long treeSize, String json) {
        if (checkpoint.offer(treeSize, json) && context != null) {
            context.runOnContext(v -> publishCheckpoint());
        }
    }

    private void publishCheckpoint() {
        String signed = checkpoint.json();
        if (connected && signed != null) {
            client.publish(Topics.CHECKPOINT, Buffer.buffer(signed), MqttQoS.AT_LEAST_ONCE, false, true)
                    .onFailure(e -> notPublished.increment());
        }
    }

    @Override
    public Future<?> start() {
        MqttClientOptions options = new MqttClientOptions().setClientId(broker.clientId()).setCleanSession(true)
                .setMaxMessageSize(intake.maxFrameBytes() + MqttIngestVerticle.PACKET_OVERHEAD)
                .setMaxInflightQueue(10_000).setKeepAliveInterval(10);
        // A broker address that drops packets would otherwise hold each attempt (and the start, which waits for the
        // first) for Netty's default of 60 s.
        options.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        options.setAutoAck(false);
        if (broker.username() != null) {
            options.setUsername(broker.username());
        }
        if (broker.password() != null) {
            options.setPassword(broker.password());
        }
        if (broker.tls()) {
            options.setSsl(true);
        }
        metrics.gauge("earshot_broker_connected", () -> connected ? 1 : 0);
        metrics.gauge("earshot_broker_connects_total", connects::sum);
        metrics.gauge("earshot_broker_not_published_total", notPublished::sum);
        client = MqttClient.create(vertx, options);
        client.publishHandler(this::onMessage);
        client.closeHandler(v -> {
            connected = false;
            if (!stopping) {
                LOG.warn("broker: connection to {}:{} lost; reconnecting (first wait {} s)", broker.host(),
                        broker.port(), broker.reconnectSeconds());
                scheduleConnect();
            }
        });
        // Start-up waits for the first attempt (so that a reachable broker is connected when the service says it
        // runs) but does not depend on it: a broker that is down or refuses us is retried, and /health says so.
        return connect().recover(e -> {
            scheduleConnect();
            return Future.succeededFuture();
        });
    }

    /**
     * The wait before the next connection attempt after {@code failedAttempts} failed ones (at least 1):
     * {@code initialSeconds} doubled after each failure, at most {@code maxSeconds} or {@code initialSeconds} if
     * that is longer. In milliseconds, at least 1.
     */
    static long reconnectDelayMillis(double initialSeconds, double maxSeconds, int failedAttempts) {
        double cap = Math.max(initialSeconds, maxSeconds);
        double seconds = initialSeconds * Math.pow(2, Math.min(Math.max(0, failedAttempts - 1), 30));
        return Math.max(1, Math.round(Math.min(seconds, cap) * 1000));
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        return client != null && client.isConnected() ? client.disconnect() : Future.succeededFuture();
    }

    private Future<Void> connect() {
        Promise<Void> done = Promise.promise();
        client.connect(broker.port(), broker.host()).compose(ack -> client.subscribe(Map.of(Topics.ALL_AUDIO,
                MqttQoS.AT_LEAST_ONCE.value(), Topics.ALL_STATUS, MqttQoS.AT_LEAST_ONCE.value())))
                .onSuccess(id -> {
                    connected = true;
                    connects.increment();
                    LOG.info("broker: connected to {}:{}{} and subscribed to {} and {}", broker.host(),
                            broker.port(), failedAttempts == 0 ? "" : " after " + failedAttempts + " failed attempt(s)",
                            Topics.ALL_AUDIO, Topics.ALL_STATUS);
                    failedAttempts = 0;
                    publishCheckpoint();
                    done.complete();
                })
                .onFailure(e -> {
                    failedAttempts++;
                    if (client.isConnected()) {
                        // Connected but the subscription failed: drop the connection, so that the retry starts clean.
                        client.disconnect();
                    }
                    long heldBack = connectFailureLog.admit("connect", System.currentTimeMillis());
                    if (heldBack >= 0) {
                        LOG.warn("broker: cannot connect to {}:{} (attempt {}): {}; retrying in {} s, /health answers"
                                + " 503 until connected{}", broker.host(), broker.port(), failedAttempts,
                                reason(e), nextWaitMillis() / 1000.0, LogLimiter.heldBack(heldBack));
                    }
                    done.fail(e);
                });
        return done.future();
    }

    /** One line for a failed connection attempt: the exception's message (Netty's names the address), no trace. */
    static String reason(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\R", " ");
    }

    private long nextWaitMillis() {
        return reconnectDelayMillis(broker.reconnectSeconds(), broker.maxReconnectSeconds(),
                Math.max(1, failedAttempts));
    }

    private void scheduleConnect() {
        vertx.setTimer(nextWaitMillis(), t -> {
            if (stopping || client.isConnected()) {
                return;
            }
            connect().onFailure(e -> scheduleConnect());
        });
    }

    private void onMessage(MqttPublishMessage m) {
        long received = OutputJson.nowMicros();
        Topics.SensorTopic topic = Topics.parseSensorTopic(m.topicName());
        Optional<SensorProfile> sensor = topic == null ? Optional.empty() : sensors.find(topic.sensorId());
        if (topic == null) {
            metrics.refused(TRANSPORT, "unknown_topic");
        } else if (sensor.isEmpty()) {
            metrics.refused(TRANSPORT, "unknown_sensor");
            long heldBack = unknownSensorLog.admit(topic.sensorId(), System.currentTimeMillis());
            if (heldBack >= 0) {
                LOG.warn("broker: refused a message on {}: sensor {} is unknown or disabled (counted in"
                        + " earshot_refused_total; logged at most every {} s per sensor id){}",
                        LogSafe.quote(m.topicName()), LogSafe.quote(topic.sensorId()),
                        FrameIntake.LOG_INTERVAL_MILLIS / 1000, LogLimiter.heldBack(heldBack));
            }
        } else if (topic.kind() == Topics.Kind.AUDIO) {
            intake.accept(TRANSPORT, sensor.get(), m.payload().getBytes(), received);
        } else {
            SensorStatus status = SensorStatus.parse(m.payload().getBytes());
            if (status.refusal() != null) {
                intake.refuse(TRANSPORT, sensor.get(), SensorStatus.REFUSAL_REASON, status.refusal(), -1);
            } else if (!status.online()) {
                intake.pipeline().endStream(sensor.get().id());
            }
        }
        m.ack();
    }

    @Override
    public void accept(SensorDetection d) {
        String label = d.detection().label();
        String topic = d.stage() == SensorDetection.Stage.FINAL ? Topics.detection(d.sensor().id(), label)
                : Topics.alert(d.sensor().id(), label);
        publish(topic, OutputJson.detection(d, modelName).toString(), MqttQoS.AT_LEAST_ONCE);
    }

    @Override
    public void accept(LevelReading r) {
        publish(Topics.levels(r.sensor().id()), OutputJson.level(r).toString(), MqttQoS.AT_MOST_ONCE);
    }

    private void publish(String topic, String json, MqttQoS qos) {
        context.runOnContext(v -> {
            if (!connected) {
                notPublished.increment();
                return;
            }
            client.publish(topic, Buffer.buffer(json), qos, false, false).onFailure(e -> notPublished.increment());
        });
    }
}
