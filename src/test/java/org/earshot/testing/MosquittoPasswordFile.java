package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.earshot.config.MosquittoPasswords;

/**
 * Mosquitto password files ({@code password_file}) for test brokers, written either by Mosquitto's own
 * {@code mosquitto_passwd -b} or by the service's {@link MosquittoPasswords} (the one implementation of the format,
 * which {@code earshot mosquitto-passwords} uses too). Mosquitto 2.0's format is one line per user:
 *
 * <pre>user:$7$&lt;iterations&gt;$&lt;base64 salt&gt;$&lt;base64 hash&gt;</pre>
 *
 * where {@code $7$} is PBKDF2-HMAC-SHA512 of the UTF-8 password, 12 random salt bytes, 64 hash bytes, standard
 * base64 with padding; {@code mosquitto_passwd} 2.0.11 uses 101 iterations.
 */
public final class MosquittoPasswordFile {
    /** What mosquitto_passwd 2.0.11 uses. */
    public static final int ITERATIONS = MosquittoPasswords.ITERATIONS;
    public static final int SALT_BYTES = MosquittoPasswords.SALT_BYTES;

    /** How a password file is made. */
    public enum Hashing {
        /** mosquitto_passwd when installed, else {@link #BUILT_IN}. */
        AUTO,
        /** mosquitto_passwd only: fail when it is missing. */
        MOSQUITTO_PASSWD,
        /** The service's own {@link MosquittoPasswords}. */
        BUILT_IN
    }

    private MosquittoPasswordFile() {
    }

    /**
     * Writes {@code file} (replacing it, readable by its owner only) with one entry per user. mosquitto_passwd's
     * output goes to {@code mosquitto_passwd.log} beside the file.
     */
    public static void write(Path file, Map<String, String> users, Hashing hashing) {
        users.forEach(MosquittoPasswords::check);
        Optional<Path> tool = hashing == Hashing.BUILT_IN ? Optional.empty() : Executables.find("mosquitto_passwd");
        if (hashing == Hashing.MOSQUITTO_PASSWD && tool.isEmpty()) {
            throw new IllegalStateException(Server.MOSQUITTO_PASSWD.missingReason());
        }
        try {
            if (tool.isEmpty()) {
                MosquittoPasswords.writePasswords(file, users);
                return;
            }
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One password file line: {@code user:$7$iterations$salt$hash}. */
    public static String line(String user, String password, byte[] salt, int iterations) {
        return MosquittoPasswords.line(user, password, salt, iterations);
    }

    /** Whether {@code line} (as mosquitto_passwd writes it) is the entry of {@code user} with {@code password}. */
    public static boolean matches(String line, String user, String password) {
        return MosquittoPasswords.matches(line, user, password);
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
