package org.earshot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionFileTest {
    @TempDir
    Path dir;

    @Test
    void missingFileIsPositionZero() throws IOException {
        assertEquals(0, new PositionFile(dir.resolve("none")).read());
    }

    @Test
    void writtenPositionIsReadBackAndReplacedWithoutLeftovers() throws IOException {
        PositionFile file = new PositionFile(dir.resolve("sub").resolve("influx.position"));
        file.write(42);
        assertEquals(42, file.read());
        file.write(1_000_000_000_123L);
        assertEquals(1_000_000_000_123L, new PositionFile(file.path()).read());
        assertEquals("1000000000123\n", Files.readString(file.path()));
        try (Stream<Path> files = Files.list(file.path().getParent())) {
            assertEquals(List.of(file.path()), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void corruptFileIsAnErrorNamingTheFile() throws IOException {
        Path path = dir.resolve("influx.position");
        Files.writeString(path, "12x\n");
        IOException e = assertThrows(IOException.class, () -> new PositionFile(path).read());
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("\"12x\""), e.getMessage());
    }

    @Test
    void emptyOrNegativeOrHugeIsCorrupt() throws IOException {
        Path path = dir.resolve("influx.position");
        for (String text : List.of("", "\n", "-1", "99999999999999999999", "1 2")) {
            Files.writeString(path, text);
            assertThrows(IOException.class, () -> new PositionFile(path).read(), text);
        }
    }

    @Test
    void negativePositionIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PositionFile(dir.resolve("p")).write(-1));
    }
}
