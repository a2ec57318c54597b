package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import org.earshot.ingest.Listen;
import org.earshot.pipeline.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slow clients cannot hold the HTTP listener's connections: a client that opens a connection and sends its request
 * headers slowly, or not at all, is closed after the header timeout (once, a thousand such connections were held
 * open for good).
 */
class ApiSlowClientTest {
    Vertx vertx;
    Metrics metrics;
    int port;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        metrics = new Metrics();
        ApiVerticle verticle = new ApiVerticle(new Listen("127.0.0.1", 0, null), metrics, Map.of(), Map.of());
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        port = verticle.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatNeverFinishesItsHeadersIsClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(25_000);
            OutputStream out = socket.getOutputStream();
            // The start of a request, and then nothing: the headers never end.
            out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            int first = in.read();
            // Closed, without an answer, or at most with a 408 status line before closing.
            while (first >= 0 && in.read() >= 0) {
                // drain what the server sent before closing
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "closed within the header timeout");
        }
        assertEquals(1, metrics.refusedCount("http", "header_timeout"));
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnceAndCounted() throws Exception {
        ApiVerticle limited = new ApiVerticle(new Listen("127.0.0.1", 0, null), metrics, Map.of(), Map.of(), null,
                new ApiVerticle.Limits(60, 60, 3));
        vertx.deployVerticle(limited).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        java.util.List<Socket> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", limited.actualPort()), 5000);
                held.add(s);
            }
            // Each held connection still answers, once its request head is complete.
            Socket first = held.get(0);
            first.setSoTimeout(10_000);
            first.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(
                    StandardCharsets.US_ASCII));
            byte[] status = first.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII));
            try (Socket extra = new Socket()) {
                extra.connect(new InetSocketAddress("127.0.0.1", limited.actualPort()), 5000);
                extra.setSoTimeout(10_000);
                assertEquals(-1, extra.getInputStream().read(), "the connection over the limit is closed");
            }
            assertEquals(1, metrics.refusedCount("http", "too_many_connections"));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
