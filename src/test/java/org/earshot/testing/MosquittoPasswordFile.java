package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Mosquitto password files ({@code password_file}), written either by Mosquitto's own {@code mosquitto_passwd -b}
 * or by this class in the same format. Mosquitto 2.0's format is one line per user:
 *
 * <pre>user:$7$&lt;iterations&gt;$&lt;base64 salt&gt;$&lt;base64 hash&gt;</pre>
 *
 * where {@code $7$} is PBKDF2-HMAC-SHA512 of the UTF-8 password, 12 random salt bytes, 64 hash bytes, standard
 * base64 with padding; {@code mosquitto_passwd} 2.0.11 uses 101 iterations.
 */
public final class MosquittoPasswordFile {
    /** What mosquitto_passwd 2.0.11 uses. */
    public static final int ITERATIONS = 101;
    public static final int SALT_BYTES = 12;
    private static final int HASH_BITS = 512;

    /** How a password file is made. */
    public enum Hashing {
        /** mosquitto_passwd when installed, else {@link #BUILT_IN}. */
        AUTO,
        /** mosquitto_passwd only: fail when it is missing. */
        MOSQUITTO_PASSWD,
        /** This class's PBKDF2-SHA512 implementation of the same format. */
        BUILT_IN
    }

    private MosquittoPasswordFile() {
    }

    /**
     * Writes {@code file} (replacing it, readable by its owner only) with one entry per user. mosquitto_passwd's
     * output goes to {@code mosquitto_passwd.log} beside the file.
     */
    public static void write(Path file, Map<String, String> users, Hashing hashing) {
        users.forEach(MosquittoPasswordFile::check);
        Optional<Path> tool = hashing == Hashing.BUILT_IN ? Optional.empty() : Executables.find("mosquitto_passwd");
        if (hashing == Hashing.MOSQUITTO_PASSWD && tool.isEmpty()) {
            throw new IllegalStateException("mosquitto_passwd not found in PATH, /usr/bin or /usr/sbin: install the"
                    + " Debian package 'mosquitto' (scripts/ensure-services.sh mosquitto)");
        }
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            if (tool.isPresent()) {
                boolean first = true;
                for (Map.Entry<String, String> user : users.entrySet()) {
                    List<String> command = new ArrayList<>(List.of(tool.get().toString(), "-b"));
                    if (first) {
                        command.add("-c");
                    }
                    command.addAll(List.of(file.toString(), user.getKey(), user.getValue()));
                    run(command, file.resolveSibling("mosquitto_passwd.log"));
                    first = false;
                }
            } else {
                StringBuilder lines = new StringBuilder();
                SecureRandom random = new SecureRandom();
                for (Map.Entry<String, String> user : users.entrySet()) {
                    byte[] salt = new byte[SALT_BYTES];
                    random.nextBytes(salt);
                    lines.append(line(user.getKey(), user.getValue(), salt, ITERATIONS)).append('\n');
                }
                Files.writeString(file, lines, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One password file line: {@code user:$7$iterations$salt$hash}. */
    public static String line(String user, String password, byte[] salt, int iterations) {
        check(user, password);
        Base64.Encoder base64 = Base64.getEncoder();
        return user + ":$7$" + iterations + "$" + base64.encodeToString(salt) + "$"
                + base64.encodeToString(pbkdf2Sha512(password, salt, iterations));
    }

    /** Whether {@code line} (as mosquitto_passwd writes it) is the entry of {@code user} with {@code password}. */
    public static boolean matches(String line, String user, String password) {
        String[] parts = line.strip().split("\\$", -1);
        if (parts.length != 5 || !parts[0].equals(user + ":") || !parts[1].equals("7")) {
            return false;
        }
        byte[] salt = Base64.getDecoder().decode(parts[3]);
        return line(user, password, salt, Integer.parseInt(parts[2])).equals(line.strip());
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

    private static void check(String user, String password) {
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("a Mosquitto user name must be non-empty, without ':' or control"
                    + " characters: '" + user + "'");
        }
        if (password.isEmpty() || password.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("the password of '" + user + "' must be non-empty, without control"
                    + " characters");
        }
    }

    private static void run(List<String> command, Path log) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("mosquitto_passwd did not finish within a minute");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running mosquitto_passwd", e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("mosquitto_passwd exited with " + process.exitValue() + " (arguments "
                    + command.subList(0, command.size() - 2) + " user " + command.get(command.size() - 2) + "):\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
    }
}
