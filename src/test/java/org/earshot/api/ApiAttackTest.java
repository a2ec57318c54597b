package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.config.ApiKeyRegistry;
import org.junit.jupiter.api.Test;

/**
 * The attacks on the running service's query API, each performed against {@link QueryService} with an in-memory
 * journal ({@link MemoryRecords}): journal growth from anonymous bad requests, credentials smuggled into the journal
 * through parameter names and percent-encoded paths, and dates outside any sane range.
 */
class ApiAttackTest {
    private static final long NOW_SECONDS = 1_795_953_600L; // 2026-11-29T12:00:00Z
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW_SECONDS), ZoneOffset.UTC);
    private static final String AUDITOR_KEY = ApiKeyRegistry.newKey();

    private final MemoryRecords records = new MemoryRecords();
    private final ApiKeyRegistry keys = new ApiKeyRegistry(List.of(
            new ApiKeyRegistry.ApiKey("alice", "auditor", ApiKeyRegistry.keySha256(AUDITOR_KEY))));

    private QueryService service() {
        JwtVerifier jwt = new JwtVerifier(TestJwt.SECRET, TestJwt.AUDIENCE, null, JwtVerifier.DEFAULT_LEEWAY, CLOCK);
        return new QueryService(records, new Authenticator(keys, jwt), CLOCK);
    }

    private static ApiRequest anonymous(String path, String query, String address) {
        return new ApiRequest("GET", path, query, List.of(), List.of(), null, address);
    }

    private static String everyAudit(MemoryRecords records) {
        StringBuilder all = new StringBuilder();
        synchronized (records.audits) {
            records.audits.forEach(a -> all.append(a).append('\n'));
        }
        return all.toString();
    }

    /** Item 6: 2,900 anonymous requests with bad parameters, as fast as they come, from one address. */
    @Test
    void anonymousFloodIsRateLimitedAndDoesNotGrowTheJournalPerRequest() {
        QueryService service = service();
        String junk = "x".repeat(4000);
        int tooMany = 0;
        String retryAfter = null;
        for (int i = 0; i < 2900; i++) {
            ApiResponse r = service.handle(anonymous("/api/v1/transparency", "from=" + junk + i, "192.0.2.7"));
            if (r.status() == 429) {
                tooMany++;
                retryAfter = r.headers().get("Retry-After");
            } else {
                assertEquals(400, r.status(), r.body());
            }
        }
        assertTrue(tooMany > 2000, "most of the flood is refused with 429, got " + tooMany);
        assertTrue(retryAfter != null && retryAfter.matches("[1-9][0-9]*"), "Retry-After: " + retryAfter);
        assertTrue(records.audits.size() < 10, "the journal took " + records.audits.size() + " entries");
        assertTrue(everyAudit(records).length() < 20_000, "what is stored is bounded");
        // Another address is not held back by the first one's flood.
        assertEquals(200, service.handle(anonymous("/api/v1/transparency", null, "192.0.2.8")).status());
        // The refusals are journaled as one summary, counted: the 400s and the 429s of the address.
        service.flushRefusals(true);
        assertEquals(1, records.refusals.size());
        RefusalSummary.Interval summary = records.refusals.get(0);
        assertEquals(2900, summary.total());
        assertEquals(2900 - tooMany, summary.rows().stream().filter(r -> r.status() == 400)
                .mapToLong(RefusalSummary.Row::count).sum());
        assertEquals(tooMany, summary.rows().stream().filter(r -> r.status() == 429 && r.remoteAddress()
                .equals("192.0.2.7") && r.endpoint().equals("/api/v1/transparency"))
                .mapToLong(RefusalSummary.Row::count).sum());
        assertEquals(tooMany, service.rateLimited(true));
        assertEquals(2900, records.countedSummarized.get(), "counted by role at once, for the access figures");
    }

    @Test
    void summariesAreBoundedAndJournaledOncePerInterval() {
        MutableClock clock = new MutableClock(NOW_SECONDS * 1_000_000L);
        QueryService service = new QueryService(records, new Authenticator(keys, null), clock,
                new QueryService.Limits(1_000_000, 1_000_000, 60, 1));
        // One anonymous 404 from each of 500 addresses (IPv6 /64s: a client cannot spread over its own /64).
        for (int i = 0; i < 500; i++) {
            assertEquals(404, service.handle(anonymous("/api/v1/nope", null, "2001:db8:0:" + Integer.toHexString(i)
                    + "::" + Integer.toHexString(i + 1))).status());
        }
        assertEquals(List.of(), records.refusals, "the interval is not over yet");
        clock.micros += 61_000_000L;
        assertEquals(404, service.handle(anonymous("/api/v1/nope", null, "192.0.2.1")).status());
        assertEquals(1, records.refusals.size(), "the first interval was journaled by the next request");
        RefusalSummary.Interval first = records.refusals.get(0);
        assertEquals(500, first.total());
        assertEquals(RefusalSummary.MAX_ROWS, first.rows().size());
        assertEquals(500 - RefusalSummary.MAX_ROWS, first.otherRequests());
        assertEquals("2001:db8:0:0::/64", first.rows().get(0).remoteAddress());
        assertEquals("unknown", first.rows().get(0).endpoint());
        assertEquals(List.of(), records.audits);
        // A journal that cannot take the summary keeps it for the next try.
        records.failAudit.set(true);
        service.flushRefusals(true);
        assertEquals(1, records.refusals.size());
        records.failAudit.set(false);
        service.flushRefusals(true);
        assertEquals(2, records.refusals.size());
        assertEquals(1, records.refusals.get(1).total());
    }

    @Test
    void aCredentialIsLimitedFromEveryAddressAndRecordedWithItsKind() {
        MutableClock clock = new MutableClock(NOW_SECONDS * 1_000_000L);
        JwtVerifier jwt = new JwtVerifier(TestJwt.SECRET, TestJwt.AUDIENCE, null, JwtVerifier.DEFAULT_LEEWAY, CLOCK);
        QueryService service = new QueryService(records, new Authenticator(keys, jwt), clock,
                new QueryService.Limits(5, 3, 60, 1));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, service.handle(new ApiRequest("GET", "/api/v1/sensors", null, List.of(),
                    List.of(AUDITOR_KEY), null, "203.0.113." + i)).status());
        }
        ApiResponse limited = service.handle(new ApiRequest("GET", "/api/v1/sensors", null, List.of(),
                List.of(AUDITOR_KEY), null, "203.0.113.99"));
        assertEquals(429, limited.status());
        assertEquals("20", limited.headers().get("Retry-After"), "3 a minute: one every 20 s");
        assertEquals(1, service.rateLimited(false));
        clock.micros += 20_000_000L;
        assertEquals(200, service.handle(new ApiRequest("GET", "/api/v1/sensors", null, List.of(),
                List.of(AUDITOR_KEY), null, "203.0.113.99")).status());
        // Item 12: a JWT whose sub is the key's name is told apart from the key.
        assertEquals(200, service.handle(new ApiRequest("GET", "/api/v1/sensors", null,
                List.of("Bearer " + TestJwt.valid("alice", "auditor", NOW_SECONDS)), List.of(), null,
                "203.0.113.5")).status());
        List<AccessRecord> audits = List.copyOf(records.audits);
        assertEquals(5, audits.size());
        AccessRecord byKey = audits.get(0);
        AccessRecord byJwt = audits.get(4);
        assertEquals("alice", byKey.principal());
        assertEquals("alice", byJwt.principal());
        assertEquals("api_key", byKey.credential());
        assertEquals(ApiKeyRegistry.keySha256(AUDITOR_KEY).substring(0, 16), byKey.keyId());
        assertEquals("jwt", byJwt.credential());
        assertEquals(JwtVerifier.keyId(TestJwt.SECRET), byJwt.keyId());
        assertFalse(byJwt.keyId().equals(byKey.keyId()));
    }

    /** Item 5: small counts, and days still running, are not published. */
    @Test
    void transparencyPublishesClosedDaysAndSuppressesSmallCounts() {
        long day = 86_400_000_000L;
        long yesterdayNoon = NOW_SECONDS * 1_000_000L - day;
        int seq = 1;
        for (int i = 0; i < 3; i++) {
            records.detections.add(detection(seq++, "s1", "shout", yesterdayNoon + i));
        }
        records.detections.add(detection(seq++, "s2", "glass_break", yesterdayNoon));
        records.detections.add(detection(seq++, "s1", "shout", NOW_SECONDS * 1_000_000L - 1));
        QueryService service = new QueryService(records, new Authenticator(keys, null), CLOCK,
                new QueryService.Limits(60, 600, 60, 3));
        ApiResponse r = service.handle(anonymous("/api/v1/transparency", null, "192.0.2.50"));
        assertEquals(200, r.status(), r.body());
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("2026-11-28", body.get("to").getAsString());
        assertEquals(3, body.get("total").getAsLong(), "today's detection and the lone glass break are not shown");
        assertEquals(1, body.get("suppressed_cells").getAsLong());
        assertEquals(3, body.get("min_count").getAsInt());
        assertFalse(body.getAsJsonObject("by_sensor").has("s2"), r.body());
        assertEquals(0, body.getAsJsonObject("by_class").get("glass_break").getAsLong());
        assertEquals(1, body.getAsJsonArray("by_day_sensor_class").size());
    }

    private static DetectionRecord detection(long seq, String sensor, String label, long onset) {
        return new DetectionRecord(seq, "det-" + seq, sensor, label, onset, onset + 500_000, 0.9, -10.0, null, 0.5,
                "earshot-v2", onset + 1_000_000, onset + 1_100_000);
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        long micros;

        MutableClock(long micros) {
            this.micros = micros;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
        }
    }

    /** Item 11: a full API key as a parameter name, and percent-encoded in the path. */
    @Test
    void keysInParameterNamesAndEncodedPathsNeverReachTheJournal() {
        QueryService service = service();
        String encodedKey = AUDITOR_KEY.chars().mapToObj(c -> String.format("%%%02X", c))
                .reduce("", String::concat);
        List<ApiRequest> attacks = List.of(
                anonymous("/api/v1/transparency", URLEncoder.encode(AUDITOR_KEY, StandardCharsets.UTF_8), "::1"),
                anonymous("/api/v1/transparency", AUDITOR_KEY + "=1", "::1"),
                new ApiRequest("GET", "/api/v1/detections", AUDITOR_KEY + "=1", List.of(), List.of(AUDITOR_KEY),
                        null, "::1"),
                anonymous("/api/v1/detections/" + encodedKey, null, "::1"),
                anonymous("/api/v1/" + encodedKey, null, "::1"),
                anonymous("/api/v1/x" + AUDITOR_KEY, null, "::1"),
                anonymous("/api/v1/detections/%65sk_" + AUDITOR_KEY.substring(4), null, "::1"));
        for (ApiRequest attack : attacks) {
            ApiResponse r = service.handle(attack);
            assertTrue(r.status() >= 400, attack + ": " + r.status());
            assertFalse(r.body().contains(AUDITOR_KEY.substring(4)), r.body());
        }
        String journaled = everyAudit(records);
        assertFalse(journaled.contains(AUDITOR_KEY.substring(4, 20)), journaled);
        // Requests with a valid credential are journaled one by one: the decoded path is stored, redacted.
        for (String path : List.of("/api/v1/detections/" + encodedKey, "/api/v1/detections/%65sk_"
                + AUDITOR_KEY.substring(4), "/api/v1/x%2565sk_" + AUDITOR_KEY.substring(4))) {
            int before = records.audits.size();
            ApiResponse r = service.handle(new ApiRequest("GET", path, "%65sk_" + AUDITOR_KEY.substring(4) + "=1",
                    List.of(), List.of(AUDITOR_KEY), null, "::1"));
            assertTrue(r.status() == 404 || r.status() == 400, path + ": " + r.status());
            assertEquals(before + 1, records.audits.size());
            AccessRecord audit = records.audits.get(before);
            assertTrue(audit.path().contains("<redacted>"), audit.path());
            assertFalse(audit.toString().contains(AUDITOR_KEY.substring(4, 20)), audit.toString());
        }
    }

    /** Item 5: {@code from=9999-12-31} answered {@code "to":"+10000-01-29"}. */
    @Test
    void datesOutsideASaneRangeAreRefusedNamingTheParameter() {
        QueryService service = service();
        for (String[] c : new String[][] {{"from=9999-12-31", "from"}, {"to=9999-12-31", "to"},
                {"from=1969-12-31&to=1970-01-05", "from"}, {"from=2026-11-29", "from"},
                {"from=2026-11-01&to=2026-11-29", "to"}}) {
            ApiResponse r = service.handle(anonymous("/api/v1/transparency", c[0], "198.51.100." + c[0].length()));
            assertEquals(400, r.status(), c[0] + ": " + r.body());
            JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
            assertTrue(body.get("reason").getAsString().startsWith(c[1] + " "), c[0] + ": " + r.body());
            assertFalse(r.body().contains("+10000"), r.body());
        }
    }

    /** A node in cluster mode: its journal holds no detections, so it says where they are instead of listing none. */
    @Test
    void aClusterNodeRefusesDetectionQueriesNamingTheJournalWriter() {
        QueryService service = service();
        service.answerDetectionsElsewhere("query the journal writer");
        List<String> auth = List.of("Bearer " + AUDITOR_KEY);
        for (String path : List.of("/api/v1/detections", "/api/v1/detections/s1-1-shout", "/api/v1/transparency")) {
            ApiResponse r = service.handle(new ApiRequest("GET", path, null, path.endsWith("transparency") ? List.of()
                    : auth, List.of(), null, "192.0.2.9"));
            assertEquals(503, r.status(), path + ": " + r.body());
            JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
            assertEquals("not_here", body.get("error").getAsString());
            assertTrue(body.get("reason").getAsString().contains("query the journal writer"), r.body());
        }
        // Authentication still comes first; the node's own journal still answers.
        assertEquals(401, service.handle(anonymous("/api/v1/detections", null, "192.0.2.9")).status());
        assertEquals(200, service.handle(new ApiRequest("GET", "/api/v1/journal/checkpoints", null, auth, List.of(),
                null, "192.0.2.9")).status());
    }
}
