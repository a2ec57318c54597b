package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.earshot.api.QueryParameters.DetectionsRequest;
import org.earshot.api.QueryParameters.Format;
import org.earshot.config.ApiKeyRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryParametersTest {
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);

    private static DetectionsRequest detections(String query) throws BadParameterException {
        return QueryParameters.detections(QueryParameters.parse(query), null);
    }

    private static String detectionsError(String query) {
        return assertThrows(BadParameterException.class, () -> detections(query)).getMessage();
    }

    @Test
    void parsesRepeatedAndEncodedParametersInOrder() throws Exception {
        Map<String, List<String>> p = QueryParameters.parse("sensor=a&class=shout&sensor=b%2Cc&flag&x=%2B1%20");
        assertEquals(List.of("sensor", "class", "flag", "x"), List.copyOf(p.keySet()));
        assertEquals(List.of("a", "b,c"), p.get("sensor"));
        assertEquals(List.of(""), p.get("flag"));
        assertEquals(List.of("+1 "), p.get("x"));
        assertTrue(QueryParameters.parse(null).isEmpty());
        assertTrue(QueryParameters.parse("&&").isEmpty());
        assertThrows(BadParameterException.class, () -> QueryParameters.parse("a=%zz"));
        assertThrows(BadParameterException.class, () -> QueryParameters.parse("=1"));
    }

    @Test
    void detectionsDefaultsAndEveryFilter() throws Exception {
        DetectionsRequest none = detections("");
        assertEquals(new DetectionQuery(null, null, Set.of(), Set.of(), null, -1, QueryParameters.DEFAULT_LIMIT),
                none.query());
        assertEquals(Format.JSON, none.format());
        DetectionsRequest all = detections("from=2026-11-29T10:00:00Z&to=2026-11-29T11:00:00.5%2B01:00"
                + "&sensor=s1,s2&sensor=s3&class=shout&class=impact&min_confidence=0.75&limit=1000&format=csv&cursor="
                + QueryParameters.encodeCursor(41));
        DetectionQuery q = all.query();
        assertEquals(1_795_946_400_000_000L, q.fromMicros());
        assertEquals(1_795_946_400_500_000L, q.toMicros());
        assertEquals(Set.of("s1", "s2", "s3"), q.sensors());
        assertEquals(Set.of("shout", "impact"), q.classes());
        assertEquals(0.75, q.minConfidence());
        assertEquals(41, q.afterSeq());
        assertEquals(1000, q.limit());
        assertEquals(Format.CSV, all.format());
    }

    @Test
    void acceptHeaderChoosesCsvOnlyWithoutFormat() throws Exception {
        assertEquals(Format.CSV, QueryParameters.detections(Map.of(), "text/csv").format());
        assertEquals(Format.CSV, QueryParameters.detections(Map.of(), "application/json;q=0.5, text/csv").format());
        assertEquals(Format.JSON, QueryParameters.detections(Map.of(), "application/json").format());
        assertEquals(Format.JSON, QueryParameters.detections(QueryParameters.parse("format=json"), "text/csv")
                .format());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "bogus=1|unknown parameter \"bogus\" (this endpoint takes from, to, sensor",
            "Limit=5&zz=1|unknown parameters \"Limit\", \"zz\"",
            "from=2026-11-29|from must be an ISO-8601 time with a zone",
            "from=2026-11-29T10:00:00|from must be an ISO-8601 time with a zone",
            "from=2026-11-29T10:00:00+01:00|(a '+' in a URL must be written %2B)",
            "to=yesterday|to must be an ISO-8601 time",
            "from=2026-11-29T10:00:00.0000001Z|from is finer than a microsecond",
            "from=1969-12-31T23:59:59Z|from must be between 1970 and 9999",
            "from=2026-11-29T10:00:00Z&to=2026-11-29T10:00:00Z|from must be before to",
            "from=2026-11-29T11:00:00Z&to=2026-11-29T10:00:00Z|from must be before to",
            "from=2026-11-29T10:00:00Z&from=2026-11-29T11:00:00Z|from is given 2 times; give it once",
            "limit=0|limit must be from 1 to 1000, got 0",
            "limit=1001|limit must be from 1 to 1000, got 1001",
            "limit=-1|limit must be a whole number from 1 to 1000",
            "limit=10.5|limit must be a whole number",
            "limit=99999999999|limit must be a whole number",
            "limit=|limit is empty",
            "min_confidence=1.01|min_confidence must be a number from 0 to 1",
            "min_confidence=-0.1|min_confidence must be a number from 0 to 1",
            "min_confidence=NaN|min_confidence must be a number from 0 to 1",
            "min_confidence=0x1p-1|min_confidence must be a number from 0 to 1",
            "min_confidence=high|min_confidence must be a number from 0 to 1, got \"high\"",
            "class=scream|class \"scream\" is not one of shout, glass_break, impact",
            "class=shout,|class has an empty value",
            "sensor=bad/id|sensor \"bad/id\" is not a sensor id",
            "sensor=%0Aevil|sensor \"\\u000aevil\" is not a sensor id",
            "format=xml|format must be json or csv, got \"xml\"",
            "cursor=garbage!|cursor is not one this API returned",
            "cursor=czEy%3D|cursor is not one this API returned",
            "cursor=eDEy|cursor is not one this API returned",
            "api_key=abc|credentials in the URL are refused",
            "TOKEN=abc|credentials in the URL are refused",
            "sensor=esk_abcdefghijklmnopqrstuvwxyz|credentials in the URL are refused"})
    void detectionsRefusesBadParametersNamingThem(String query, String expected) {
        String message = detectionsError(query);
        assertTrue(message.contains(expected), message);
    }

    @Test
    void cursorsRoundTripAndRefuseEverythingElse() throws Exception {
        for (long seq : new long[] {0, 1, 99, Long.MAX_VALUE}) {
            assertEquals(seq, QueryParameters.decodeCursor(QueryParameters.encodeCursor(seq)));
        }
        for (String bad : new String[] {"", "s1", "czF", "czAx", "cy0x", "czk5OTk5OTk5OTk5OTk5OTk5OTk5",
                "czE=", "a".repeat(41)}) {
            assertThrows(BadParameterException.class, () -> QueryParameters.decodeCursor(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> QueryParameters.encodeCursor(-1));
    }

    @Test
    void journalEntriesCheckpointsAndConsistency() throws Exception {
        var entries = QueryParameters.entries(QueryParameters.parse("after=10&limit=5&type=detection,access"));
        assertEquals(10, entries.afterSeq());
        assertEquals(5, entries.limit());
        assertEquals(Set.of("detection", "access"), entries.types());
        assertEquals(-1, QueryParameters.entries(Map.of()).afterSeq());
        assertTrue(assertThrows(BadParameterException.class, () -> QueryParameters.entries(
                QueryParameters.parse("type=Detection"))).getMessage().contains("type \"Detection\" is not"));
        assertTrue(assertThrows(BadParameterException.class, () -> QueryParameters.entries(
                QueryParameters.parse("after=-3"))).getMessage().contains("after must be a whole number >= 0"));
        assertEquals(new QueryParameters.CheckpointsRequest(0, 100), QueryParameters.checkpoints(Map.of()));
        assertEquals(new QueryParameters.ConsistencyRequest(3, 9),
                QueryParameters.consistency(QueryParameters.parse("from=3&to=9")));
        for (String bad : new String[] {"from=3", "to=3", "from=0&to=3", "from=5&to=4", "from=a&to=4",
                "from=1&to=2&cursor=x"}) {
            assertThrows(BadParameterException.class, () -> QueryParameters.consistency(
                    QueryParameters.parse(bad)), bad);
        }
    }

    @Test
    void transparencyDefaultsToThirtyDaysAndBoundsTheRange() throws Exception {
        var none = QueryParameters.transparency(Map.of(), TODAY);
        assertEquals(TODAY.minusDays(30), none.from());
        assertEquals(TODAY.minusDays(1), none.to());
        var oneDay = QueryParameters.transparency(QueryParameters.parse("from=2026-01-01&to=2026-01-01"), TODAY);
        assertEquals(oneDay.from(), oneDay.to());
        var fromOnly = QueryParameters.transparency(QueryParameters.parse("from=2026-01-01"), TODAY);
        assertEquals(LocalDate.of(2026, 1, 30), fromOnly.to());
        assertEquals(LocalDate.of(2025, 12, 31), QueryParameters.transparency(
                QueryParameters.parse("from=2025-01-01&to=2025-12-31"), TODAY).to());
        assertEquals(LocalDate.of(2024, 12, 31), QueryParameters.transparency(
                QueryParameters.parse("from=2024-01-01&to=2024-12-31"), TODAY).to());
        for (String bad : new String[] {"from=2026-02-01&to=2026-01-01", "from=2024-01-01&to=2025-01-01",
                "from=2026-13-01", "to=29.11.2026", "to=2026-11-29", "from=2026-11-29", "from=9999-12-31", "from=2026-11-29T00:00:00Z", "sensor=s1"}) {
            assertThrows(BadParameterException.class, () -> QueryParameters.transparency(
                    QueryParameters.parse(bad), TODAY), bad);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"access_token", "key", "jwt", "Authorization", "x-api-key"})
    void credentialNamedParametersAreRefusedOnEveryEndpoint(String name) {
        for (Endpoint e : Endpoint.values()) {
            String message = assertThrows(BadParameterException.class, () -> QueryParameters.requireOnly(
                    Map.of(name, List.of("x")), e)).getMessage();
            assertTrue(message.startsWith("credentials in the URL are refused"), message);
        }
    }

    @Test
    void auditParametersNeverHoldCredentials() {
        String key = ApiKeyRegistry.newKey();
        String jwt = TestJwt.valid("alice", "auditor", 1_800_000_000L);
        Map<String, String> audit = QueryParameters.forAudit(Map.of(
                "token", List.of("plain-secret"), "sensor", List.of("s1", key), "class", List.of("x" + jwt),
                "long", List.of("y".repeat(500)), "desk", List.of("desk_1")));
        assertEquals("<redacted>", audit.get("token"));
        assertEquals("s1,<redacted>", audit.get("sensor"));
        assertEquals("<redacted>", audit.get("class"));
        assertEquals(103, audit.get("long").length());
        assertEquals("desk_1", audit.get("desk"));
        assertFalse(audit.toString().contains(key) || audit.toString().contains("plain-secret"));
    }

    @Test
    void errorMessagesHideValuesThatLookLikeCredentials() {
        String key = ApiKeyRegistry.newKey();
        assertEquals("<redacted>", QueryParameters.printable(key));
        assertEquals("\"s1\"", QueryParameters.printable("s1"));
    }
}
