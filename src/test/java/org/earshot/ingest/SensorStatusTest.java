package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SensorStatusTest {
    private static SensorStatus parse(String s) {
        return SensorStatus.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theProtocolsStatusMessagesAreTaken() {
        assertEquals(new SensorStatus(true, null), parse("{\"state\":\"online\"}"));
        assertEquals(new SensorStatus(false, null), parse("{\"state\":\"offline\",\"reason\":\"connection lost\"}"));
        // Later protocol revisions may add fields: unknown ones are ignored.
        assertEquals(new SensorStatus(true, null), parse("{\"state\":\"online\",\"firmware\":{\"v\":2}}"));
    }

    @Test
    void wrongTypesAreRefusedNamingTheField() {
        assertTrue(parse("{\"state\":[\"online\"]}").refusal().contains("state"));
        assertTrue(parse("{\"state\":1}").refusal().contains("state"));
        assertTrue(parse("{\"state\":\"offline\",\"reason\":{\"a\":1}}").refusal().contains("reason"));
        assertTrue(parse("{}").refusal().contains("state"));
        assertTrue(parse("[\"online\"]").refusal().contains("object"));
        assertTrue(parse("{state:online}").refusal().contains("not JSON"), "strict JSON only");
        assertTrue(parse("{\"state\":\"online\"} {}").refusal() != null);
        assertTrue(SensorStatus.parse(new byte[] {'"', (byte) 0xff, '"'}).refusal().contains("UTF-8"));
    }

    @Test
    void anOversizedStatusIsRefusedWithoutEchoingIt() {
        String huge = "{\"state\":\"online\",\"reason\":\"" + "x".repeat(250_000) + "\"}";
        String refusal = parse(huge).refusal();
        assertEquals("status message of " + huge.length() + " bytes; at most " + SensorStatus.MAX_BYTES, refusal);
    }

    @Test
    void anUnknownStateIsQuotedShortAndEscaped() {
        String refusal = parse("{\"state\":\"on\\nline" + "y".repeat(900) + "\"}").refusal();
        assertTrue(refusal.contains("\\u000a") && !refusal.contains("\n"), refusal);
        assertTrue(refusal.length() < 200, refusal);
        assertNull(parse("{\"state\":\"online\"}").refusal());
    }
}
