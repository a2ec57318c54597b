package org.earshot.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import com.google.gson.JsonObject;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.earshot.ingest.Listen;
import org.earshot.pipeline.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP API. For now: {@code GET /health} (200 when every check passes, 503 with the failing ones
 * otherwise, as load balancers and orchestrators expect) and {@code GET /metrics} (Prometheus text format: frames,
 * gaps, drops, queue depth, inference latency and last-seen time per sensor), and, when given a {@link QueryApi}, the
 * auditors' query API under {@code /api/v1}. No endpoint returns audio.
 */
public final class ApiVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

    private final Listen listen;
    private final Metrics metrics;
    private final Map<String, ?> info;
    private final Map<String, BooleanSupplier> checks;
    private final QueryApi queryApi;
    private final long startedMillis = System.currentTimeMillis();
    private HttpServer server;

    /**
     * @param info   static facts shown by /health (version, model, ingest mode)
     * @param checks named liveness checks (e.g. "broker connected"); all must hold for a 200
     */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, ?> info, Map<String, BooleanSupplier> checks) {
        this(listen, metrics, info, checks, null);
    }

    /** As above, and with the query API mounted under /api/v1 when {@code queryApi} is not null. */
    public ApiVerticle(Listen listen, Metrics metrics, Map<String, ?> info, Map<String, BooleanSupplier> checks,
                       QueryApi queryApi) {
        this.queryApi = queryApi;
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
        HttpServerOptions options = new HttpServerOptions().setHost(listen.host()).setPort(listen.port());
        if (listen.tls() != null) {
            options.setSsl(true).setKeyCertOptions(listen.tls().pfx());
        }
        server = vertx.createHttpServer(options).requestHandler(router);
        return server.listen().recover(e -> Future.failedFuture(listen.bindFailure("HTTP", "http.port", e)))
                .onSuccess(s -> LOG.info("http: listening on {}:{}{} (/health, /metrics{})",
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
        info.forEach((key, value) -> {
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
