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
 * The service's HTTP API. For now: {@code GET /health} (200 when every check passes, 503 with the failing ones
 * otherwise, as load balancers and orchestrators expect) and {@code GET /metrics} (Prometheus text format: frames,
 * gaps, drops, queue depth, inference latency and last-seen time per sensor), and, when given a {@link QueryApi}, the
 * auditors' query API under {@code /api/v1}. No endpoint returns audio. Slow or idle clients cannot hold
 * connections: a connection must send a complete request head within {@link Limits#headerTimeoutSeconds} of
 * opening or of its previous response, an idle one is closed, and connections beyond {@link Limits#maxConnections}
 * are closed at once; closures for the first and last reason are counted in {@code earshot_refused_total}.
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
    private final Map<String, String> info;
    private final Map<String, BooleanSupplier> checks;
    private final QueryApi queryApi;
    private final Limits limits;
    private final long startedMillis = System.currentTimeMillis();
    private HttpServer server;

    /**
     * @param info   static facts shown by /health (version, model, ingest mode)
     * @param checks named liveness checks (e.g. "broker connected"); all must hold for a 200
     */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, String> info, Map<String, BooleanSupplier> checks) {
        this(listen, metrics, info, checks, null);
    }

    /** As above, and with the query API mounted under /api/v1 when {@code queryApi} is not null. */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, String> info, Map<String, BooleanSupplier> checks,
                       QueryApi queryApi) {
        this(listen, metrics, info, checks, queryApi, Limits.defaults());
    }

    /** As above, with the given limits on slow, idle and surplus connections. */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, String> info, Map<String, BooleanSupplier> checks,
                       QueryApi queryApi, Limits limits) {
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
        router.get("/metrics").handler(this::metrics);
        if (queryApi != null) {
            queryApi.mount(router);
        }
        HttpServerOptions options = HttpConnectionGuard.apply(new HttpServerOptions().setHost(listen.host())
                .setPort(listen.port()).setIdleTimeout(limits.idleTimeoutSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS));
        HttpConnectionGuard guard = new HttpConnectionGuard(vertx, metrics, TRANSPORT, limits.headerTimeoutSeconds(),
                limits.maxConnections());
        if (listen.tls() != null) {
            options.setSsl(true).setKeyCertOptions(listen.tls().pfx());
        }
        server = vertx.createHttpServer(options).connectionHandler(guard::opened).requestHandler(request -> {
            guard.headReceived(request.remoteAddress());
            request.response().endHandler(v -> guard.responded(request.remoteAddress()));
            router.handle(request);
        });
        return server.listen().onSuccess(s -> LOG.info("http: listening on {}:{}{} (/health, /metrics{})",
                listen.host(), s.actualPort(), listen.tls() == null ? "" : " (TLS)",
                queryApi == null ? "" : ", /api/v1"));
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    public int actualPort() {
        return server.actualPort();
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
        info.forEach(body::addProperty);
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
