package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.Vertx;
import org.earshot.config.ApiKeyRegistry;
import org.earshot.detect.Labels;
import org.earshot.ingest.Listen;
import org.earshot.pipeline.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The query API over real HTTP: a Vert.x server on a free port, mounted through {@link ApiVerticle}, over an
 * in-memory {@link Records}. The role-by-endpoint matrix sends every credential to every endpoint with every method
 * and checks the exact status and the one audit record each request leaves.
 */
class QueryApiTest {
    private static final long NOW_SECONDS = 1_795_953_600L; // 2026-11-29T12:00:00Z
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW_SECONDS), ZoneOffset.UTC);
    private static final long NOW_MICROS = NOW_SECONDS * 1_000_000L;
    private static final long HOUR_MICROS = 3_600_000_000L;
    private static final String OPERATOR_KEY = ApiKeyRegistry.newKey();
    private static final String AUDITOR_KEY = ApiKeyRegistry.newKey();
    private static final String ADMIN_KEY = ApiKeyRegistry.newKey();
    private static final int DETECTIONS = 25;
    private static final String CSV_ID = "=HYPERLINK(\"http://evil.example\")";

    private static Vertx vertx;
    private static MemoryRecords records;
    private static QueryService service;
    private static int port;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** A way to present (or not) a credential, with who the audit record must then name. */
    record Credential(String label, String header, String value, String principal, Role role, boolean valid) {}

    private static final List<Credential> CREDENTIALS = List.of(
            new Credential("none", null, null, "anonymous", Role.PUBLIC, true),
            new Credential("unknown key", "Authorization", "Bearer " + ApiKeyRegistry.newKey(), "anonymous",
                    Role.PUBLIC, false),
            new Credential("expired jwt", "Authorization", "Bearer " + TestJwt.valid("mallory", "auditor",
                    NOW_SECONDS - 7200), "anonymous", Role.PUBLIC, false),
            new Credential("alg none jwt", "Authorization", "Bearer " + TestJwt.b64("{\"alg\":\"none\"}") + "."
                    + TestJwt.b64("{\"sub\":\"mallory\",\"role\":\"admin\",\"aud\":\"" + TestJwt.AUDIENCE
                    + "\",\"exp\":" + (NOW_SECONDS + 600) + "}") + ".", "anonymous", Role.PUBLIC, false),
            new Credential("operator key", "Authorization", "Bearer " + OPERATOR_KEY, "ops", Role.OPERATOR, true),
            new Credential("auditor key", "X-API-Key", AUDITOR_KEY, "alice", Role.AUDITOR, true),
            new Credential("admin key", "Authorization", "Bearer " + ADMIN_KEY, "root", Role.ADMIN, true),
            new Credential("operator jwt", "Authorization", "Bearer " + TestJwt.valid("op-jwt", "operator",
                    NOW_SECONDS), "op-jwt", Role.OPERATOR, true),
            new Credential("auditor jwt", "Authorization", "Bearer " + TestJwt.valid("aud-jwt", "auditor",
                    NOW_SECONDS), "aud-jwt", Role.AUDITOR, true),
            new Credential("admin jwt", "Authorization", "Bearer " + TestJwt.valid("adm-jwt", "admin",
                    NOW_SECONDS), "adm-jwt", Role.ADMIN, true));

    /** One valid GET per endpoint. */
    private static final Map<Endpoint, String> VALID_URLS = new LinkedHashMap<>();

    static {
        VALID_URLS.put(Endpoint.TRANSPARENCY, "/api/v1/transparency?from=2026-11-01&to=2026-11-28");
        VALID_URLS.put(Endpoint.DETECTIONS, "/api/v1/detections?class=shout&limit=5");
        VALID_URLS.put(Endpoint.DETECTION, "/api/v1/detections/det-0003");
        VALID_URLS.put(Endpoint.JOURNAL_ENTRIES, "/api/v1/journal/entries?after=3&type=detection");
        VALID_URLS.put(Endpoint.JOURNAL_CHECKPOINTS, "/api/v1/journal/checkpoints");
        VALID_URLS.put(Endpoint.JOURNAL_CONSISTENCY, "/api/v1/journal/consistency?from=1&to=64");
        VALID_URLS.put(Endpoint.SENSORS, "/api/v1/sensors");
        VALID_URLS.put(Endpoint.CONFIG, "/api/v1/config");
    }

    @BeforeAll
    static void start() throws Exception {
        records = new MemoryRecords();
        for (int i = 1; i <= DETECTIONS; i++) {
            String label = Labels.CLASSES.get(i % Labels.CLASSES.size());
            long onset = NOW_MICROS - (DETECTIONS - i) * 7 * HOUR_MICROS;
            records.detections.add(new DetectionRecord(i, i == DETECTIONS ? CSV_ID : String.format("det-%04d", i),
                    "s" + (i % 2 + 1), label, onset, onset + 500_000, 0.5 + i / 100.0, -12.5, i % 2 == 0 ? 80.1 : null,
                    0.5, i == DETECTIONS ? "yamnet, \"v2\"\nbeta" : "earshot-v2", onset + 1_000_000,
                    onset + 1_200_000));
        }
        ApiKeyRegistry keys = new ApiKeyRegistry(List.of(
                new ApiKeyRegistry.ApiKey("ops", "operator", ApiKeyRegistry.keySha256(OPERATOR_KEY)),
                new ApiKeyRegistry.ApiKey("alice", "auditor", ApiKeyRegistry.keySha256(AUDITOR_KEY)),
                new ApiKeyRegistry.ApiKey("root", "admin", ApiKeyRegistry.keySha256(ADMIN_KEY))));
        JwtVerifier jwt = new JwtVerifier(TestJwt.SECRET, TestJwt.AUDIENCE, null, JwtVerifier.DEFAULT_LEEWAY,
                CLOCK);
        // Limits far above what this class sends: ApiAttackTest checks them; the minimum count 1 publishes every count.
        service = new QueryService(records, new Authenticator(keys, jwt), CLOCK,
                new QueryService.Limits(1_000_000, 1_000_000, 60, 1));
        QueryApi api = new QueryApi(service);
        vertx = Vertx.vertx();
        ApiVerticle verticle = new ApiVerticle(new Listen("127.0.0.1", 0, null), new Metrics(), Map.of(),
                Map.of(), api);
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        port = verticle.actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void journalWorks() {
        records.failAudit.set(false);
    }

    private static HttpResponse<String> send(String method, String pathAndQuery, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i] != null) {
                b.header(headers[i], headers[i + 1]);
            }
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        return send("GET", pathAndQuery, headers);
    }

    private static HttpResponse<String> send(String method, String url, Credential c) throws Exception {
        return send(method, url, c.header(), c.value());
    }

    private static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** The status a credential must get on an endpoint with GET: what the roles matrix says, nothing else. */
    private static int expectedStatus(Credential c, Endpoint e) {
        if (!c.valid()) {
            return 401;
        }
        return e.allows(c.role()) ? 200 : c.role() == Role.PUBLIC ? 401 : 403;
    }

    private static AccessRecord onlyNewAudit(int before) {
        assertEquals(before + 1, records.audits.size(), "one audit record per request");
        return records.audits.get(before);
    }

    /** An anonymous refusal: counted in the interval's summary, not journaled on its own. */
    private static void onlySummarized(int before, long summarizedBefore, String what) {
        assertEquals(before, records.audits.size(), what + ": no entry of its own");
        assertEquals(summarizedBefore + 1, service.summarizedRefusals(), what + ": counted in the summary");
    }

    @Test
    void roleByEndpointMatrix() throws Exception {
        List<String> table = new ArrayList<>();
        for (Map.Entry<Endpoint, String> endpoint : VALID_URLS.entrySet()) {
            for (Credential c : CREDENTIALS) {
                for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
                    int before = records.audits.size();
                    long summarized = service.summarizedRefusals();
                    HttpResponse<String> r = send(method, endpoint.getValue(), c);
                    int expected = method.equals("GET") ? expectedStatus(c, endpoint.getKey()) : 405;
                    String what = method + " " + endpoint.getValue() + " as " + c.label();
                    assertEquals(expected, r.statusCode(), what + ": " + r.body());
                    if (expected >= 400 && (!c.valid() || c.role() == Role.PUBLIC)) {
                        onlySummarized(before, summarized, what);
                        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""), what);
                        if (expected == 401) {
                            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
                                    what);
                        }
                        if (expected == 405) {
                            assertEquals("GET", r.headers().firstValue("Allow").orElse(""), what);
                        }
                        if (method.equals("GET")) {
                            table.add(endpoint.getKey() + " " + c.label() + " " + r.statusCode());
                        }
                        continue;
                    }
                    AccessRecord audit = onlyNewAudit(before);
                    assertEquals(expected, audit.status(), what);
                    assertEquals(method, audit.method(), what);
                    assertEquals(endpoint.getValue().replaceAll("\\?.*", ""), audit.path(), what);
                    assertEquals("127.0.0.1", audit.remoteAddress(), what);
                    // Who, whatever the outcome; a refused credential leaves the request anonymous.
                    assertEquals(c.principal(), audit.principal(), what);
                    assertEquals(c.valid() ? c.role().wireName() : "public", audit.role(), what);
                    if (expected == 200) {
                        assertNull(audit.refusal(), what);
                        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith(
                                "application/json"), what);
                    } else {
                        assertNotNull(audit.refusal(), what);
                        if (!method.equals("HEAD")) {
                            assertEquals(audit.refusal(), json(r).get("reason").getAsString(), what);
                        }
                    }
                    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""), what);
                    if (expected == 401) {
                        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), what);
                    }
                    if (expected == 405) {
                        assertEquals("GET", r.headers().firstValue("Allow").orElse(""), what);
                    }
                    String auditText = audit.toString();
                    assertFalse(c.value() != null && auditText.contains(c.value().replace("Bearer ", "")), what);
                    if (method.equals("GET")) {
                        table.add(endpoint.getKey() + " " + c.label() + " " + r.statusCode());
                    }
                }
            }
        }
        assertEquals(VALID_URLS.size() * CREDENTIALS.size(), table.size());
        // The 2xx cells, spelled out once more so that a change to Endpoint's roles must change this test too.
        List<String> allowed = table.stream().filter(s -> s.endsWith(" 200")).map(s -> s.replace(" 200", ""))
                .toList();
        List<String> expected = new ArrayList<>();
        for (Credential c : CREDENTIALS) {
            if (c.valid()) {
                expected.add("TRANSPARENCY " + c.label());
            }
        }
        for (String who : List.of("operator key", "auditor key", "operator jwt", "auditor jwt")) {
            expected.add("DETECTIONS " + who);
            expected.add("DETECTION " + who);
        }
        for (String who : List.of("auditor key", "auditor jwt")) {
            expected.add("JOURNAL_ENTRIES " + who);
            expected.add("JOURNAL_CHECKPOINTS " + who);
            expected.add("JOURNAL_CONSISTENCY " + who);
            expected.add("CONFIG " + who);
        }
        for (String who : List.of("operator key", "auditor key", "admin key", "operator jwt", "auditor jwt",
                "admin jwt")) {
            expected.add("SENSORS " + who);
        }
        for (String who : List.of("admin key", "admin jwt")) {
            expected.add("CONFIG " + who);
        }
        assertEquals(Set.copyOf(expected), Set.copyOf(allowed));
        assertEquals(expected.size(), allowed.size());
    }

    @Test
    void unknownPathsAre404JsonForEveryoneAndAudited() throws Exception {
        for (String path : List.of("/api/v1", "/api/v1/", "/api/v1/nope", "/api/v1/detections/",
                "/api/v1/detections/det-0003/proof", "/api/v1/detections/%2e%2e", "/api/v1/Detections",
                "/api/v1/sensors/", "/api/v1/audio")) {
            for (Credential c : List.of(CREDENTIALS.get(0), CREDENTIALS.get(5))) {
                int before = records.audits.size();
                long summarized = service.summarizedRefusals();
                HttpResponse<String> r = send("GET", path, c);
                assertEquals(404, r.statusCode(), path);
                assertEquals("not_found", json(r).get("error").getAsString());
                if (c.role() == Role.PUBLIC) {
                    onlySummarized(before, summarized, path);
                } else {
                    assertEquals(404, onlyNewAudit(before).status());
                }
            }
        }
        int before = records.audits.size();
        String jwt = TestJwt.valid("alice", "auditor", NOW_SECONDS);
        assertEquals(404, get("/api/v1/" + AUDITOR_KEY + "/" + jwt, "X-API-Key", AUDITOR_KEY).statusCode());
        assertEquals("/api/v1/<redacted>/<redacted>", onlyNewAudit(before).path());
        before = records.audits.size();
        HttpResponse<String> r = get("/api/v1/detections/det-9999", "X-API-Key", AUDITOR_KEY);
        assertEquals(404, r.statusCode());
        assertEquals("no detection with this id", onlyNewAudit(before).refusal());
    }

    @Test
    void badParametersAre400WithAReasonAndAudited() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("/api/v1/detections?bogus=1", "unknown parameter \"bogus\"");
        cases.put("/api/v1/detections?limit=5000", "limit must be from 1 to 1000");
        cases.put("/api/v1/detections?from=2026-11-29T10:00:00Z&to=2026-11-29T09:00:00Z", "from must be before to");
        cases.put("/api/v1/detections?class=music", "class \"music\" is not one of");
        cases.put("/api/v1/detections?cursor=abc", "cursor is not one this API returned");
        cases.put("/api/v1/detections?min_confidence=2", "min_confidence must be a number from 0 to 1");
        cases.put("/api/v1/detections/det-0003?format=csv", "unknown parameter \"format\"");
        cases.put("/api/v1/journal/consistency?from=1&to=65", "to is beyond the journal");
        cases.put("/api/v1/journal/consistency?from=9&to=3", "from must not be greater than to");
        cases.put("/api/v1/sensors?x=1", "unknown parameter \"x\" (this endpoint takes none)");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            int before = records.audits.size();
            HttpResponse<String> r = get(c.getKey(), "X-API-Key", AUDITOR_KEY);
            assertEquals(400, r.statusCode(), c.getKey() + ": " + r.body());
            assertEquals("bad_request", json(r).get("error").getAsString());
            assertTrue(json(r).get("reason").getAsString().contains(c.getValue()), r.body());
            AccessRecord audit = onlyNewAudit(before);
            assertEquals("alice", audit.principal());
            assertEquals(json(r).get("reason").getAsString(), audit.refusal());
        }
    }

    @Test
    void credentialsInTheUrlAreRefusedAndNeverJournaled() throws Exception {
        for (String query : List.of("api_key=" + AUDITOR_KEY, "token=" + AUDITOR_KEY, "sensor=" + AUDITOR_KEY)) {
            int before = records.audits.size();
            // Refused even with a valid header: the key is in the URL now, it must not be served.
            HttpResponse<String> r = get("/api/v1/transparency?" + query, "X-API-Key", AUDITOR_KEY);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(json(r).get("reason").getAsString().startsWith("credentials in the URL are refused"));
            AccessRecord audit = onlyNewAudit(before);
            assertFalse(audit.toString().contains(AUDITOR_KEY), audit.toString());
        }
    }

    @Test
    void credentialHeadersAreUnambiguous() throws Exception {
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("two credentials", new String[] {"Authorization", "Bearer " + AUDITOR_KEY, "X-API-Key",
                AUDITOR_KEY});
        cases.put("basic", new String[] {"Authorization", "Basic YWxpY2U6c2VjcmV0"});
        cases.put("jwt in X-API-Key", new String[] {"X-API-Key", TestJwt.valid("a", "auditor", NOW_SECONDS)});
        cases.put("garbage", new String[] {"Authorization", "Bearer nonsense"});
        cases.put("wrong secret", new String[] {"Authorization", "Bearer " + TestJwt.signed(TestJwt.HS256,
                "{\"sub\":\"a\",\"role\":\"auditor\",\"aud\":\"" + TestJwt.AUDIENCE + "\",\"exp\":"
                        + (NOW_SECONDS + 60) + "}", new byte[40])});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            int before = records.audits.size();
            long summarized = service.summarizedRefusals();
            HttpResponse<String> r = get("/api/v1/sensors", c.getValue());
            assertEquals(401, r.statusCode(), c.getKey());
            assertTrue(json(r).get("reason").getAsString().length() > 0, c.getKey());
            // A refused credential leaves the request anonymous: counted per address in the summary.
            onlySummarized(before, summarized, c.getKey());
        }
        assertEquals(200, get("/api/v1/sensors", "Authorization", "bearer   " + ADMIN_KEY).statusCode());
    }

    @Test
    void paginationWalksEveryDetectionOnceInSeqOrder() throws Exception {
        List<String> ids = new ArrayList<>();
        String url = "/api/v1/detections?limit=7";
        int pages = 0;
        while (url != null) {
            int before = records.audits.size();
            HttpResponse<String> r = get(url, "Authorization", "Bearer " + OPERATOR_KEY);
            assertEquals(200, r.statusCode(), r.body());
            JsonObject body = json(r);
            int n = body.getAsJsonArray("items").size();
            body.getAsJsonArray("items").forEach(i -> ids.add(i.getAsJsonObject().get("id").getAsString()));
            assertEquals(n, onlyNewAudit(before).results());
            pages++;
            JsonElement next = body.get("next_cursor");
            if (next.isJsonNull()) {
                assertTrue(r.headers().firstValue("Link").isEmpty());
                url = null;
            } else {
                String link = r.headers().firstValue("Link").orElseThrow();
                assertEquals(next.getAsString(), r.headers().firstValue("X-Next-Cursor").orElseThrow());
                assertTrue(link.endsWith(">; rel=\"next\""), link);
                url = link.substring(1, link.indexOf('>'));
                assertEquals("/api/v1/detections?limit=7&cursor=" + next.getAsString(), url);
            }
        }
        assertEquals(4, pages);
        List<String> expected = records.detections.stream().map(DetectionRecord::id).toList();
        assertEquals(expected, ids);
    }

    @Test
    void filtersReachTheRecordsAsValidatedValues() throws Exception {
        HttpResponse<String> r = get("/api/v1/detections?from=2026-11-28T00:00:00Z&to=2026-11-29T12:00:00.000001Z"
                + "&sensor=s1&class=shout,impact&min_confidence=0.6", "X-API-Key", AUDITOR_KEY);
        assertEquals(200, r.statusCode(), r.body());
        DetectionQuery q = records.queries.get(records.queries.size() - 1);
        assertEquals(Set.of("s1"), q.sensors());
        assertEquals(Set.of("shout", "impact"), q.classes());
        assertEquals(NOW_MICROS + 1, q.toMicros());
        for (JsonElement e : json(r).getAsJsonArray("items")) {
            JsonObject d = e.getAsJsonObject();
            assertEquals("s1", d.get("sensor").getAsString());
            assertTrue(d.get("confidence").getAsDouble() >= 0.6);
            assertTrue(Set.of("shout", "impact").contains(d.get("class").getAsString()));
            assertTrue(d.get("onset").getAsString().startsWith("2026-11-2"), d.toString());
        }
        assertFalse(json(r).getAsJsonArray("items").isEmpty());
    }

    @Test
    void csvIsRfc4180WithFormulasDefused() throws Exception {
        String cursor = QueryParameters.encodeCursor(DETECTIONS - 2);
        HttpResponse<String> r = get("/api/v1/detections?cursor=" + cursor, "X-API-Key", AUDITOR_KEY,
                "Accept", "text/csv");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/csv"));
        String[] lines = r.body().split("\r\n", -1);
        assertEquals(String.join(",", ApiJson.DETECTION_COLUMNS), lines[0]);
        assertTrue(lines[1].startsWith("24,det-0024,s1,shout,"), lines[1]);
        assertTrue(lines[1].contains(",-12.5,80.1,earshot-v2,"), lines[1]);
        // The last record's id would be a live formula in a spreadsheet; its model has a comma, quotes and a newline.
        String last = r.body().substring(r.body().indexOf("\r\n25,") + 2);
        assertTrue(last.startsWith("25,\"'=HYPERLINK(\"\"http://evil.example\"\")\",s2,glass_break,"), last);
        assertTrue(last.contains(",-12.5,,\"yamnet, \"\"v2\"\"\nbeta\","), last);
        assertTrue(r.body().endsWith("\r\n"));
        assertEquals(3, onlyNewAudit(records.audits.size() - 1).results() + 1);
        HttpResponse<String> explicit = get("/api/v1/detections?format=csv&limit=1", "X-API-Key", AUDITOR_KEY);
        assertTrue(explicit.headers().firstValue("Link").orElseThrow().contains("format=csv&limit=1&cursor="));
    }

    @Test
    void aDetectionComesWithItsProof() throws Exception {
        HttpResponse<String> r = get("/api/v1/detections/det-0003", "Authorization", "Bearer " + OPERATOR_KEY);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = json(r);
        assertEquals("det-0003", body.getAsJsonObject("detection").get("id").getAsString());
        JsonObject proof = body.getAsJsonObject("proof");
        assertEquals(3, proof.get("leaf_index").getAsLong());
        assertEquals(64, proof.get("tree_size").getAsLong());
        assertEquals("0".repeat(64), proof.get("root_hash").getAsString());
        assertEquals(2, proof.getAsJsonArray("audit_path").size());
        assertEquals("{\"type\":\"detection\",\"id\":\"det-0003\"}", proof.get("entry_json").getAsString());
        assertEquals("AQID", proof.getAsJsonObject("checkpoint").get("signature").getAsString());
    }

    @Test
    void whenTheJournalCannotRecordTheRequestNothingIsAnswered() throws Exception {
        records.failAudit.set(true);
        int before = records.audits.size();
        for (String[] request : List.of(
                new String[] {"/api/v1/detections", "X-API-Key", AUDITOR_KEY},
                new String[] {"/api/v1/detections/det-0003", "X-API-Key", AUDITOR_KEY},
                new String[] {"/api/v1/transparency", null, null},
                new String[] {"/api/v1/config", "X-API-Key", OPERATOR_KEY},
                new String[] {"/api/v1/nope", "X-API-Key", AUDITOR_KEY})) {
            HttpResponse<String> r = get(request[0], request[1], request[2]);
            assertEquals(503, r.statusCode(), request[0]);
            assertEquals("unavailable", json(r).get("error").getAsString());
            assertEquals(Set.of("error", "reason"), json(r).keySet());
            assertFalse(r.body().contains("det-"), r.body());
        }
        assertEquals(before, records.audits.size());
        // Anonymous refusals disclose nothing and are only counted, so they are answered even then.
        assertEquals(401, get("/api/v1/config").statusCode());
        assertEquals(404, get("/api/v1/nope").statusCode());
    }

    /** Item 5: per-sensor counters and last-seen times polled anonymously each second reveal each detection. */
    @Test
    void metricsAreNotServedOnThePublicListener() throws Exception {
        for (Credential c : List.of(CREDENTIALS.get(0), CREDENTIALS.get(5))) {
            HttpResponse<String> r = send("GET", "/metrics", c);
            assertEquals(404, r.statusCode(), c.label());
            assertFalse(r.body().contains("earshot_"), r.body());
        }
    }

    @Test
    void transparencyIsPublicAndHasOnlyCounts() throws Exception {
        int before = records.audits.size();
        HttpResponse<String> r = get("/api/v1/transparency");
        assertEquals(200, r.statusCode(), r.body());
        AccessRecord audit = onlyNewAudit(before);
        assertEquals("anonymous", audit.principal());
        assertEquals("public", audit.role());
        JsonObject body = json(r);
        // Closed days only: the two detections of today (12:00 and 05:00) are not counted yet.
        assertEquals("2026-10-30", body.get("from").getAsString());
        assertEquals("2026-11-28", body.get("to").getAsString());
        assertEquals(DETECTIONS - 2, body.get("total").getAsLong());
        long byClass = body.getAsJsonObject("by_class").entrySet().stream()
                .mapToLong(e -> e.getValue().getAsLong()).sum();
        long bySensor = body.getAsJsonObject("by_sensor").entrySet().stream()
                .mapToLong(e -> e.getValue().getAsLong()).sum();
        long byDay = body.getAsJsonObject("by_day").entrySet().stream().mapToLong(e -> e.getValue().getAsLong())
                .sum();
        assertEquals(List.of(23L, 23L, 23L), List.of(byClass, bySensor, byDay));
        assertEquals(Set.copyOf(Labels.CLASSES), body.getAsJsonObject("by_class").keySet());
        for (DetectionRecord d : records.detections) {
            assertFalse(r.body().contains(d.id()), d.id());
            assertFalse(r.body().contains(ApiJson.time(d.onsetMicros())), d.id());
        }
        for (JsonElement row : body.getAsJsonArray("by_day_sensor_class")) {
            assertEquals(Set.of("day", "sensor", "class", "count"), row.getAsJsonObject().keySet());
        }
        assertEquals(0, json(get("/api/v1/transparency?from=2025-01-01&to=2025-01-31")).get("total").getAsLong());
    }
}
