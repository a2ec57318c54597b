package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code earshot sensors add}: a refused addition writes nothing. */
class SensorsCommandTest {
    @TempDir
    Path dir;

    @Test
    void addingAnExistingIdSaysSoAndLeavesNoCredentialsFile() throws Exception {
        Path sensors = dir.resolve("sensors.json");
        Path first = dir.resolve("first.csv");
        CliRunner.Run added = CliRunner.run("sensors", "add", "--id", "pole-12", "--file", sensors.toString(),
                "--credentials-out", first.toString());
        assertEquals(0, added.exitCode(), added.err());
        String before = Files.readString(sensors);
        Path second = dir.resolve("second.csv");
        CliRunner.run("sensors", "add", "--id", "pole-12", "--file", sensors.toString(), "--credentials-out",
                second.toString()).assertRejected("sensor pole-12 already exists in " + sensors);
        assertFalse(Files.exists(second), "credentials with an unused token were written");
        assertEquals(before, Files.readString(sensors));
        Path third = dir.resolve("third.csv");
        CliRunner.Run run = CliRunner.run("sensors", "add", "--prefix", "pole-", "--count", "2", "--file",
                sensors.toString(), "--credentials-out", third.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.readString(third).contains("pole-0002"));
    }

    @Test
    void purposeIsTheOptionsNameAndDescriptionStillWorks() throws Exception {
        Path sensors = dir.resolve("sensors.json");
        assertEquals(0, CliRunner.run("sensors", "add", "--id", "a", "--purpose", "traffic noise survey", "--file",
                sensors.toString(), "--credentials-out", dir.resolve("a.csv").toString()).exitCode());
        assertEquals(0, CliRunner.run("sensors", "add", "--id", "b", "--description", "north-facing", "--file",
                sensors.toString(), "--credentials-out", dir.resolve("b.csv").toString()).exitCode());
        org.earshot.config.SensorRegistry registry = org.earshot.config.SensorRegistry.load(sensors);
        assertEquals("traffic noise survey", registry.find("a").orElseThrow().purpose());
        assertEquals("north-facing", registry.find("b").orElseThrow().purpose());
    }
}
