package org.earshot.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.google.gson.JsonObject;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.earshot.ingest.HttpConnectionGuard;
import org.earshot.ingest.Listen;
import org.earshot.pipeline.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP API: {@code GET /health} (200 when every check passes, 503 with the failing ones otherwise, as
 * load balancers and orchestrators expect) and, when given a {@link QueryApi}, the auditors' query API under
 * {@code /api/v1}. {@code GET /metrics} (Prometheus text format: frames, gaps, drops, queue depth, inference latency
 * and last-seen time per sensor) is served only on its own listener ({@code metrics.*}, loopback by default) and
 * never on the public one: per-sensor counters polled each second would date every detection. No endpoint returns
 * audio. Slow or idle clients cannot hold the public listener's connections: a connection must send a complete
 * request head within {@link Limits#headerTimeoutSeconds} of opening or of its previous response, an idle one is
 * closed, and connections beyond {@link Limits#maxConnections} are closed at once; closures for the first and last
 * reason are counted in {@code earshot_refused_total}.
 */
public final class ApiVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
    static final String TRANSPORT = "http";

    /** How long a client may take to send a request head, how long a connection may idle, how many there may be. */
    public record Limits(int headerTimeoutSeconds, int idleTimeoutSeconds, int maxConnections) {
        public Limits {
            if (headerTimeoutSeconds < 1 || idleTimeoutSeconds < 1 || maxConnections < 1) {
                throw new IllegalArgumentException("HTTP limits must be >= 1");
            }
        }

        public static Limits defaults() {
            return new Limits(org.earshot.config.ServeConfig.Http.DEFAULT_HEADER_TIMEOUT_SECONDS,
                    org.earshot.config.ServeConfig.Http.DEFAULT_IDLE_TIMEOUT_SECONDS,
                    org.earshot.config.ServeConfig.Http.DEFAULT_MAX_CONNECTIONS);
        }
    }

    private final Listen listen;
    private final Metrics metrics;
    private final Map<String, ?> info;
    private final Map<String, BooleanSupplier> checks;
    private final QueryApi queryApi;
    private final Limits limits;
    private final Listen metricsListen;
    private final long startedMillis = System.currentTimeMillis();
    private HttpServer server;
    private HttpServer metricsServer;

    /**
     * @param info   facts shown by /health (version, model, ingest mode); a {@code Supplier} value is asked each time
     * @param checks named liveness checks (e.g. "broker connected"); all must hold for a 200
     */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, ?> info, Map<String, BooleanSupplier> checks) {
        this(listen, metrics, info, checks, null);
    }

    /** As above, and with the query API mounted under /api/v1 when {@code queryApi} is not null. */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, ?> info, Map<String, BooleanSupplier> checks,
                       QueryApi queryApi) {
        this(listen, null, metrics, info, checks, queryApi, Limits.defaults());
    }

    /** As above, with the given limits on slow, idle and surplus connections. */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, ?> info, Map<String, BooleanSupplier> checks,
                       QueryApi queryApi, Limits limits) {
        this(listen, null, metrics, info, checks, queryApi, limits);
    }

    /** @param metricsListen where {@code /metrics} is served, apart from the public listener; null: nowhere */
    public ApiVerticle(Listen listen, Listen metricsListen, Metrics metrics, Map<String, ?> info,
                       Map<String, BooleanSupplier> checks, QueryApi queryApi) {
        this(listen, metricsListen, metrics, info, checks, queryApi, Limits.defaults());
    }

    /** The public listener with its limits, and {@code /metrics} on {@code metricsListen} (null: nowhere). */
    public ApiVerticle(Listen listen, Listen metricsListen, Metrics metrics, Map<String, ?> info,
                       Map<String, BooleanSupplier> checks, QueryApi queryApi, Limits limits) {
        this.metricsListen = metricsListen;
        this.queryApi = queryApi;
        this.limits = limits;
        this.listen = listen;
        this.metrics = metrics;
        this.info = new LinkedHashMap<>(info);
        this.checks = new LinkedHashMap<>(checks);
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.get("/health").handler(this::health);
        if (queryApi != null) {
            queryApi.mount(router);
        }
        HttpServerOptions options = HttpConnectionGuard.apply(options(listen).setIdleTimeout(limits.idleTimeoutSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS));
        HttpConnectionGuard guard = new HttpConnectionGuard(vertx, metrics, TRANSPORT, limits.headerTimeoutSeconds(),
                limits.maxConnections());
        server = vertx.createHttpServer(options).connectionHandler(guard::opened).requestHandler(request -> {
            guard.headReceived(request.remoteAddress());
            request.response().endHandler(v -> guard.responded(request.remoteAddress()));
            router.handle(request);
        });
        Future<HttpServer> main = server.listen()
                .recover(e -> Future.failedFuture(listen.bindFailure("HTTP", "http.port", e)))
                .onSuccess(s -> LOG.info("http: listening on {}:{}{} (/health{})", listen.host(), s.actualPort(),
                        listen.tls() == null ? "" : " (TLS)", queryApi == null ? "" : ", /api/v1"));
        if (metricsListen == null) {
            return main;
        }
        Router metricsRouter = Router.router(vertx);
        metricsRouter.get("/metrics").handler(this::metrics);
        metricsServer = vertx.createHttpServer(options(metricsListen)).requestHandler(metricsRouter);
        return main.compose(s -> metricsServer.listen()
                .recover(e -> Future.failedFuture(metricsListen.bindFailure("metrics", "metrics.port", e))))
                .onSuccess(s -> LOG.info(
                "http: /metrics on {}:{}{}", metricsListen.host(), s.actualPort(),
                metricsListen.tls() == null ? "" : " (TLS)"));
    }

    private static HttpServerOptions options(Listen listen) {
        HttpServerOptions options = new HttpServerOptions().setHost(listen.host()).setPort(listen.port());
        if (listen.tls() != null) {
            options.setSsl(true).setKeyCertOptions(listen.tls().pfx());
        }
        return options;
    }

    @Override
    public Future<?> stop() {
        Future<Void> metricsClosed = metricsServer == null ? Future.succeededFuture() : metricsServer.close();
        return server == null ? metricsClosed : Future.all(server.close(), metricsClosed);
    }

    public int actualPort() {
        return server.actualPort();
    }

    /** The port of the metrics listener; -1 without one. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.actualPort();
    }

    private void health(RoutingContext ctx) {
        JsonObject body = new JsonObject();
        JsonObject failing = new JsonObject();
        for (Map.Entry<String, BooleanSupplier> c : checks.entrySet()) {
            if (!c.getValue().getAsBoolean()) {
                failing.addProperty(c.getKey(), false);
            }
        }
        body.addProperty("status", failing.isEmpty() ? "ok" : "degraded");
        info.forEach((key, fact) -> {
            // A fact that can change while serving (the number of sensors, after the sensors file is read again).
            Object value = fact instanceof java.util.function.Supplier<?> live ? live.get() : fact;
            if (value instanceof Number number) {
                body.addProperty(key, number);
            } else {
                body.addProperty(key, String.valueOf(value));
            }
        });
        body.addProperty("uptime_seconds", (System.currentTimeMillis() - startedMillis) / 1000);
        if (!failing.isEmpty()) {
            body.add("failing", failing);
        }
        ctx.response().setStatusCode(failing.isEmpty() ? 200 : 503)
                .putHeader("Content-Type", "application/json").end(body.toString());
    }

    private void metrics(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.prometheus());
    }
}
