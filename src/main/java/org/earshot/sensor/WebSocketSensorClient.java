package org.earshot.sensor;

import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.earshot.audio.FrameCodec;

/**
 * A sensor over WebSocket: {@code /v1/sensors/{id}/audio} with its token as a bearer credential; one binary message
 * per frame. Refusals come back as JSON text messages, handed to {@code onError}. Each {@link #connect} opens a new
 * socket; {@link #closeHandler} reports one that closes other than by {@link #close()}.
 */
public final class WebSocketSensorClient implements SensorClient {
    private final WebSocketClient client;
    private final WebSocketConnectOptions connect;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.function.Consumer<String> onError;
    private WebSocket socket;
    private WebSocket closedByUs;
    private Runnable onClosed = () -> { };

    public WebSocketSensorClient(Vertx vertx, String host, int port, String sensorId, String token,
                                 TrustStore trust, java.util.function.Consumer<String> onError) {
        WebSocketClientOptions options = new WebSocketClientOptions()
                .setMaxFrameSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES)
                .setMaxMessageSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        if (trust != null) {
            options.setSsl(true).setTrustOptions(trust.options());
        }
        this.client = vertx.createWebSocketClient(options);
        this.connect = new WebSocketConnectOptions().setHost(host).setPort(port).setSsl(trust != null)
                .setURI("/v1/sensors/" + sensorId + "/audio").addHeader("Authorization", "Bearer " + token);
        this.onError = onError;
    }

    /** Calls {@code handler}, on the client's context, when the current socket closes other than by {@link #close()}. */
    public WebSocketSensorClient closeHandler(Runnable handler) {
        this.onClosed = java.util.Objects.requireNonNull(handler, "handler");
        return this;
    }

    @Override
    public Future<Void> connect() {
        return client.connect(connect).onSuccess(ws -> {
            socket = ws;
            ws.textMessageHandler(onError::accept);
            ws.closeHandler(v -> {
                if (ws != closedByUs) {
                    onClosed.run();
                }
            });
        }).mapEmpty();
    }

    @Override
    public Future<Void> send(byte[] frame) {
        inFlight.incrementAndGet();
        return socket.writeBinaryMessage(Buffer.buffer(frame)).onComplete(r -> inFlight.decrementAndGet());
    }

    @Override
    public boolean isConnected() {
        return socket != null && !socket.isClosed();
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public Future<Void> close() {
        if (socket == null) {
            return Future.succeededFuture();
        }
        closedByUs = socket;
        return socket.close();
    }
}
