package org.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.earshot.audio.FrameFormatException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps sensors/PROTOCOL.md, which sensor makers build against, in step with the codec. */
class ProtocolDocumentTest {
    private static final Path DOCUMENT = Path.of("sensors/PROTOCOL.md");
    private static final Pattern EXAMPLE_ROW = Pattern.compile("^\\| *(\\d+) *\\| *([0-9a-f]{2}(?: [0-9a-f]{2})*) *\\|");
    private static List<String> lines;
    private static String text;

    /** The example frame the document describes in words. */
    private static byte[] documentedFrame() {
        return FrameCodec.encodePcm16(1, 1_795_903_201_230_000L, 16_000, new float[] {0f, 0.25f, -0.25f, -1f}, 0, 4,
                false);
    }

    @BeforeAll
    static void read() throws IOException {
        lines = Files.readAllLines(DOCUMENT);
        text = String.join("\n", lines);
    }

    /** Index of the first line at or after {@code from} that contains {@code fragment}. */
    private static int lineContaining(String fragment, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError(DOCUMENT + " has no line containing '" + fragment + "' after line " + from);
    }

    /** What {@code hexdump -C} prints. */
    private static String hexdumpC(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int offset = 0; offset < bytes.length; offset += 16) {
            StringBuilder ascii = new StringBuilder();
            s.append(String.format("%08x  ", offset));
            for (int i = 0; i < 16; i++) {
                if (offset + i < bytes.length) {
                    int b = bytes[offset + i] & 0xFF;
                    s.append(String.format("%02x ", b));
                    ascii.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
                } else {
                    s.append("   ");
                }
                if (i == 7) {
                    s.append(' ');
                }
            }
            s.append(" |").append(ascii).append("|\n");
        }
        return s.append(String.format("%08x%n", bytes.length)).toString();
    }

    @Test
    void exampleHexDumpIsWhatTheEncoderWrites() {
        int fence = lineContaining("```", lineContaining("ProtocolDocumentTest checks this dump", 0));
        int end = lineContaining("```", fence + 1);
        String dump = String.join("\n", lines.subList(fence + 1, end)) + "\n";
        assertEquals(hexdumpC(documentedFrame()), dump);
    }

    @Test
    void exampleFieldTableMatchesTheEncodedBytes() {
        byte[] frame = documentedFrame();
        int covered = 0;
        List<String> rows = new ArrayList<>();
        for (int i = lineContaining("ProtocolDocumentTest checks every row", 0) + 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                break;
            }
            Matcher row = EXAMPLE_ROW.matcher(lines.get(i));
            if (!row.find()) {
                continue;
            }
            rows.add(lines.get(i));
            int offset = Integer.parseInt(row.group(1));
            String[] hex = row.group(2).split(" ");
            byte[] documented = new byte[hex.length];
            for (int k = 0; k < hex.length; k++) {
                documented[k] = (byte) Integer.parseInt(hex[k], 16);
            }
            assertEquals(covered, offset, "rows must follow each other without gaps: " + lines.get(i));
            assertArrayEquals(Arrays.copyOfRange(frame, offset, offset + hex.length), documented, lines.get(i));
            covered += hex.length;
        }
        assertEquals(frame.length, covered, "the table covers the whole frame: " + rows);
    }

    @Test
    void everyRefusalReasonIsDocumented() {
        for (Reason reason : Reason.values()) {
            assertTrue(text.contains("| `" + reason.wireName() + "` |"), "no row for " + reason.wireName());
        }
    }

    @Test
    void limitsAndFormatsMatchTheCodec() {
        assertTrue(text.contains(FrameCodec.MIN_SAMPLE_RATE + ".." + FrameCodec.MAX_SAMPLE_RATE));
        assertTrue(text.contains("| 6 | 1 | channels | 1.." + FrameCodec.MAX_CHANNELS + ";"));
        assertTrue(text.contains("default " + FrameCodec.DEFAULT_MAX_FRAME_BYTES + " bytes"));
        assertTrue(text.contains("a " + FrameCodec.HEADER_BYTES + "-byte header"));
        for (SampleFormat format : SampleFormat.values()) {
            String row = "| " + format.code() + " | `" + format.wireName() + "` | " + format.bytesPerSample() + " |";
            assertTrue(text.contains(row), "no row " + row);
        }
    }
}
