package org.earshot.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API keys that may query the service, read once from {@code api-keys.json} in the data directory and immutable
 * after. The file stores each key's name, role and the SHA-256 of the key, never the key: keys are 256-bit random
 * values from {@link #newKey()}, so, as for sensor tokens, a fast hash loses nothing to guessing. Keys carry the
 * prefix {@value #KEY_PREFIX} so that one pasted into a chat, a log or a repository is recognisable (and so the API
 * can tell a key from a JWT). {@link #authenticate} hashes the presented key and compares it with every entry in
 * constant time, without stopping at a match, so its time says nothing about which keys exist. Roles are kept as
 * their wire names ({@link #ROLES}) because this package knows nothing of the API. Errors from {@link #load} name the
 * file, the entry's index and name, and the key, never a key or hash.
 */
public final class ApiKeyRegistry {
    /** The version of the keys file format this code reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** The keys file's name in the data directory. */
    public static final String FILE_NAME = "api-keys.json";
    public static final String KEY_PREFIX = "esk_";
    public static final int KEY_BYTES = 32;
    /** The roles a key may hold: the API's roles except the implied "public". */
    public static final List<String> ROLES = List.of("operator", "auditor", "admin");
    /** Key names appear in the audit journal and in logs: printable, no spaces or separators. */
    public static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");

    private static final String VERSION = "version";
    private static final String KEYS = "keys";
    private static final String NAME = "name";
    private static final String ROLE = "role";
    private static final String KEY_SHA256 = "key_sha256";
    private static final List<String> ENTRY_KEYS = List.of(NAME, ROLE, KEY_SHA256);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String EMPTY_STRING_SHA256 =
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    /**
     * One key of the file. {@link #toString()} leaves the hash out, so a key pasted into the file by mistake does
     * not end up in a log.
     */
    public record ApiKey(String name, String role, String keySha256) {
        public ApiKey {
            if (name == null || !NAME_PATTERN.matcher(name).matches()) {
                throw new IllegalArgumentException("name must match " + NAME_PATTERN
                        + " (letters, digits, '_', '.', '@', '-'; it is written to the audit journal)");
            }
            if (role == null || !ROLES.contains(role)) {
                // Not echoed: a key pasted into the wrong field must not reach a log.
                throw new IllegalArgumentException("role of key " + name + " must be one of " + ROLES);
            }
            if (keySha256 == null || !SHA256_HEX.matcher(keySha256).matches()) {
                throw new IllegalArgumentException("key_sha256 of key " + name
                        + " must be 64 lower-case hex digits, the SHA-256 of the key (not the key itself)");
            }
            if (keySha256.equals(EMPTY_STRING_SHA256)) {
                throw new IllegalArgumentException("key_sha256 of key " + name + " is the SHA-256 of an empty key");
            }
        }

        @Override
        public String toString() {
            return "ApiKey[name=" + name + ", role=" + role + "]";
        }
    }

    private final List<ApiKey> keys;
    private final byte[][] hashes;

    /** A registry of these keys; names and hashes must be distinct. */
    public ApiKeyRegistry(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
        Map<String, String> seen = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (ApiKey k : this.keys) {
            if (!names.add(k.name())) {
                throw new IllegalArgumentException("key name " + k.name() + " appears twice");
            }
            String other = seen.putIfAbsent(k.keySha256(), k.name());
            if (other != null) {
                throw new IllegalArgumentException("keys " + other + " and " + k.name() + " have the same hash");
            }
        }
        this.hashes = this.keys.stream().map(k -> HEX.parseHex(k.keySha256())).toArray(byte[][]::new);
    }

    /** A registry with no keys: every key is refused. */
    public static ApiKeyRegistry empty() {
        return new ApiKeyRegistry(List.of());
    }

    /** Reads and checks a keys file (format {@value #FORMAT_VERSION}). */
    public static ApiKeyRegistry load(Path file) throws ConfigException {
        JsonArray array = StrictJson.readVersionedList(file, FORMAT_VERSION, KEYS);
        List<ApiKey> keys = new ArrayList<>();
        Map<String, Integer> indexByName = new HashMap<>();
        Map<String, Integer> indexByHash = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            ApiKey key = readKey(file, i, array.get(i));
            String where = file + ": keys[" + i + "] (name " + key.name() + ")";
            Integer earlier = indexByName.putIfAbsent(key.name(), i);
            if (earlier != null) {
                throw new ConfigException(where + ": name is already used by keys[" + earlier + "]");
            }
            earlier = indexByHash.putIfAbsent(key.keySha256(), i);
            if (earlier != null) {
                throw new ConfigException(where + ": key_sha256 is the same as that of keys[" + earlier
                        + "] (one key, two names?)");
            }
            keys.add(key);
        }
        return new ApiKeyRegistry(keys);
    }

    private static ApiKey readKey(Path file, int index, JsonElement element) throws ConfigException {
        String where = file + ": keys[" + index + "]";
        if (!element.isJsonObject()) {
            throw new ConfigException(where + " must be an object, got " + StrictJson.kind(element));
        }
        JsonObject o = element.getAsJsonObject();
        String name = string(o, NAME, where);
        if (NAME_PATTERN.matcher(name).matches()) {
            where += " (name " + name + ")";
        }
        for (String key : o.keySet()) {
            if (!ENTRY_KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key " + StrictJson.quote(key) + " (known: "
                        + String.join(", ", ENTRY_KEYS) + ")");
            }
        }
        String role = string(o, ROLE, where);
        String hash = string(o, KEY_SHA256, where);
        try {
            return new ApiKey(name, role, hash);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
    }

    private static String string(JsonObject o, String key, String where) throws ConfigException {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new ConfigException(where + ": missing " + key);
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
            // The kind only: a key pasted where its hash belongs must not be echoed.
            throw new ConfigException(where + ": " + key + " must be a string, got " + StrictJson.kind(e));
        }
        return e.getAsString();
    }

    /**
     * The entry whose key this is; empty for anything else (null, empty, unknown), without saying which. Every entry
     * is compared, whatever matched, in constant time.
     */
    public Optional<ApiKey> authenticate(String presented) {
        byte[] hash = sha256(presented == null ? "" : presented);
        int found = -1;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(hash, hashes[i])) {
                found = i;
            }
        }
        if (found < 0 || presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(keys.get(found));
    }

    /** All keys, in file order. */
    public List<ApiKey> keys() {
        return keys;
    }

    /** A new key: {@value #KEY_PREFIX} and {@value #KEY_BYTES} random bytes in base64url without padding. */
    public static String newKey() {
        byte[] bytes = new byte[KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The lower-case hex SHA-256 of the key's UTF-8 bytes, as {@code printf %s "$KEY" | sha256sum} prints it. */
    public static String keySha256(String key) {
        return HEX.formatHex(sha256(key));
    }

    /**
     * Adds a key named {@code name} with {@code role} to the file (creating it when missing) and returns the new key,
     * which is stored nowhere and must be shown once.
     *
     * @throws IllegalArgumentException when the name is taken or invalid, or the role unknown
     */
    public static String add(Path file, String name, String role) throws ConfigException {
        List<ApiKey> keys = new ArrayList<>(Files.exists(file) ? load(file).keys() : List.of());
        for (ApiKey k : keys) {
            if (k.name().equals(name)) {
                throw new IllegalArgumentException(file + ": a key named " + name + " exists already");
            }
        }
        String key = newKey();
        keys.add(new ApiKey(name, role, keySha256(key)));
        write(file, keys);
        return key;
    }

    /**
     * Writes a keys file holding exactly {@code keys}, replacing any file there in one atomic step, readable only by
     * its owner.
     */
    public static void write(Path file, List<ApiKey> keys) throws ConfigException {
        new ApiKeyRegistry(keys);
        Path tmp = null;
        try {
            tmp = PrivateFiles.writeTemporary(file, toJson(keys));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot write the API keys file: " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // A stray temporary file beside the keys file is harmless; the result is what matters.
                }
            }
        }
    }

    static String toJson(List<ApiKey> keys) {
        JsonArray array = new JsonArray();
        for (ApiKey k : keys) {
            JsonObject o = new JsonObject();
            o.addProperty(NAME, k.name());
            o.addProperty(ROLE, k.role());
            o.addProperty(KEY_SHA256, k.keySha256());
            array.add(o);
        }
        JsonObject root = new JsonObject();
        root.addProperty(VERSION, FORMAT_VERSION);
        root.add(KEYS, array);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }


    @Override
    public String toString() {
        return "ApiKeyRegistry[" + keys.size() + " keys]";
    }
}
