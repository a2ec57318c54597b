package org.earshot.cluster;

import java.nio.charset.StandardCharsets;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterRecordTest {
    private static ClusterRecord sample() {
        JsonObject data = new JsonObject();
        data.addProperty("id", "s1-1795900000000000-shout");
        data.addProperty("confidence", 0.93);
        return new ClusterRecord(ClusterRecord.recordId("detection", "s1-1795900000000000-shout"), "node-a",
                "detection", "s1", data);
    }

    @Test
    void aRecordRoundTripsThroughItsBytes() throws Exception {
        ClusterRecord r = sample();
        ClusterRecord back = ClusterRecord.parse(r.toBytes());
        assertEquals(r, back);
        assertEquals("detection/s1-1795900000000000-shout", back.recordId());
        assertArrayEquals(r.toBytes(), back.toBytes());
    }

    /** In the cases below, {@code @} stands for the valid fields that precede type: version, record id and node. */
    private static final String HEAD = "{\"v\":1,\"record_id\":\"a\",\"node\":\"n\"";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json|value is not strict JSON",
            "[1]|value is not a JSON object",
            "{\"v\":2,\"record_id\":\"a\",\"node\":\"n\",\"type\":\"alert\",\"sensor\":\"s\",\"data\":{}}|v must be 1",
            "@,\"type\":\"audio\",\"sensor\":\"s\",\"data\":{}}|type must be one of",
            "@,\"type\":\"alert\",\"sensor\":\"s\",\"data\":[]}|data must be a JSON object",
            "{\"v\":1,\"record_id\":1,\"node\":\"n\",\"type\":\"alert\",\"sensor\":\"s\",\"data\":{}}"
                    + "|record_id must be a string",
            "@,\"type\":\"alert\",\"sensor\":\"\",\"data\":{}}|sensor must be 1 to",
            "@,\"v\":1,\"type\":\"alert\",\"sensor\":\"s\",\"data\":{}}|strict JSON",
            "@,\"type\":\"alert\",\"sensor\":\"s\",\"data\":{},\"pcm\":\"AAAA\"}|unknown field \"pcm\"",
    })
    void badValuesAreRefusedNamingTheProblem(String value, String expected) {
        byte[] bytes = value.replace("@", HEAD).getBytes(StandardCharsets.UTF_8);
        BadRecordException e = assertThrows(BadRecordException.class, () -> ClusterRecord.parse(bytes));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void emptyOversizedAndNonUtf8ValuesAreRefusedBeforeParsing() {
        assertTrue(assertThrows(BadRecordException.class, () -> ClusterRecord.parse(null)).getMessage()
                .contains("empty value"));
        byte[] huge = new byte[ClusterRecord.MAX_VALUE_BYTES + 1];
        assertTrue(assertThrows(BadRecordException.class, () -> ClusterRecord.parse(huge)).getMessage()
                .contains("more than " + ClusterRecord.MAX_VALUE_BYTES));
        assertTrue(assertThrows(BadRecordException.class,
                () -> ClusterRecord.parse(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'})).getMessage()
                .contains("not UTF-8"));
    }

    @Test
    void aControlCharacterInAnIdIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new ClusterRecord("a\nforged", "n", "alert", "s", new JsonObject()));
    }
}
