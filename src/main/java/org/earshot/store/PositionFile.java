package org.earshot.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file in which the InfluxDB writer remembers the next journal position to write: one decimal number and a
 * newline. It is replaced atomically (temporary file, fsync, rename, fsync of the directory), so after a crash it
 * holds either the old or the new position, never a torn one. A missing file means position 0 (write the whole
 * journal); anything else that is not a number is an error naming the file, because guessing would either
 * duplicate nothing (harmless) or skip detections (not).
 */
public final class PositionFile {
    private final Path file;

    public PositionFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path path() {
        return file;
    }

    /** The stored position, 0 when the file does not exist. @throws IOException when unreadable or not a position */
    public long read() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return 0;
        }
        return parse(file, text);
    }

    /** Replaces the stored position; when this returns, the new position survives a power cut. */
    public void write(long position) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap((position + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + file + " atomically on this file system", e);
        }
        // The rename itself is durable only once the directory entry is.
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    static long parse(Path file, String text) throws IOException {
        String trimmed = text.strip();
        if (trimmed.isEmpty() || trimmed.length() > 19 || !trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IOException("position file " + file + " is corrupt: expected one non-negative decimal number,"
                    + " got \"" + abbreviate(trimmed) + "\"; delete it to rewrite the whole journal to InfluxDB"
                    + " (rewrites overwrite, they do not duplicate)");
        }
        try {
            return Long.parseLong(trimmed);
        } catch (NumberFormatException e) {
            throw new IOException("position file " + file + " is corrupt: " + trimmed + " is out of range", e);
        }
    }

    private static String abbreviate(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 40 ? printable : printable.substring(0, 40) + "...";
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
