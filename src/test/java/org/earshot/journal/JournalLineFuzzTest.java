package org.earshot.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for journal lines ({@code bench/fuzz.sh} fuzzes it; a normal test run replays the seeds in
 * {@code JournalLineFuzzTestInputs/}). A stored line, as a reader meets it, either parses into an entry that writes
 * back to exactly the same bytes or is refused with a {@link JournalFormatException}; an entry made by
 * {@link JournalLine#create} from any values is either refused with an {@link IllegalArgumentException} (the writer's
 * contract for bad arguments) or parses back to the same fields. Nothing else is thrown.
 *
 * <p>Input: a first byte {@code L} and a stored line, or a first byte {@code C} and the arguments of create, one a
 * line: seq, time, type, prev (hex), data (the rest), so that seeds are readable text.
 */
class JournalLineFuzzTest {
    @FuzzTest
    void parse(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        if (input[0] == 'C') {
            createThenParse(new String(rest, StandardCharsets.UTF_8).split("\n", 5));
        } else {
            parseStored(rest);
        }
    }

    private static void parseStored(byte[] line) {
        JournalLine entry;
        try {
            entry = JournalLine.parse(line, 7);
        } catch (JournalFormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertArrayEquals(line, entry.bytes(), "a parsed line writes back to the same bytes");
        assertTrue(entry.seq() >= 0 && entry.timeMicros() >= 0);
        JournalLine bare = parseOrFail(entry.withoutData().bytes(), entry.seq());
        assertArrayEquals(entry.leafHash(), bare.leafHash(), "redaction keeps the leaf");
        if (!entry.redacted()) {
            assertNotNull(entry.dataJson());
        }
    }

    private static void createThenParse(String[] fields) {
        if (fields.length < 5) {
            return;
        }
        long seq;
        long time;
        byte[] prev;
        try {
            seq = Long.parseLong(fields[0]);
            time = Long.parseLong(fields[1]);
            prev = HexFormat.of().parseHex(fields[3]);
        } catch (IllegalArgumentException e) {
            return; // not arguments create can be called with: nothing to test
        }
        String type = fields[2];
        String json = fields[4];
        JournalLine entry;
        try {
            entry = JournalLine.create(seq, time, type, prev, json);
        } catch (IllegalArgumentException e) {
            return;
        }
        JournalLine back = parseOrFail(entry.bytes(), seq);
        assertEquals(seq, back.seq());
        assertEquals(time, back.timeMicros());
        assertEquals(type, back.type());
        assertArrayEquals(prev, back.prev());
        assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), back.data());
        assertArrayEquals(entry.leafHash(), back.leafHash());
        assertNotNull(back.dataJson());
    }

    private static JournalLine parseOrFail(byte[] line, long seq) {
        try {
            return JournalLine.parse(line, seq);
        } catch (JournalFormatException e) {
            throw new AssertionError("a line the journal wrote does not parse: " + e.getMessage(), e);
        }
    }
}
