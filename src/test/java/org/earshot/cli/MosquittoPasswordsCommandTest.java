package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.earshot.config.MosquittoPasswords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code earshot mosquitto-passwords}: sensors' credentials become hashed entries, entries already in the file are
 * kept unless replaced or removed, a sensor cannot take the service's user name, and no token reaches the output.
 */
class MosquittoPasswordsCommandTest {
    @TempDir
    Path dir;

    private Path credentials(String name, String... idTokenPairs) throws Exception {
        StringBuilder csv = new StringBuilder("sensor,token\n");
        for (int i = 0; i < idTokenPairs.length; i += 2) {
            csv.append(idTokenPairs[i]).append(',').append(idTokenPairs[i + 1]).append('\n');
        }
        return Files.writeString(dir.resolve(name), csv);
    }

    @Test
    void addsSensorsKeepsOtherEntriesAndRemovesRetiredOnes() throws Exception {
        Path out = dir.resolve("passwords");
        Files.writeString(out, MosquittoPasswords.line("earshot", "service-secret") + "\n");
        Path first = credentials("a.csv", "s1", "token-one", "s2", "token-two");
        CliRunner.Run run = CliRunner.run("mosquitto-passwords", "--out", out.toString(), "--credentials",
                first.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertFalse(run.err().contains("token-one") || run.out().contains("token-one"), "a token in the output");
        Map<String, String> entries = MosquittoPasswords.read(out);
        assertEquals(List.of("earshot", "s1", "s2"), List.copyOf(entries.keySet()));
        assertTrue(MosquittoPasswords.matches(entries.get("earshot"), "earshot", "service-secret"), "kept");
        assertTrue(MosquittoPasswords.matches(entries.get("s1"), "s1", "token-one"));
        assertTrue(MosquittoPasswords.matches(entries.get("s2"), "s2", "token-two"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));

        Path replaced = credentials("b.csv", "s1", "token-new");
        run = CliRunner.run("mosquitto-passwords", "--out", out.toString(), "--credentials", replaced.toString(),
                "--remove", "s2");
        assertEquals(0, run.exitCode(), run.err());
        entries = MosquittoPasswords.read(out);
        assertEquals(List.of("earshot", "s1"), List.copyOf(entries.keySet()));
        assertTrue(MosquittoPasswords.matches(entries.get("s1"), "s1", "token-new"));
        assertFalse(MosquittoPasswords.matches(entries.get("s1"), "s1", "token-one"));
    }

    @Test
    void refusesASensorNamedLikeTheServiceUserAndBadInput() throws Exception {
        Path out = dir.resolve("passwords");
        CliRunner.Run run = CliRunner.run("mosquitto-passwords", "--out", out.toString(), "--credentials",
                credentials("c.csv", "earshot", "t").toString());
        assertEquals(Earshot.EXIT_BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("service's broker user"), run.err());
        assertFalse(Files.exists(out), "nothing written");

        run = CliRunner.run("mosquitto-passwords", "--out", out.toString());
        assertEquals(Earshot.EXIT_BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("nothing to do"), run.err());

        Files.writeString(out, "not an entry\n");
        run = CliRunner.run("mosquitto-passwords", "--out", out.toString(), "--credentials",
                credentials("d.csv", "s1", "t").toString());
        assertEquals(Earshot.EXIT_BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("line 1"), run.err());
        assertEquals("not an entry\n", Files.readString(out), "a file it cannot read is left alone");
    }
}
