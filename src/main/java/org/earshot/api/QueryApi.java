package org.earshot.api;

import java.util.List;
import java.util.Objects;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the auditors' query API ({@value Endpoint#PREFIX}, see {@code docs/API.md} and {@code docs/openapi.json})
 * on a Vert.x Web router. It takes every method on every path under the prefix and hands the request to
 * {@link QueryService} on a worker thread ({@code executeBlocking}: the journal reads and fsyncs), so that 404, 405,
 * 401 and 403 are decided and journaled by the same code as the answers; Vert.x Web's own 404/405 never see these
 * paths. Request bodies are never read.
 */
public final class QueryApi {
    private static final Logger LOG = LoggerFactory.getLogger(QueryApi.class);

    private final QueryService service;

    public QueryApi(QueryService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    /** Adds the API's routes to {@code router}. */
    public void mount(Router router) {
        router.route(Endpoint.PREFIX).handler(this::handle);
        router.route(Endpoint.PREFIX + "/*").handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest r = ctx.request();
        SocketAddress remote = r.remoteAddress();
        ApiRequest request = new ApiRequest(r.method().name(), r.path(), r.query(),
                r.headers().getAll("Authorization"), r.headers().getAll("X-API-Key"), r.getHeader("Accept"),
                remote == null ? null : remote.hostAddress());
        ctx.vertx().executeBlocking(() -> service.handle(request), false).onComplete(done -> {
            HttpServerResponse response = ctx.response();
            if (response.closed() || response.ended()) {
                return;
            }
            if (done.failed()) {
                // handle() never throws, so this is the worker pool itself failing; nothing was answered or read.
                LOG.error("api: {} failed on the worker pool", request, done.cause());
                response.setStatusCode(500).putHeader("Content-Type", "application/json; charset=utf-8")
                        .putHeader("Cache-Control", "no-store")
                        .end("{\"error\":\"internal_error\",\"reason\":\"the request failed on the server\"}");
                return;
            }
            ApiResponse answer = done.result();
            response.setStatusCode(answer.status());
            answer.headers().forEach(response::putHeader);
            response.end(answer.body());
        });
    }

    /** The endpoints this API mounts, for documents and tests. */
    public static List<Endpoint> endpoints() {
        return List.of(Endpoint.values());
    }
}
