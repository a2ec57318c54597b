package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MosquittoPasswordFileTest {
    /** Written by mosquitto_passwd 2.0.11: {@code mosquitto_passwd -b -c file alice secret}. */
    private static final String MOSQUITTO_LINE = "alice:$7$101$DrTElit2VUQHxgnE$yGIBaKwFXByR7oewmKJQTmuvYw9RBfzEZtPu9I"
            + "GNyk2QYbkSElDCIl29L+2DyStLw7AclDuBy9C1NarM+JnkYg==";

    @TempDir
    Path dir;

    @Test
    void builtInHashReproducesALineOfMosquittoPasswd() {
        byte[] salt = Base64.getDecoder().decode("DrTElit2VUQHxgnE");
        assertEquals(MOSQUITTO_LINE, MosquittoPasswordFile.line("alice", "secret", salt, 101));
        assertTrue(MosquittoPasswordFile.matches(MOSQUITTO_LINE, "alice", "secret"));
        assertFalse(MosquittoPasswordFile.matches(MOSQUITTO_LINE, "alice", "Secret"));
        assertFalse(MosquittoPasswordFile.matches(MOSQUITTO_LINE, "bob", "secret"));
    }

    @Test
    @RequiresServers(Server.MOSQUITTO_PASSWD)
    void builtInHashAgreesWithTheInstalledMosquittoPasswd() throws Exception {
        Path file = dir.resolve("passwd");
        Map<String, String> users = users();
        MosquittoPasswordFile.write(file, users, MosquittoPasswordFile.Hashing.MOSQUITTO_PASSWD);
        checkLines(file, users);
    }

    @Test
    void builtInWriterWritesOneSaltedLinePerUserForItsOwnerOnly() throws Exception {
        Path file = dir.resolve("passwd");
        Map<String, String> users = users();
        MosquittoPasswordFile.write(file, users, MosquittoPasswordFile.Hashing.BUILT_IN);
        checkLines(file, users);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(0).startsWith("sensor:$7$101$"), lines.get(0));
    }

    @Test
    void refusesNamesAndPasswordsTheFileCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswordFile.write(dir.resolve("p"),
                Map.of("a:b", "x"), MosquittoPasswordFile.Hashing.BUILT_IN));
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswordFile.write(dir.resolve("p"),
                Map.of("a", "two\nlines"), MosquittoPasswordFile.Hashing.BUILT_IN));
        assertThrows(IllegalArgumentException.class, () -> MosquittoPasswordFile.write(dir.resolve("p"),
                Map.of("a", ""), MosquittoPasswordFile.Hashing.BUILT_IN));
    }

    private static Map<String, String> users() {
        Map<String, String> users = new LinkedHashMap<>();
        users.put("sensor", "p@ss word:$7$x");
        users.put("service", "other");
        return users;
    }

    private static void checkLines(Path file, Map<String, String> users) throws Exception {
        List<String> lines = Files.readAllLines(file);
        assertEquals(users.size(), lines.size(), String.join("\n", lines));
        for (String line : lines) {
            String user = line.substring(0, line.indexOf(':'));
            assertTrue(MosquittoPasswordFile.matches(line, user, users.get(user)), line);
            assertFalse(MosquittoPasswordFile.matches(line, user, users.get(user) + "!"), line);
        }
    }
}
