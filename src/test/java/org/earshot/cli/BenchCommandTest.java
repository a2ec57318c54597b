package org.earshot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code earshot bench journal} runs and reports (its figures are measured by the bench script, not asserted here):
 * the open-loop schedule never sends more than it is told, the journal it wrote verifies, and bad options exit 2.
 */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void aShortOpenLoopRunReportsAndItsJournalVerifies() throws Exception {
        Path journal = dir.resolve("bench");
        CliRunner.Run run = CliRunner.run("bench", "journal", "--rate", "200", "--seconds", "1", "--warmup-seconds",
                "0", "--threads", "2", "--dir", journal.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        Matcher appended = Pattern.compile("appended: (\\d+) entries").matcher(run.out());
        assertTrue(appended.find(), run.out());
        // Entry k is due at k / 200 s, so a 1 s schedule holds exactly 200 entries, however fast the disk.
        assertEquals(200, Integer.parseInt(appended.group(1)), run.out());
        assertTrue(run.out().contains("append latency (ms): p50 "), run.out());
        assertTrue(run.out().contains("journal verifies: yes, 200 entries"), run.out());
        assertTrue(Files.isDirectory(journal.resolve("journal")), "--dir is kept");
    }

    @Test
    void badOptionsExit2() throws Exception {
        assertEquals(2, CliRunner.run("bench", "journal", "--rate", "-1").exitCode());
        assertEquals(2, CliRunner.run("bench", "journal", "--threads", "0").exitCode());
        Path notEmpty = Files.createDirectories(dir.resolve("full"));
        Files.writeString(notEmpty.resolve("x"), "x");
        CliRunner.Run run = CliRunner.run("bench", "journal", "--dir", notEmpty.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("not empty"), run.err());
    }
}
