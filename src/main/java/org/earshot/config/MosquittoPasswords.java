package org.earshot.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Mosquitto 2 password files ({@code password_file}), so that a broker-mode deployment can be set up without
 * {@code mosquitto_passwd} on the machine. The format is one line per user:
 *
 * <pre>user:$7$&lt;iterations&gt;$&lt;base64 salt&gt;$&lt;base64 hash&gt;</pre>
 *
 * where {@code $7$} is PBKDF2-HMAC-SHA512 of the UTF-8 password, with 12 random salt bytes, a 64-byte hash and
 * standard base64 with padding, as {@code mosquitto_passwd} 2.0 writes it (101 iterations there). Only hashes are
 * written; a file is {@linkplain #read read} back as its lines, so that adding users keeps the others without
 * needing their passwords again.
 */
public final class MosquittoPasswords {
    /** What mosquitto_passwd 2.0 uses. */
    public static final int ITERATIONS = 101;
    public static final int SALT_BYTES = 12;
    private static final int HASH_BITS = 512;
    private static final SecureRandom RANDOM = new SecureRandom();

    private MosquittoPasswords() {}

    /** A new line for {@code user} with a fresh random salt. */
    public static String line(String user, String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return line(user, password, salt, ITERATIONS);
    }

    /** One password file line: {@code user:$7$iterations$salt$hash}. */
    public static String line(String user, String password, byte[] salt, int iterations) {
        check(user, password);
        Base64.Encoder base64 = Base64.getEncoder();
        return user + ":$7$" + iterations + "$" + base64.encodeToString(salt) + "$"
                + base64.encodeToString(pbkdf2Sha512(password, salt, iterations));
    }

    /** Whether {@code line} (as mosquitto_passwd or this class writes it) is the entry of {@code user} with {@code password}. */
    public static boolean matches(String line, String user, String password) {
        String[] parts = line.strip().split("\\$", -1);
        if (parts.length != 5 || !parts[0].equals(user + ":") || !parts[1].equals("7")) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[3]);
            return line(user, password, salt, Integer.parseInt(parts[2])).equals(line.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The entries of an existing file, user to line, in file order; empty when the file does not exist. Blank lines
     * and {@code #} comments are skipped; a line without {@code user:} is an error naming the file and line number
     * (never the line, which holds a hash).
     */
    public static Map<String, String> read(Path file) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException(file + " line " + (i + 1) + ": not a Mosquitto password entry (user:hash)");
            }
            entries.put(line.substring(0, colon), line);
        }
        return entries;
    }

    /**
     * Replaces {@code file} atomically with {@code entries} (user to line), one per line, readable by its owner only:
     * a reader (Mosquitto reloading on SIGHUP) sees the old file or the new one, never a part.
     */
    public static void write(Path file, Map<String, String> entries) throws IOException {
        StringBuilder text = new StringBuilder();
        entries.forEach((user, line) -> {
            if (!line.startsWith(user + ":") || line.contains("\n")) {
                throw new IllegalArgumentException("entry of '" + user + "' is not one line for that user");
            }
            text.append(line).append('\n');
        });
        Path tmp = PrivateFiles.writeTemporary(file, text.toString());
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a new file with a line for each user of {@code users} (user to password). */
    public static void writePasswords(Path file, Map<String, String> users) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        users.forEach((user, password) -> entries.put(user, line(user, password)));
        write(file, entries);
    }

    /** Rejects what a password file cannot hold (a user name with ':' or control characters, an empty password). */
    public static void check(String user, String password) {
        if (user == null || user.isEmpty() || user.contains(":") || user.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("a Mosquitto user name must be non-empty, without ':' or control"
                    + " characters: '" + user + "'");
        }
        if (password == null || password.isEmpty() || password.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("the password of '" + user + "' must be non-empty, without control"
                    + " characters");
        }
    }

    private static byte[] pbkdf2Sha512(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
        try {
            // SunJCE's PBKDF2 feeds the password to HMAC as UTF-8, as mosquitto_passwd does with its argument.
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 unavailable", e);
        } finally {
            spec.clearPassword();
        }
    }
}
