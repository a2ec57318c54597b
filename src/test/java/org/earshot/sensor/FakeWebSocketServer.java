package org.earshot.sensor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PfxOptions;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.FrameFormatException;
import org.earshot.audio.SensorFrame;
import org.earshot.testing.TestTls;

/**
 * A stand-in for the service's WebSocket ingest, for testing sensors: records the path and credential of every
 * connection and the frames received, and can close the connection after a given number of frames.
 */
final class FakeWebSocketServer implements AutoCloseable {
    final List<SensorFrame> frames = new CopyOnWriteArrayList<>();
    final List<String> paths = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    /** Close the connection when frame number N (counted from 1 over all connections) arrives. */
    final AtomicInteger closeAtFrame = new AtomicInteger(-1);
    private final HttpServer server;

    FakeWebSocketServer(Vertx vertx) throws Exception {
        this(vertx, null);
    }

    /** With {@code tls}, serves {@code wss://} with its keystore. */
    FakeWebSocketServer(Vertx vertx, TestTls tls) throws Exception {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setMaxWebSocketFrameSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES)
                .setMaxWebSocketMessageSize(FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        if (tls != null) {
            options.setSsl(true).setKeyCertOptions(new PfxOptions().setPath(tls.keystore().toString())
                    .setPassword(tls.keystorePassword()));
        }
        server = vertx.createHttpServer(options);
        server.webSocketHandler(ws -> {
            connections.incrementAndGet();
            paths.add(ws.path());
            authorizations.add(String.valueOf(ws.headers().get("Authorization")));
            boolean[] closed = {false};
            ws.binaryMessageHandler(b -> {
                if (closed[0]) {
                    // Closed by this side: what still arrives is not processed.
                    return;
                }
                try {
                    frames.add(FrameCodec.decode(b.getBytes(), FrameCodec.DEFAULT_MAX_FRAME_BYTES));
                } catch (FrameFormatException e) {
                    throw new AssertionError(e);
                }
                if (frames.size() == closeAtFrame.get()) {
                    closed[0] = true;
                    ws.close();
                }
            });
        });
        server.listen().await(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    List<Long> sequences() {
        return frames.stream().map(SensorFrame::sequence).toList();
    }

    @Override
    public void close() throws Exception {
        server.close().await(10, TimeUnit.SECONDS);
    }
}
