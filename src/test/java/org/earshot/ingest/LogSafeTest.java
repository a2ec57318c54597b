package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogSafeTest {
    @Test
    void plainNamesAreOnlyQuoted() {
        assertEquals("\"sensor-07\"", LogSafe.quote("sensor-07"));
        assertEquals("null", LogSafe.quote(null));
        assertEquals("\"\"", LogSafe.quote(""));
    }

    @Test
    void lineBreaksControlsQuotesAndBidiOverridesAreEscaped() {
        assertEquals("\"a\\u000a2026 INFO mqtt: sensor x connected\\u000d\\u0000\\\"b\\\\\\u2028\\u202e\\u0085\"",
                LogSafe.quote("a\n2026 INFO mqtt: sensor x connected\r\u0000\"b\\\u2028\u202e\u0085"));
        String forged = LogSafe.quote("x\n{\"class\":\"shout\"}\n");
        assertFalse(forged.contains("\n") || forged.contains("\r"), forged);
    }

    @Test
    void longStringsAreCutAndTheirLengthStated() {
        String q = LogSafe.quote("A".repeat(60_000));
        assertEquals("\"" + "A".repeat(LogSafe.MAX_CHARS) + "\"…(60000 chars)", q);
        assertEquals("\"" + "A".repeat(LogSafe.MAX_CHARS) + "\"", LogSafe.quote("A".repeat(LogSafe.MAX_CHARS)));
        // Escaping cannot grow the result without bound: at most 6 characters per character kept.
        assertTrue(LogSafe.quote("\n".repeat(60_000)).length() <= 6 * LogSafe.MAX_CHARS + 20);
    }

    @Test
    void aSurrogatePairIsNotSplitAtTheCut() {
        String s = "A".repeat(LogSafe.MAX_CHARS - 1) + "\uD83D\uDD0A" + "tail";
        assertEquals("\"" + "A".repeat(LogSafe.MAX_CHARS - 1) + "\"…(" + s.length() + " chars)", LogSafe.quote(s));
    }
}
