package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the WebSocket endpoint that once worked: one sensor token holding any number of connections (each with
 * its message buffers), and clients holding connections by never finishing their handshake request.
 */
class WebSocketAbuseIT {
    static final String HOST = "127.0.0.1";
    static final int MAX_PER_SENSOR = ServeConfig.WebSocket.DEFAULT_MAX_CONNECTIONS_PER_SENSOR;
    static final int HEADER_TIMEOUT_SECONDS = ServeConfig.WebSocket.DEFAULT_HEADER_TIMEOUT_SECONDS;
    @TempDir
    static Path dir;
    static LiveHarness live;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("crowd", "other")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        live = new LiveHarness(dir, LiveHarness.embeddedConfig(), tokens);
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    private WebSocketConnectOptions audio(String sensorId) {
        return new WebSocketConnectOptions().setHost(HOST).setPort(live.service.webSocketPort())
                .setURI("/v1/sensors/" + sensorId + "/audio")
                .addHeader("Authorization", "Bearer " + live.tokens.get(sensorId));
    }

    @Test
    void connectionsPerSensorAreBoundedAndRefusalsCounted() throws Exception {
        WebSocketClient ws = live.clients.createWebSocketClient();
        List<WebSocket> held = new ArrayList<>();
        for (int i = 0; i < MAX_PER_SENSOR; i++) {
            held.add(LiveHarness.await(ws.connect(audio("crowd"))));
        }
        Exception refused = assertThrows(Exception.class, () -> LiveHarness.await(ws.connect(audio("crowd"))));
        assertTrue(String.valueOf(refused.getMessage()).contains("429"), refused.toString());
        assertEquals(1, live.service.metrics().refusedCount("websocket", "too_many_connections"));
        // Another sensor is not affected; once one connection is closed, the sensor may open another.
        WebSocket other = LiveHarness.await(ws.connect(audio("other")));
        LiveHarness.await(held.get(0).close());
        WebSocket again = LiveHarness.await(ws.connect(audio("crowd")));
        for (WebSocket w : List.of(held.get(1), other, again)) {
            LiveHarness.await(w.close());
        }
    }

    @Test
    void aHandshakeThatNeverFinishesItsHeadersIsClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, live.service.webSocketPort()), 5000);
            socket.setSoTimeout((HEADER_TIMEOUT_SECONDS + 15) * 1000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/sensors/crowd/audio HTTP/1.1\r\nHost: " + HOST + "\r\nUpgrade: websocket\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            while (in.read() >= 0) {
                // whatever the server sends before it closes
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(HEADER_TIMEOUT_SECONDS + 10),
                    "closed within the header timeout");
        }
        assertEquals(1, live.service.metrics().refusedCount("websocket", "header_timeout"));
    }
}
