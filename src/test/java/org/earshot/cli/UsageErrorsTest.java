package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user gets wrong first: no command, a bad option, a directory for a file, the models folder. */
class UsageErrorsTest {
    @TempDir
    Path dir;

    @Test
    void noCommandPrintsTheUsageOnStandardErrorAndExitsTwo() {
        CliRunner.Run run = CliRunner.run();
        assertEquals(2, run.exitCode());
        assertEquals("", run.out());
        assertTrue(run.err().contains("Usage: earshot"), run.err());
        assertEquals(0, CliRunner.run("--help").exitCode());
    }

    @Test
    void aBadOptionIsOneLineNamingItAndWhereHelpIs() {
        CliRunner.Run run = CliRunner.run("detect", "demo/demo.wav", "--treshold", "shout=0.5");
        run.assertRejected("'--treshold'");
        assertTrue(run.err().startsWith("earshot: Unknown option"), run.err());
        assertTrue(run.err().contains("(see 'earshot detect --help')"), run.err());
        CliRunner.run("detect").assertRejected("Missing required parameter: 'FILE'");
    }

    @Test
    void aDirectoryGivenAsTheAudioFileIsSaidToBeADirectory() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("recordings"));
        CliRunner.run("detect", folder.toString()).assertRejected("audio file is a directory, not a file: " + folder);
    }

    @Test
    void theFolderOfModelsSuggestsTheModelsInIt() throws IOException {
        CliRunner.run("detect", "demo/demo.wav", "--model", "models")
                .assertRejected("the model directories in it: models/earshot-v2");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CliRunner.Run run = CliRunner.run("detect", "demo/demo.wav", "--model", empty.toString());
        run.assertRejected("no manifest.json");
    }
}
