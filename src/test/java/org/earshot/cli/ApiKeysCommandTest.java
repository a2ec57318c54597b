package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.earshot.config.ApiKeyRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysCommandTest {
    @TempDir
    Path tmp;

    @Test
    void addPrintsTheKeyOnceOnStdoutAndListNeverShowsIt() throws Exception {
        Path file = tmp.resolve("api-keys.json");
        CliRunner.Run add = CliRunner.run("api-keys", "add", "--file", file.toString(), "--name", "alice",
                "--role", "auditor");
        assertEquals(0, add.exitCode(), add.err());
        String key = add.out().strip();
        assertTrue(key.matches("esk_[A-Za-z0-9_-]{43}"), add.out());
        assertTrue(add.err().contains("store it now"), add.err());
        assertFalse(add.err().contains(key));
        assertEquals("alice", ApiKeyRegistry.load(file).authenticate(key).orElseThrow().name());

        CliRunner.Run list = CliRunner.run("api-keys", "list", "--file", file.toString());
        assertEquals(0, list.exitCode(), list.err());
        assertEquals("alice\tauditor", list.out().strip());
        assertFalse(list.out().contains(ApiKeyRegistry.keySha256(key)));
    }

    @Test
    void badRolesAndTakenNamesExitTwoWithAReason() {
        Path file = tmp.resolve("api-keys.json");
        CliRunner.Run bad = CliRunner.run("api-keys", "add", "--file", file.toString(), "--name", "x",
                "--role", "root");
        assertEquals(Earshot.EXIT_BAD_INPUT, bad.exitCode());
        assertTrue(bad.err().contains("must be one of [operator, auditor, admin]"), bad.err());
        assertEquals("", bad.out());
        assertEquals(0, CliRunner.run("api-keys", "add", "--file", file.toString(), "--name", "x", "--role",
                "admin").exitCode());
        CliRunner.Run taken = CliRunner.run("api-keys", "add", "--file", file.toString(), "--name", "x",
                "--role", "admin");
        assertEquals(Earshot.EXIT_BAD_INPUT, taken.exitCode());
        assertTrue(taken.err().contains("a key named x exists already"), taken.err());
        CliRunner.Run missing = CliRunner.run("api-keys", "list", "--file", tmp.resolve("none.json").toString());
        assertEquals(Earshot.EXIT_BAD_INPUT, missing.exitCode());
    }
}
