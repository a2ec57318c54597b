package org.earshot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The password file format of Mosquitto 2 (a line that mosquitto_passwd wrote is reproduced in
 * {@code MosquittoPasswordFileTest}, and a real broker accepts these files in {@code DeployBrokerIT}); here: fresh
 * salts, reading back, and refusing what a line cannot hold.
 */
class MosquittoPasswordsTest {
    @TempDir
    Path dir;

    @Test
    void eachLineHasItsOwnSaltAndMatchesOnlyItsPassword() {
        String a = MosquittoPasswords.line("s1", "secret");
        String b = MosquittoPasswords.line("s1", "secret");
        assertNotEquals(a, b, "salted");
        assertTrue(a.startsWith("s1:$7$" + MosquittoPasswords.ITERATIONS + "$"), a);
        assertTrue(MosquittoPasswords.matches(a, "s1", "secret"));
        assertFalse(MosquittoPasswords.matches(a, "s1", "secreT"));
        assertFalse(MosquittoPasswords.matches(a, "s2", "secret"));
        assertFalse(MosquittoPasswords.matches("s1:$7$101$!!$x", "s1", "secret"), "bad base64 is no match");
    }

    @Test
    void writesAndReadsBackEntriesInOrderSkippingComments() throws IOException {
        Map<String, String> users = new LinkedHashMap<>();
        users.put("earshot", "p1");
        users.put("s1", "p2");
        Path file = dir.resolve("passwords");
        MosquittoPasswords.writePasswords(file, users);
        Files.writeString(file, "# a comment\n\n" + Files.readString(file));
        Map<String, String> entries = MosquittoPasswords.read(file);
        assertEquals(List.of("earshot", "s1"), List.copyOf(entries.keySet()));
        assertTrue(MosquittoPasswords.matches(entries.get("s1"), "s1", "p2"));
        assertEquals(Map.of(), MosquittoPasswords.read(dir.resolve("missing")));
    }

    @Test
    void refusesWhatALineCannotHoldAndNamesOnlyTheLineNumber() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswords.line("a:b", "x"));
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswords.line("a", ""));
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswords.line("a", "two\nlines"));
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswords.write(dir.resolve("f"),
                Map.of("a", "b:$7$...")));
        Path bad = Files.writeString(dir.resolve("bad"), "ok:$7$1$AA==$AA==\nsecret-without-user\n");
        IOException e = assertThrows(IOException.class, () -> MosquittoPasswords.read(bad));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertFalse(e.getMessage().contains("secret-without-user"), "the line is not repeated");
    }
}
