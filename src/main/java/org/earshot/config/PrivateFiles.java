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
 * permissions, and forced to disk; the caller then moves or links it into place, so readers never see a part.
 */
public final class PrivateFiles {
    private PrivateFiles() {}

    /** Writes {@code text} to a new owner-only temporary file in {@code target}'s directory and returns it. */
    public static Path writeTemporary(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] ownerOnly = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", ownerOnly);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        return tmp;
    }
}
