package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.earshot.testing.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code earshot evaluate clips}: the per-class table and, with {@code --top-background}, the likeliest false alarms. */
class EvaluateClipsCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsTheHighestScoringBackgroundClipsPerClass() throws IOException {
        Path data = SyntheticDataset.write(dir.resolve("data"));
        CliRunner.Run run = CliRunner.run("evaluate", "clips", "--dataset", data.toString(), "--model",
                "models/earshot-v2", "--top-background", "2");
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.get(0).startsWith("clips: 24 (all)"), lines.get(0));
        for (String label : List.of("shout", "glass_break", "impact")) {
            int header = lines.indexOf("highest-scoring background clips for " + label + ":");
            assertTrue(header > 0, run.out());
            double first = Double.parseDouble(lines.get(header + 1).split("\\s+")[0]);
            double second = Double.parseDouble(lines.get(header + 2).split("\\s+")[0]);
            assertTrue(first >= second, lines.get(header + 1) + " / " + lines.get(header + 2));
            assertTrue(lines.get(header + 1).contains("background-") && lines.get(header + 2).contains("background-"),
                    "only background clips: " + run.out());
        }
    }

    @Test
    void refusesANegativeCount() {
        CliRunner.Run run = CliRunner.run("evaluate", "clips", "--dataset", dir.toString(), "--top-background", "-1");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--top-background"), run.err());
    }
}
