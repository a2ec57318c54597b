package org.earshot.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroundTruthTest {
    private static List<Event> read(String csv) throws IOException {
        return GroundTruth.read(new StringReader(csv));
    }

    @Test
    void readsWithHeaderCommentsBlankLinesAndSpaces() throws IOException {
        String csv = "# street recording 7\nclass,onset,offset\n\nglass_break, 12.34, 13.10\n  # a comment\n"
                + "shout,0,1.5\n";
        assertEquals(List.of(new Event("glass_break", 12.34, 13.10), new Event("shout", 0, 1.5)), read(csv));
    }

    @Test
    void headerIsOptional() throws IOException {
        assertEquals(List.of(new Event("impact", 1, 1.2)), read("impact,1,1.2"));
    }

    @Test
    void writesPlainDecimalsThatReadBack(@TempDir Path dir) throws IOException {
        List<Event> events = List.of(new Event("glass_break", 12.34, 13.1), new Event("impact", 0.00001, 3600));
        StringWriter out = new StringWriter();
        GroundTruth.write(out, events);
        assertEquals("class,onset,offset\nglass_break,12.34,13.1\nimpact,0.00001,3600\n", out.toString());
        Path file = dir.resolve("truth.csv");
        GroundTruth.write(file, events);
        assertEquals(events, GroundTruth.read(file));
    }

    @Test
    void eachProblemIsReportedWithItsLineNumber() {
        String header = "class,onset,offset\n# note\n\nshout,1,2\n";
        assertProblem(header + "dog_bark,1,2\n", 5, "unknown class 'dog_bark'");
        assertProblem(header + "shout,3,3\n", 5, "before offset");
        assertProblem(header + "shout,4,3\n", 5, "before offset");
        assertProblem(header + "shout,-1,3\n", 5, "negative");
        assertProblem(header + "shout,one,3\n", 5, "onset 'one' is not a decimal number");
        assertProblem(header + "shout,1,NaN\n", 5, "offset 'NaN' is not a decimal number");
        assertProblem(header + "shout,1,2,3\n", 5, "expected 3 fields");
        assertProblem(header + "shout,1\n", 5, "expected 3 fields");
        assertProblem("shout,1,2\nclass,onset,offset\n", 2, "unknown class 'class'");
    }

    private static void assertProblem(String csv, int line, String problem) {
        GroundTruthFormatException e = assertThrows(GroundTruthFormatException.class, () -> read(csv));
        assertEquals(line, e.lineNumber());
        assertTrue(e.getMessage().startsWith("line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
