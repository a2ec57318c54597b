package org.earshot.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files that hold secrets or their hashes (the sensors file, credentials for sensors) are written one way: the
 * whole text into a temporary file beside the target, readable only by its owner where the file system has POSIX
 * permissions, and forced to disk; the caller then moves or links it into place, so readers never see a part. The
 * folders they create (the data folder, the journal) are owner-only too: the journal holds remote addresses.
 */
public final class PrivateFiles {
    private PrivateFiles() {}

    /**
     * Creates {@code dir} and its missing parents readable only by their owner (rwx------) where the file system has
     * POSIX permissions; folders that exist already are left as they are.
     */
    public static Path createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return dir;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(absolute, posix(absolute) ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                    : new FileAttribute<?>[0]);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
        return dir;
    }

    /** What makes a new file in {@code dir} readable and writable by its owner only (nothing without POSIX). */
    public static FileAttribute<?>[] ownerOnlyFile(Path dir) {
        return posix(dir) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))} : new FileAttribute<?>[0];
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Writes {@code text} to a new owner-only temporary file in {@code target}'s directory and returns it. */
    public static Path writeTemporary(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        createDirectories(dir);
        FileAttribute<?>[] ownerOnly = ownerOnlyFile(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", ownerOnly);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        return tmp;
    }
}
