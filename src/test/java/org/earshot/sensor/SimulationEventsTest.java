package org.earshot.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --events-out CSV: one line per event, readable while the simulation runs, fields quoted when they must be. */
class SimulationEventsTest {
    @TempDir
    Path dir;

    @Test
    void linesAreCsvWithTheDetailQuotedWhenItMustBe() {
        assertEquals("12,pole-1,connected,", SimulationEvents.line(12, "pole-1", "connected", ""));
        assertEquals("12,pole-1,stream_start,loop=2;capture_start_us=1800000000000000", SimulationEvents.line(12,
                "pole-1", SimulationEvents.STREAM_START, SimulationEvents.streamStartDetail(2, 1_800_000_000_000_000L)));
        assertEquals("5,s,lost,\"send failed: a, \"\"b\"\"\"", SimulationEvents.line(5, "s", "lost",
                "send failed: a, \"b\""));
        assertEquals("5,s,lost,\"two\nlines\"", SimulationEvents.line(5, "s", "lost", "two\nlines"));
    }

    @Test
    void eachEventIsInTheFileAsSoonAsItIsWritten() throws Exception {
        Path file = dir.resolve("events.csv");
        SimulationEvents events = SimulationEvents.open(file);
        long before = PcmReader.systemMicros();
        events.write("s1", SimulationEvents.CONNECTED, "");
        // Not closed yet: a benchmark reads the file while the simulation runs.
        List<String> lines = Files.readAllLines(file);
        assertEquals(SimulationEvents.HEADER, lines.get(0));
        assertEquals(2, lines.size(), lines.toString());
        String[] f = lines.get(1).split(",", -1);
        assertTrue(Long.parseLong(f[0]) >= before && Long.parseLong(f[0]) <= PcmReader.systemMicros(), lines.get(1));
        assertEquals(List.of("s1", "connected", ""), List.of(f[1], f[2], f[3]));
        events.close();
        events.write("s1", SimulationEvents.FINISHED, "");
        assertEquals(2, Files.readAllLines(file).size(), "nothing after close");
        SimulationEvents.NONE.write("s1", SimulationEvents.CONNECTED, "");
    }
}
