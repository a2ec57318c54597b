package org.earshot.app;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.vertx.core.Vertx;
import org.earshot.api.ApiVerticle;
import org.earshot.api.Authenticator;
import org.earshot.api.JwtVerifier;
import org.earshot.api.QueryApi;
import org.earshot.api.QueryService;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.ingest.Listen;
import org.earshot.ingest.Tls;
import org.earshot.pipeline.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auditors' query API over a journal, with /health and /metrics, as {@code serve} and {@code journal-writer}
 * both run it (the {@code http}, {@code metrics} and {@code api} sections): API keys from the keys file (none while
 * it does not exist: only the public transparency figures answer; read again when it changes), JWTs when a secret is
 * configured, and the requests counted by role for InfluxDB's service status.
 */
final class QueryWiring {
    private static final Logger LOG = LoggerFactory.getLogger(QueryWiring.class);

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile QueryService queryService;

    /** The TLS identity of the {@code tls} section; null without a keystore. */
    static Tls tls(ServeConfig config) {
        return config.tls().keystore() == null ? null
                : new Tls(config.tls().keystore(), config.tls().keystorePassword());
    }

    /**
     * The query API over {@code journal}; its refusals are journaled each {@code api.refusal_summary_seconds}. On a
     * node in cluster mode ({@code detectionsHere} false) the detection and transparency endpoints answer 503
     * pointing to the journal writer.
     */
    QueryApi queryApi(Vertx vertx, ServeConfig config, ApiKeysWatcher keys, ServiceJournal journal,
                      Supplier<SensorRegistry> sensors, Metrics metrics, boolean detectionsHere) {
        ServeConfig.Api a = config.api();
        JwtVerifier jwt = a.jwtSecret() == null ? null
                : new JwtVerifier(a.jwtSecret().getBytes(StandardCharsets.UTF_8), a.jwtAudience(), a.jwtIssuer(),
                        Service.JWT_LEEWAY, Clock.systemUTC());
        LOG.info("api: {} API key(s) from {}{}", keys.size(), config.apiKeysFile(), jwt == null ? ""
                : ", and HS256 JWTs for audience " + a.jwtAudience());
        JournalRecords records = new JournalRecords(journal, sensors, config.settings(), requests, refused);
        QueryService service = new QueryService(records, new Authenticator(keys, jwt), Clock.systemUTC(),
                new QueryService.Limits(a.anonymousRequestsPerMinute(), a.credentialRequestsPerMinute(),
                        a.refusalSummarySeconds(), a.transparencyMinCount()));
        queryService = service;
        if (!detectionsHere) {
            service.answerDetectionsElsewhere("in cluster mode they are in the cluster's journal: query the API of"
                    + " the active journal writer (earshot journal-writer)");
        }
        metrics.gauge("earshot_api_rate_limited_anonymous_total", () -> service.rateLimited(true));
        metrics.gauge("earshot_api_rate_limited_credential_total", () -> service.rateLimited(false));
        metrics.gauge("earshot_api_refusals_summarized_total", service::summarizedRefusals);
        // A quiet API still journals its last interval's refusals; the journal fsyncs, so off the event loop.
        long every = a.refusalSummarySeconds() * 1000L;
        vertx.setPeriodic(every, every, id -> vertx.executeBlocking(() -> {
            service.flushRefusals(false);
            return null;
        }, false));
        return new QueryApi(service);
    }

    /** The HTTP API's verticle on the {@code http} listener, with /metrics on the {@code metrics} listener. */
    static ApiVerticle verticle(ServeConfig config, Tls tls, Metrics metrics, Map<String, ?> info,
                                Map<String, BooleanSupplier> checks, QueryApi queryApi) {
        return new ApiVerticle(new Listen(config.http().host(), config.http().port(),
                config.http().tls() ? tls : null), new Listen(config.metrics().host(), config.metrics().port(), null),
                metrics, info, checks, queryApi, new ApiVerticle.Limits(config.http().headerTimeoutSeconds(),
                config.http().idleTimeoutSeconds(), config.http().maxConnections()));
    }

    /** API requests answered, by role. */
    Map<String, Long> requests() {
        return sums(requests);
    }

    /** API requests refused, by role. */
    Map<String, Long> refused() {
        return sums(refused);
    }

    private static Map<String, Long> sums(Map<String, LongAdder> counts) {
        Map<String, Long> out = new LinkedHashMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Journals the refusals not summarized yet (at close, before the journal closes). */
    void flushRefusals() {
        QueryService s = queryService;
        if (s != null) {
            s.flushRefusals(true);
        }
    }
}
