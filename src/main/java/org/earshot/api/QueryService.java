package org.earshot.api;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.earshot.api.QueryParameters.CheckpointsRequest;
import org.earshot.api.QueryParameters.ConsistencyRequest;
import org.earshot.api.QueryParameters.DetectionsRequest;
import org.earshot.api.QueryParameters.EntriesRequest;
import org.earshot.api.QueryParameters.TransparencyRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API without HTTP: one request in, one complete response out, with the request journaled in between.
 * Checks run in a fixed order, and the first that fails answers: unknown path 404, method other than GET 405,
 * malformed query or credentials in the URL 400, refused credential 401, no credential on a non-public endpoint
 * 401, role not allowed ({@link Endpoint#roles()}) 403, bad parameter 400; then the data is read from
 * {@link Records}. Every outcome, refusals included, is written with {@link Records#audit} before the response is
 * returned, and if the journal cannot take it the answer is 503 without the data: an access that cannot be
 * accounted for does not happen. Blocking (it reads and fsyncs the journal): call it from a worker thread.
 */
public final class QueryService {
    private static final Logger LOG = LoggerFactory.getLogger(QueryService.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final String CSV = "text/csv; charset=utf-8; header=present";

    private final Records records;
    private final Authenticator authenticator;
    private final Clock clock;
    private final Limits limits;
    private final RateLimiter perAddress;
    private final RateLimiter perCredential;
    private final RefusalSummary refusals;
    private final LongAdder rateLimitedAnonymous = new LongAdder();
    private final LongAdder rateLimitedCredential = new LongAdder();
    private final LongAdder summarizedRefusals = new LongAdder();
    /** Where detections are answered instead (a node in cluster mode); null: here. */
    private volatile String detectionsElsewhere;

    /**
     * What protects the API and its journal from clients: anonymous requests a minute per client address,
     * authenticated requests a minute per credential, the interval over which refusals are summarized, and the
     * smallest count the transparency figures publish (smaller ones are suppressed; 1 publishes every count).
     */
    public record Limits(int anonymousPerMinute, int credentialPerMinute, int refusalSummarySeconds,
                         int transparencyMinCount) {
        public static final int DEFAULT_ANONYMOUS_PER_MINUTE = 60;
        public static final int DEFAULT_CREDENTIAL_PER_MINUTE = 600;
        public static final int DEFAULT_REFUSAL_SUMMARY_SECONDS = 60;
        public static final int DEFAULT_TRANSPARENCY_MIN_COUNT = 5;

        public Limits {
            if (anonymousPerMinute < 1 || credentialPerMinute < 1 || refusalSummarySeconds < 1
                    || transparencyMinCount < 1) {
                throw new IllegalArgumentException("API limits must be at least 1");
            }
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_ANONYMOUS_PER_MINUTE, DEFAULT_CREDENTIAL_PER_MINUTE,
                    DEFAULT_REFUSAL_SUMMARY_SECONDS, DEFAULT_TRANSPARENCY_MIN_COUNT);
        }
    }

    /** With the default {@link Limits}. @param clock for "today" (the transparency default range) and rates */
    public QueryService(Records records, Authenticator authenticator, Clock clock) {
        this(records, authenticator, clock, Limits.defaults());
    }

    public QueryService(Records records, Authenticator authenticator, Clock clock, Limits limits) {
        this.records = Objects.requireNonNull(records, "records");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.perAddress = new RateLimiter(limits.anonymousPerMinute());
        this.perCredential = new RateLimiter(limits.credentialPerMinute());
        this.refusals = new RefusalSummary(limits.refusalSummarySeconds() * 1_000_000L);
    }

    /**
     * A node in cluster mode: its journal holds no detections (the cluster's journal writer journals them), so the
     * detection and transparency endpoints answer 503 naming {@code where} instead of empty lists; the journal,
     * sensors and configuration endpoints still answer from this node's journal.
     */
    public void answerDetectionsElsewhere(String where) {
        this.detectionsElsewhere = Objects.requireNonNull(where, "where");
    }

    /** Requests refused with 429: {@code anonymous} ones (per address) or authenticated ones (per credential). */
    public long rateLimited(boolean anonymous) {
        return (anonymous ? rateLimitedAnonymous : rateLimitedCredential).sum();
    }

    /** Refused requests counted in summaries rather than journaled one by one. */
    public long summarizedRefusals() {
        return summarizedRefusals.sum();
    }

    /**
     * Journals the refusal summaries of intervals that are over ({@code all}: the current one too, at a stop).
     * Blocking; call it from a worker thread, periodically, so that a quiet API still writes its last summary.
     */
    public void flushRefusals(boolean all) {
        List<RefusalSummary.Interval> due = refusals.takeDue(nowMicros(), all);
        for (int i = 0; i < due.size(); i++) {
            try {
                records.auditRefusals(due.get(i));
            } catch (IOException | RuntimeException e) {
                LOG.error("api: cannot journal a summary of {} refused request(s); kept for the next try: {}",
                        due.get(i).total(), e.toString());
                refusals.putBack(due.subList(i, due.size()));
                return;
            }
        }
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1000);
    }

    /** An outcome before it is journaled: the response, and what the audit record says about it. */
    private record Outcome(ApiResponse response, long results, String refusal) {}

    /** Answers one request; never throws. */
    public ApiResponse handle(ApiRequest request) {
        Authenticator.Authentication auth = authenticator.authenticate(request.authorization(), request.apiKey());
        Principal principal = auth.principal();
        long now = nowMicros();
        flushRefusals(false);
        // Anonymous requests, and requests with a refused credential, are limited per client address; the others
        // per credential, so a stolen key used from many addresses is held to the same rate.
        boolean anonymous = principal.role() == Role.PUBLIC;
        String address = RateLimiter.addressKey(request.remoteAddress());
        java.util.OptionalLong wait = anonymous ? perAddress.acquire(address, now)
                : perCredential.acquire(principal.credential() + "\u0000" + principal.keyId() + "\u0000"
                + principal.name(), now);
        String endpointName = Endpoint.match(request.path()).map(m -> m.endpoint().template()).orElse("unknown");
        if (wait.isPresent()) {
            (anonymous ? rateLimitedAnonymous : rateLimitedCredential).increment();
            summarizedRefusals.increment();
            refusals.add(now, address, principal, 429, endpointName);
            records.countSummarized(principal.role().wireName(), 429);
            return refusal(429, "too_many_requests", "too many requests from this " + (anonymous ? "address"
                    : "credential") + "; retry after " + wait.getAsLong() + " s",
                    Map.of("Retry-After", String.valueOf(wait.getAsLong()))).response();
        }
        Map<String, List<String>> params;
        try {
            params = QueryParameters.parse(request.rawQuery());
        } catch (BadParameterException e) {
            params = Map.of();
        }
        Outcome outcome;
        try {
            outcome = decide(request, auth);
        } catch (RuntimeException e) {
            LOG.error("api: {} {} failed", request.method(), QueryParameters.pathForAudit(request.path()), e);
            outcome = refusal(500, "internal_error", "the request failed on the server", Map.of());
        }
        int status = outcome.response().status();
        if (anonymous && status >= 400 && status < 500) {
            // Refused without reading anything: counted per interval, so that a flood cannot grow the journal by
            // one entry per request. Nothing was disclosed, so nothing is lost by answering before journaling.
            summarizedRefusals.increment();
            refusals.add(now, address, principal, status, endpointName);
            records.countSummarized(principal.role().wireName(), status);
            return outcome.response();
        }
        // A JWT's sub is the issuer's choice: redacted too, in case one put a credential there.
        AccessRecord access = new AccessRecord(QueryParameters.redact(principal.name()), principal.role().wireName(),
                principal.credential(), principal.keyId(), request.method(),
                QueryParameters.pathForAudit(request.path()), QueryParameters.forAudit(params),
                status, outcome.results(), outcome.refusal() == null ? null
                : QueryParameters.cutForAudit(QueryParameters.redact(outcome.refusal())),
                request.remoteAddress() == null ? "" : request.remoteAddress());
        try {
            records.audit(access);
        } catch (IOException | RuntimeException e) {
            LOG.error("api: cannot journal {} {} (status {}); answering 503: {}", request.method(), access.path(),
                    outcome.response().status(), e.toString());
            return refusal(503, "unavailable", "the access journal cannot record this request, so it is not"
                    + " answered; try again later", Map.of("Retry-After", "30")).response();
        }
        return outcome.response();
    }

    private Outcome decide(ApiRequest request, Authenticator.Authentication auth) {
        Optional<Endpoint.Match> match = Endpoint.match(request.path());
        if (match.isEmpty()) {
            return refusal(404, "not_found", "no such endpoint (see docs/openapi.json)", Map.of());
        }
        Endpoint endpoint = match.get().endpoint();
        if (!Endpoint.METHOD.equals(request.method())) {
            return refusal(405, "method_not_allowed", "only GET is allowed on " + endpoint.template(),
                    Map.of("Allow", Endpoint.METHOD));
        }
        Map<String, List<String>> query;
        try {
            query = QueryParameters.parse(request.rawQuery());
            // Before the credential headers are even looked at: a key in a URL is refused with a valid header too.
            QueryParameters.refuseCredentials(query);
        } catch (BadParameterException e) {
            return refusal(400, "bad_request", e.getMessage(), Map.of());
        }
        if (auth.isRefused()) {
            return refusal(401, "unauthorized", auth.refusal(),
                    Map.of("WWW-Authenticate", "Bearer realm=\"earshot\", error=\"invalid_token\""));
        }
        Principal principal = auth.principal();
        if (!endpoint.allows(principal.role())) {
            if (principal.role() == Role.PUBLIC) {
                return refusal(401, "unauthorized", "credentials required",
                        Map.of("WWW-Authenticate", "Bearer realm=\"earshot\""));
            }
            return refusal(403, "forbidden", "role " + principal.role().wireName() + " may not read "
                    + endpoint.template(), Map.of());
        }
        String elsewhere = detectionsElsewhere;
        if (elsewhere != null && (endpoint == Endpoint.DETECTIONS || endpoint == Endpoint.DETECTION
                || endpoint == Endpoint.TRANSPARENCY)) {
            return refusal(503, "not_here", "detections are not in this node's journal: " + elsewhere, Map.of());
        }
        try {
            return answer(endpoint, match.get().id(), query, request);
        } catch (BadParameterException e) {
            return refusal(400, "bad_request", e.getMessage(), Map.of());
        } catch (IllegalArgumentException e) {
            // Records.consistencyProof's way of saying the sizes do not fit the journal.
            return refusal(400, "bad_request", String.valueOf(e.getMessage()), Map.of());
        } catch (IOException e) {
            LOG.error("api: reading the journal for {} failed: {}", endpoint.template(), e.toString());
            return refusal(500, "internal_error", "the journal could not be read", Map.of());
        }
    }

    private Outcome answer(Endpoint endpoint, String id, Map<String, List<String>> params, ApiRequest request)
            throws BadParameterException, IOException {
        switch (endpoint) {
            case TRANSPARENCY: {
                TransparencyRequest r = QueryParameters.transparency(params, LocalDate.now(clock.withZone(
                        ZoneOffset.UTC)));
                List<DailyCount> counts = records.dailyCounts(r.from(), r.to());
                return json(ApiJson.transparency(r.from(), r.to(), counts, limits.transparencyMinCount()),
                        counts.size());
            }
            case DETECTIONS:
                return detections(QueryParameters.detections(params, request.accept()), params, request);
            case DETECTION: {
                QueryParameters.requireOnly(params, endpoint);
                Optional<DetectionProof> proof = records.detection(id);
                if (proof.isEmpty()) {
                    return refusal(404, "not_found", "no detection with this id", Map.of());
                }
                return json(ApiJson.proof(proof.get()), 1);
            }
            case JOURNAL_ENTRIES: {
                EntriesRequest r = QueryParameters.entries(params);
                Page<JournalEntryView> page = records.entries(r.afterSeq(), r.limit(), r.types());
                JsonArray items = new JsonArray();
                page.items().forEach(e -> items.add(ApiJson.entry(e)));
                JsonObject o = new JsonObject();
                o.add("items", items);
                o.addProperty("next_after", page.nextCursor());
                return json(o, page.items().size());
            }
            case JOURNAL_CHECKPOINTS: {
                CheckpointsRequest r = QueryParameters.checkpoints(params);
                List<CheckpointView> list = records.checkpoints(r.afterTreeSize(), r.limit());
                JsonArray items = new JsonArray();
                list.forEach(c -> items.add(ApiJson.checkpoint(c)));
                JsonObject o = new JsonObject();
                o.add("items", items);
                // A full page may have more behind it; a short one is the end.
                o.addProperty("next_after", list.size() == r.limit() && !list.isEmpty()
                        ? list.get(list.size() - 1).treeSize() : null);
                return json(o, list.size());
            }
            case JOURNAL_CONSISTENCY: {
                ConsistencyRequest r = QueryParameters.consistency(params);
                List<byte[]> proof = records.consistencyProof(r.fromSize(), r.toSize());
                JsonObject o = new JsonObject();
                o.addProperty("from", r.fromSize());
                o.addProperty("to", r.toSize());
                o.add("proof", ApiJson.hashes(proof));
                return json(o, proof.size());
            }
            case SENSORS: {
                QueryParameters.requireOnly(params, endpoint);
                List<SensorView> sensors = records.sensors();
                JsonArray items = new JsonArray();
                sensors.forEach(s -> items.add(ApiJson.sensor(s)));
                JsonObject o = new JsonObject();
                o.add("items", items);
                return json(o, sensors.size());
            }
            case CONFIG: {
                QueryParameters.requireOnly(params, endpoint);
                JsonObject o = new JsonObject();
                o.add("configuration", ApiJson.value(records.configuration()));
                return json(o, 1);
            }
            default:
                throw new IllegalStateException("no handler for " + endpoint);
        }
    }

    private Outcome detections(DetectionsRequest r, Map<String, List<String>> params, ApiRequest request)
            throws IOException {
        Page<DetectionRecord> page = records.detections(r.query());
        String next = page.nextCursor() == null ? null : QueryParameters.encodeCursor(page.nextCursor());
        Map<String, String> headers = new LinkedHashMap<>();
        if (next != null) {
            headers.put("Link", "<" + nextLink(request.path(), params, next) + ">; rel=\"next\"");
            headers.put("X-Next-Cursor", next);
        }
        if (r.format() == QueryParameters.Format.CSV) {
            StringBuilder csv = new StringBuilder(Csv.row(ApiJson.DETECTION_COLUMNS));
            page.items().forEach(d -> csv.append(ApiJson.detectionCsv(d)));
            headers.put("Content-Type", CSV);
            headers.put("Content-Disposition", "attachment; filename=\"detections.csv\"");
            return new Outcome(response(200, headers, csv.toString()), page.items().size(), null);
        }
        JsonArray items = new JsonArray();
        page.items().forEach(d -> items.add(ApiJson.detection(d)));
        JsonObject o = new JsonObject();
        o.add("items", items);
        o.add("next_cursor", next == null ? JsonNull.INSTANCE : new JsonPrimitive(next));
        headers.put("Content-Type", JSON);
        return new Outcome(response(200, headers, o.toString()), page.items().size(), null);
    }

    /** The same query with the cursor replaced, relative to this server (RFC 8288 resolves it against the request). */
    static String nextLink(String path, Map<String, List<String>> params, String cursor) {
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (p.getKey().equals("cursor")) {
                continue;
            }
            for (String v : p.getValue()) {
                query.append(query.length() == 0 ? "" : "&").append(encode(p.getKey())).append('=').append(encode(v));
            }
        }
        query.append(query.length() == 0 ? "" : "&").append("cursor=").append(cursor);
        return path + "?" + query;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Outcome json(JsonElement body, long results) {
        return new Outcome(response(200, Map.of("Content-Type", JSON), body.toString()), results, null);
    }

    private static Outcome refusal(int status, String error, String reason, Map<String, String> extraHeaders) {
        JsonObject o = new JsonObject();
        o.addProperty("error", error);
        o.addProperty("reason", reason);
        Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
        headers.put("Content-Type", JSON);
        return new Outcome(response(status, headers, o.toString()), 0, reason);
    }

    private static ApiResponse response(int status, Map<String, String> headers, String body) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        // Answers depend on who asks, and the journal must see every read: nothing may be cached on the way.
        all.put("Cache-Control", "no-store");
        all.put("X-Content-Type-Options", "nosniff");
        return new ApiResponse(status, all, body);
    }
}
