package org.earshot.cli;

import org.earshot.testing.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared dataset options: {@code --dataset} repeated, {@code $EARSHOT_DATASET} with several folders, and
 * {@code --exclude-quality}, end to end through {@code evaluate clips}.
 */
class DatasetOptionTest {
    static final String HEURISTIC = "heuristic: emotion category + pitch/loudness rule, not listened to";

    @TempDir
    Path dir;

    /** Adds train-v2's quality column to a synthetic manifest: the shouts are the unverified ones. */
    static void addQualityColumn(Path dataset) throws IOException {
        Path manifest = dataset.resolve("manifest.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(manifest));
        lines.set(0, lines.get(0) + ",quality");
        for (int i = 1; i < lines.size(); i++) {
            lines.set(i, lines.get(i) + (lines.get(i).contains(",shout,") ? ",\"" + HEURISTIC + "\""
                    : ",labelled by the source dataset"));
        }
        Files.write(manifest, lines);
    }

    @Test
    void everyDatasetCommandTakesTheOptionsRepeated() {
        for (Object command : List.of(new TrainCommand(), new EvaluateCommand.Clips(), new EvaluateCommand.Streams(),
                new CrossValidateCommand(), new MakeStreamsCommand(), new CalibrateCommand())) {
            CommandLine.Model.CommandSpec spec = new CommandLine(command).getCommandSpec();
            for (String name : List.of("--dataset", "--exclude-quality")) {
                assertTrue(spec.findOption(name) != null && spec.findOption(name).isMultiValue(),
                        spec.name() + " " + name);
            }
        }
    }

    @Test
    void readsSeveralFoldersFromTheEnvironment() throws IOException {
        Path a = SyntheticDataset.write(dir.resolve("a"), "a:");
        Path b = SyntheticDataset.write(dir.resolve("b"), "b:");
        DatasetOption option = new DatasetOption();
        assertEquals(List.of(a, b), option.folders(a + java.io.File.pathSeparator + b + java.io.File.pathSeparator));
        assertEquals(List.of(a), option.folders(a.toString()));
        BadInputException none = assertThrows(BadInputException.class, () -> option.folders(null));
        assertTrue(none.getMessage().contains("--dataset") && none.getMessage().contains("EARSHOT_DATASET"));
        BadInputException missing = assertThrows(BadInputException.class,
                () -> option.folders(a + java.io.File.pathSeparator + dir.resolve("nowhere")));
        assertTrue(missing.getMessage().contains("nowhere") && missing.getMessage().contains("manifest.csv"));
        option.datasets = List.of(b);
        assertEquals(List.of(b), option.folders(a.toString()), "--dataset wins over the environment");
    }

    @Test
    void evaluatesTwoDatasetsTogetherLeavingOutAQuality() throws IOException {
        Path a = SyntheticDataset.write(dir.resolve("a"), "a:");
        Path b = SyntheticDataset.write(dir.resolve("b"), "b:");
        addQualityColumn(b);
        CliRunner.Run run = CliRunner.run("evaluate", "clips", "--dataset", a.toString(), "--dataset", b.toString(),
                "--exclude-quality", HEURISTIC, "--model", "models/earshot-v2");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("clips: 42 (all)"), "24 + 24 less b's 6 shouts: " + run.out());
    }

    @Test
    void refusesAQualityNoClipHas() throws IOException {
        Path b = SyntheticDataset.write(dir.resolve("b"));
        addQualityColumn(b);
        CliRunner.Run run = CliRunner.run("evaluate", "clips", "--dataset", b.toString(), "--exclude-quality",
                "heuristic", "--model", "models/earshot-v2");
        run.assertRejected("no clip of b has quality 'heuristic'");
        assertTrue(run.err().contains(HEURISTIC), run.err());
    }

    @Test
    void makeDemoReadsOneFolder() throws IOException {
        Path a = SyntheticDataset.write(dir.resolve("a"));
        CliRunner.run("make-demo", "--dataset", a.toString(), "--dataset", a.toString(), "--out",
                dir.resolve("demo").toString()).assertRejected("one dataset folder");
    }
}
