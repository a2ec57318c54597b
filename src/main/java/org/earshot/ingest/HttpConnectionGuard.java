package org.earshot.ingest;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import org.earshot.pipeline.Metrics;

/**
 * Keeps slow and surplus clients from holding an HTTP listener's connections (the API, the WebSocket endpoint): a
 * connection must send a complete request head within the header timeout of opening, or of its previous response,
 * and connections beyond the limit are closed at once; both are counted in {@code earshot_refused_total} under the
 * listener's transport ({@code header_timeout}, {@code too_many_connections}). One guard per server, used on the
 * server's event loop only (one verticle instance), so it needs no locks. Connections are known by their remote
 * address, which a WebSocket handshake shows as well as a request.
 */
public final class HttpConnectionGuard {
    private final Vertx vertx;
    private final Metrics metrics;
    private final String transport;
    private final long headerTimeoutMillis;
    private final int maxConnections;
    private final Map<String, HttpConnection> connections = new HashMap<>();
    private final Map<String, Long> timers = new HashMap<>();

    public HttpConnectionGuard(Vertx vertx, Metrics metrics, String transport, int headerTimeoutSeconds,
                               int maxConnections) {
        if (headerTimeoutSeconds < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("header timeout and connection limit must be >= 1");
        }
        this.vertx = vertx;
        this.metrics = metrics;
        this.transport = transport;
        this.headerTimeoutMillis = TimeUnit.SECONDS.toMillis(headerTimeoutSeconds);
        this.maxConnections = maxConnections;
    }

    /**
     * The options the guard needs: HTTP/1.1 only, because with clear-text HTTP/2 detection on, Vert.x reports a
     * connection only once its first request head is complete, too late to time out a client that never completes
     * it.
     */
    public static HttpServerOptions apply(HttpServerOptions options) {
        return options.setHttp2ClearTextEnabled(false);
    }

    /** For the server's connection handler. */
    public void opened(HttpConnection connection) {
        String key = key(connection.remoteAddress());
        connection.closeHandler(v -> {
            connections.remove(key, connection);
            cancel(key);
        });
        if (connections.size() >= maxConnections) {
            metrics.refused(transport, "too_many_connections");
            connection.close();
            return;
        }
        connections.put(key, connection);
        arm(key);
    }

    /** A request head (or WebSocket handshake) arrived on the connection from {@code remote}. */
    public void headReceived(SocketAddress remote) {
        cancel(key(remote));
    }

    /** The response went out: a kept-alive connection must send its next request head as promptly as its first. */
    public void responded(SocketAddress remote) {
        String key = key(remote);
        if (connections.containsKey(key)) {
            arm(key);
        }
    }

    private void arm(String key) {
        cancel(key);
        long timer = vertx.setTimer(headerTimeoutMillis, id -> {
            timers.remove(key);
            HttpConnection connection = connections.get(key);
            if (connection != null) {
                metrics.refused(transport, "header_timeout");
                connection.close();
            }
        });
        timers.put(key, timer);
    }

    private void cancel(String key) {
        Long timer = timers.remove(key);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    private static String key(SocketAddress remote) {
        return String.valueOf(remote);
    }
}
