package org.earshot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import org.earshot.config.ApiKeyRegistry.ApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyRegistryTest {
    private static final String KEY_1 = "esk_one-0123456789abcdefghijklmnopqrstuvwxyzABC";
    private static final String KEY_2 = "esk_two-0123456789abcdefghijklmnopqrstuvwxyzABC";

    @TempDir
    Path tmp;

    private Path file(String json) throws Exception {
        Path file = tmp.resolve(ApiKeyRegistry.FILE_NAME);
        Files.writeString(file, json);
        return file;
    }

    private String error(String json) throws Exception {
        Path file = file(json);
        String message = assertThrows(ConfigException.class, () -> ApiKeyRegistry.load(file)).getMessage();
        assertTrue(message.startsWith(file.toString()), message);
        return message;
    }

    private static String entry(String name, String role, String hash) {
        return "{\"name\": \"" + name + "\", \"role\": \"" + role + "\", \"key_sha256\": \"" + hash + "\"}";
    }

    private static String keys(String... entries) {
        return "{\"version\": 1, \"keys\": [" + String.join(", ", entries) + "]}";
    }

    @Test
    void loadsKeysAndAuthenticatesOnlyTheirExactKeys() throws Exception {
        ApiKeyRegistry registry = ApiKeyRegistry.load(file(keys(
                entry("alice", "auditor", ApiKeyRegistry.keySha256(KEY_1)),
                entry("ops", "operator", ApiKeyRegistry.keySha256(KEY_2)))));
        assertEquals(List.of("alice", "ops"), registry.keys().stream().map(ApiKey::name).toList());
        assertEquals("auditor", registry.authenticate(KEY_1).orElseThrow().role());
        assertEquals("ops", registry.authenticate(KEY_2).orElseThrow().name());
        assertTrue(registry.authenticate(KEY_1 + "x").isEmpty());
        assertTrue(registry.authenticate(KEY_1.substring(1)).isEmpty());
        assertTrue(registry.authenticate(ApiKeyRegistry.keySha256(KEY_1)).isEmpty());
        assertTrue(registry.authenticate("").isEmpty());
        assertTrue(registry.authenticate(null).isEmpty());
        assertTrue(ApiKeyRegistry.empty().authenticate(KEY_1).isEmpty());
    }

    @Test
    void errorsNameTheFileTheEntryAndTheKeyAndNeverTheHash() throws Exception {
        String hash = ApiKeyRegistry.keySha256(KEY_1);
        assertTrue(error("{\"version\": 1, \"keys\": [], \"extra\": 1}").contains("unknown key \"extra\""));
        assertTrue(error("{\"keys\": []}").contains("missing key version"));
        assertTrue(error("{\"version\": 2, \"keys\": []}").contains("version must be 1"));
        assertTrue(error("{\"version\": 1}").contains("keys must be an array"));
        assertTrue(error(keys("3")).contains("keys[0] must be an object"));
        String missing = error(keys("{\"name\": \"alice\", \"role\": \"auditor\"}"));
        assertTrue(missing.contains("keys[0] (name alice): missing key_sha256"), missing);
        String role = error(keys(entry("alice", "root", hash)));
        assertTrue(role.contains("keys[0] (name alice): role of key alice must be one of [operator, auditor,"
                + " admin]"), role);
        String plain = error(keys(entry("alice", "auditor", KEY_1)));
        assertTrue(plain.contains("key_sha256 of key alice must be 64 lower-case hex digits"), plain);
        assertFalse(plain.contains(KEY_1), plain);
        String typo = error(keys("{\"name\": \"alice\", \"role\": \"auditor\", \"key_sha256\": \"" + hash
                + "\", \"kye\": 1}"));
        assertTrue(typo.contains("(name alice): unknown key \"kye\""), typo);
        assertFalse(typo.contains(hash), typo);
        String twice = error(keys(entry("alice", "auditor", hash), entry("alice", "admin",
                ApiKeyRegistry.keySha256(KEY_2))));
        assertTrue(twice.contains("keys[1] (name alice): name is already used by keys[0]"), twice);
        String sameKey = error(keys(entry("alice", "auditor", hash), entry("bob", "admin", hash)));
        assertTrue(sameKey.contains("keys[1] (name bob): key_sha256 is the same as that of keys[0]"), sameKey);
        assertFalse(sameKey.contains(hash), sameKey);
        assertTrue(error(keys(entry("al ice", "auditor", hash))).contains("keys[0]: name must match"));
        assertTrue(error("{\"version\": 1, \"version\": 1, \"keys\": []}").contains("appears twice"));
        assertTrue(error("").contains("empty file"));
    }

    @Test
    void newKeysAreLongRandomAndRecognisable() {
        String a = ApiKeyRegistry.newKey();
        String b = ApiKeyRegistry.newKey();
        assertNotEquals(a, b);
        assertTrue(a.startsWith(ApiKeyRegistry.KEY_PREFIX), a);
        byte[] body = Base64.getUrlDecoder().decode(a.substring(ApiKeyRegistry.KEY_PREFIX.length()));
        assertEquals(ApiKeyRegistry.KEY_BYTES, body.length);
        assertTrue(a.matches("esk_[A-Za-z0-9_-]{43}"), a);
    }

    @Test
    void addWritesAnOwnerOnlyFileHoldingOnlyTheHash() throws Exception {
        Path file = tmp.resolve("data").resolve(ApiKeyRegistry.FILE_NAME);
        String key = ApiKeyRegistry.add(file, "alice", "auditor");
        String second = ApiKeyRegistry.add(file, "grafana", "operator");
        String text = Files.readString(file);
        assertFalse(text.contains(key) || text.contains(second), text);
        assertTrue(text.contains(ApiKeyRegistry.keySha256(key)));
        ApiKeyRegistry registry = ApiKeyRegistry.load(file);
        assertEquals("alice", registry.authenticate(key).orElseThrow().name());
        assertEquals("operator", registry.authenticate(second).orElseThrow().role());
        assertThrows(IllegalArgumentException.class, () -> ApiKeyRegistry.add(file, "alice", "admin"));
        assertThrows(IllegalArgumentException.class, () -> ApiKeyRegistry.add(file, "bob", "public"));
        assertEquals(2, ApiKeyRegistry.load(file).keys().size());
        assumeTrue(file.getFileSystem().supportedFileAttributeViews().contains("posix"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void toStringShowsNoHash() {
        ApiKey key = new ApiKey("alice", "auditor", ApiKeyRegistry.keySha256(KEY_1));
        assertFalse(key.toString().contains(key.keySha256()));
        assertFalse(new ApiKeyRegistry(List.of(key)).toString().contains(key.keySha256()));
    }
}
