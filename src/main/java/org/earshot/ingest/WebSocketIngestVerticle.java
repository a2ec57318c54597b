package org.earshot.ingest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorMetrics;
import org.earshot.pipeline.SensorProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sensors streaming over WebSocket: {@code /v1/sensors/{id}/audio} with {@code Authorization: Bearer <token>}; each
 * binary message is one frame of protocol v1. A missing or wrong credential fails the handshake with 401, a token in
 * the URL with 400 (URLs end up in logs). Refused frames are answered with a JSON text message and the connection
 * stays open. Backpressure: when the sensor's queue holds more than half of its bound, the socket is paused (TCP
 * pushes back on the sensor) until the queue is below a quarter. Limits ({@link Limits}): connections per sensor
 * (a further handshake is refused with 429), the time to send the handshake request, and connections in all
 * ({@link HttpConnectionGuard}); refusals are counted.
 */
public final class WebSocketIngestVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketIngestVerticle.class);
    static final String TRANSPORT = "websocket";
    private static final Pattern PATH = Pattern.compile("/v1/sensors/([^/]+)/audio");
    private static final long RESUME_CHECK_MILLIS = 20;
    private static final int OVERSIZE_SLACK = 64 * 1024;

    private final Listen listen;
    private final SensorDirectory sensors;
    private final FrameIntake intake;
    private final LogLimiter refusalLog = new LogLimiter(FrameIntake.LOG_INTERVAL_MILLIS, 10_000);
    private final Metrics metrics;
    private final long pauseAboveMicros;
    private final long resumeBelowMicros;
    private final Limits limits;
    /** Connections per sensor, counted from the accepted handshake to the close; on this verticle's event loop. */
    private final Map<String, Integer> perSensor = new HashMap<>();
    /** Open sockets per sensor, for {@link #disconnectSensor}; on this verticle's event loop. */
    private final Map<String, java.util.Set<ServerWebSocket>> sockets = new HashMap<>();
    private HttpConnectionGuard guard;
    private HttpServer server;

    /** Connections one sensor may hold, seconds to send the handshake request, seconds idle, connections in all. */
    public record Limits(int maxConnectionsPerSensor, int headerTimeoutSeconds, int idleTimeoutSeconds,
                         int maxConnections) {
        public Limits {
            if (maxConnectionsPerSensor < 1 || headerTimeoutSeconds < 1 || idleTimeoutSeconds < 1
                    || maxConnections < 1) {
                throw new IllegalArgumentException("WebSocket limits must be >= 1");
            }
        }
    }

    public WebSocketIngestVerticle(Listen listen, SensorDirectory sensors, FrameIntake intake, double queueSeconds,
                                   Limits limits) {
        this.limits = limits;
        this.listen = listen;
        this.sensors = sensors;
        this.intake = intake;
        this.metrics = intake.pipeline().metrics();
        this.pauseAboveMicros = Math.round(queueSeconds * 1e6 / 2);
        this.resumeBelowMicros = Math.round(queueSeconds * 1e6 / 4);
    }

    @Override
    public Future<?> start() {
        int maxMessage = maxMessageBytes();
        HttpServerOptions options = HttpConnectionGuard.apply(new HttpServerOptions().setHost(listen.host())
                .setPort(listen.port()).setMaxWebSocketFrameSize(maxMessage).setMaxWebSocketMessageSize(maxMessage)
                .setIdleTimeout(limits.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS));
        guard = new HttpConnectionGuard(vertx, metrics, TRANSPORT, limits.headerTimeoutSeconds(),
                limits.maxConnections());
        if (listen.tls() != null) {
            options.setSsl(true).setKeyCertOptions(listen.tls().pfx());
        }
        server = vertx.createHttpServer(options)
                .connectionHandler(guard::opened)
                .webSocketHandshakeHandler(this::onHandshake)
                .webSocketHandler(this::onSocket)
                .requestHandler(r -> {
                    guard.headReceived(r.remoteAddress());
                    r.response().endHandler(v -> guard.responded(r.remoteAddress()));
                    r.response().setStatusCode(404).end("WebSocket endpoint: connect to /v1/sensors/{id}/audio\n");
                });
        return server.listen().recover(e -> Future.failedFuture(listen.bindFailure("WebSocket", "websocket.port", e)))
                .onSuccess(s -> LOG.info("websocket: listening on {}:{}{}", listen.host(),
                s.actualPort(), listen.tls() == null ? "" : " (TLS)"));
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    /**
     * Messages up to this size are read whole, so a frame over {@code max_frame_bytes} by less than the slack is
     * refused by the frame codec with a reply, on a connection that stays open; larger ones close the connection.
     */
    private int maxMessageBytes() {
        return intake.maxFrameBytes() + OVERSIZE_SLACK;
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void onHandshake(ServerWebSocketHandshake handshake) {
        guard.headReceived(handshake.remoteAddress());
        decide(handshake);
    }

    private void decide(ServerWebSocketHandshake handshake) {
        Matcher m = PATH.matcher(handshake.path());
        if (!m.matches()) {
            metrics.refused(TRANSPORT, "unknown_path");
            reject(handshake, 404);
            return;
        }
        String query = handshake.query();
        if (query != null && query.toLowerCase(java.util.Locale.ROOT).contains("token")) {
            metrics.refused(TRANSPORT, "token_in_url");
            logRefusal(handshake, "credentials must go in the Authorization header, not the URL");
            reject(handshake, 400);
            return;
        }
        String header = handshake.headers().get("Authorization");
        String token = header != null && header.startsWith("Bearer ") ? header.substring(7).trim() : null;
        Optional<SensorProfile> sensor = token == null ? Optional.empty() : sensors.authenticate(m.group(1), token);
        if (sensor.isEmpty()) {
            metrics.refused(TRANSPORT, token == null ? "no_credentials" : "bad_credentials");
            logRefusal(handshake, token == null ? "no bearer token" : "unknown or disabled sensor, or wrong token");
            reject(handshake, 401);
            return;
        }
        String id = sensor.get().id();
        int held = perSensor.getOrDefault(id, 0);
        if (held >= limits.maxConnectionsPerSensor()) {
            metrics.refused(TRANSPORT, "too_many_connections");
            logRefusal(handshake, "the sensor already holds " + held + " connections");
            reject(handshake, 429);
            return;
        }
        perSensor.put(id, held + 1);
        handshake.accept().onFailure(e -> released(id));
    }

    /** At most one line per remote address every {@link FrameIntake#LOG_INTERVAL_MILLIS}; the path quoted. */
    private void logRefusal(ServerWebSocketHandshake handshake, String why) {
        io.vertx.core.net.SocketAddress remote = handshake.remoteAddress();
        long heldBack = refusalLog.admit(remote == null ? "unknown" : String.valueOf(remote.hostAddress()),
                System.currentTimeMillis());
        if (heldBack >= 0) {
            LOG.warn("websocket: refused {} from {}: {} (counted in earshot_refused_total; logged at most every {} s"
                    + " per address){}", LogSafe.quote(handshake.path()), remote, why,
                    FrameIntake.LOG_INTERVAL_MILLIS / 1000, LogLimiter.heldBack(heldBack));
        }
    }

    /** A refused handshake leaves an HTTP connection that must send its next request head promptly, or go. */
    private void reject(ServerWebSocketHandshake handshake, int status) {
        handshake.reject(status);
        guard.responded(handshake.remoteAddress());
    }

    private void released(String sensorId) {
        perSensor.computeIfPresent(sensorId, (k, n) -> n == 1 ? null : n - 1);
    }

    /** Told of each sensor connection accepted (cluster mode: the node claims the sensor's lease); quick, no I/O. */
    private volatile java.util.function.Consumer<String> sensorConnected = id -> { };

    public void onSensorConnected(java.util.function.Consumer<String> listener) {
        this.sensorConnected = java.util.Objects.requireNonNull(listener, "listener");
    }

    private void onSocket(ServerWebSocket ws) {
        Matcher m = PATH.matcher(ws.path());
        // The handshake handler accepted only authenticated sensors on this path.
        SensorProfile sensor = m.matches() ? sensors.find(m.group(1)).orElse(null) : null;
        if (sensor == null) {
            if (m.matches()) {
                released(m.group(1));
            }
            ws.close((short) 1008, "unknown sensor");
            return;
        }
        SensorMetrics sensorMetrics = metrics.sensor(sensor.id());
        sockets.computeIfAbsent(sensor.id(), k -> new java.util.HashSet<>()).add(ws);
        LOG.info("websocket: sensor {} connected from {}", sensor.id(), ws.remoteAddress());
        sensorConnected.accept(sensor.id());
        ws.binaryMessageHandler(buffer -> {
            FrameIntake.Result result = intake.accept(TRANSPORT, sensor, buffer.getBytes(),
                    OutputJson.nowMicros());
            if (!result.accepted()) {
                ws.writeTextMessage(result.errorJson());
            } else if (sensorMetrics.queuedAudioMicros() > pauseAboveMicros) {
                ws.pause();
                resumeWhenDrained(ws, sensorMetrics);
            }
        });
        ws.textMessageHandler(text -> {
            FrameIntake.Result result = intake.refuse(TRANSPORT, sensor, "text_message",
                    "frames are binary messages; text messages are not accepted", -1);
            ws.writeTextMessage(result.errorJson());
        });
        ws.exceptionHandler(e -> {
            // Vert.x reports a message that outgrows the assembly buffer as an IllegalStateException and keeps the
            // socket open; the message is lost either way, so close with 1009 (message too big) and count it.
            if (e instanceof IllegalStateException || e instanceof io.netty.handler.codec.TooLongFrameException
                    || e instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException) {
                intake.refuse(TRANSPORT, sensor, "oversized", "WebSocket message over the limit of "
                        + maxMessageBytes() + " bytes; connection closed", -1);
                if (!ws.isClosed()) {
                    ws.close((short) 1009, "message too big");
                }
            } else {
                LOG.warn("websocket: sensor {}: {}", sensor.id(), e.toString());
            }
        });
        ws.closeHandler(v -> {
            released(sensor.id());
            sockets.computeIfPresent(sensor.id(), (k, set) -> set.remove(ws) && set.isEmpty() ? null : set);
            intake.pipeline().endStream(sensor.id());
            LOG.info("websocket: sensor {} disconnected", sensor.id());
        });
    }

    /**
     * Closes every socket of {@code sensorId} (removed from the sensors file, disabled, or its token changed) with
     * 1008 (policy violation) and the reason; the sensor must connect again and is then checked against the sensors
     * now in force. Any thread.
     */
    public void disconnectSensor(String sensorId) {
        close(sensorId, (short) 1008, "sensor removed or changed in the sensors file");
    }

    /**
     * Cluster mode: a newer connection of {@code sensorId} holds its lease on another node, so this node's sockets
     * of it close with 1001 (going away). Any thread.
     */
    public void leaseLost(String sensorId) {
        close(sensorId, (short) 1001, "the sensor is connected to another node");
    }

    private void close(String sensorId, short code, String reason) {
        context.runOnContext(v -> {
            java.util.Set<ServerWebSocket> open = sockets.remove(sensorId);
            if (open != null) {
                for (ServerWebSocket ws : List.copyOf(open)) {
                    ws.close(code, reason);
                }
            }
        });
    }

    private void resumeWhenDrained(ServerWebSocket ws, SensorMetrics sensorMetrics) {
        vertx.setTimer(RESUME_CHECK_MILLIS, t -> {
            if (sensorMetrics.queuedAudioMicros() < resumeBelowMicros) {
                ws.resume();
            } else {
                resumeWhenDrained(ws, sensorMetrics);
            }
        });
    }
}
