package org.earshot.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Which data a run reads: one or more dataset folders (combined by {@link DatasetManifest#read(List)}) and the
 * {@code quality} values whose clips are left out. Passed to training and evaluation so that they all read the same
 * clips from the same settings.
 */
public record DatasetSelection(List<Path> folders, List<String> excludedQualities) {
    public DatasetSelection {
        folders = List.copyOf(folders);
        excludedQualities = List.copyOf(excludedQualities);
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("no dataset folder given");
        }
    }

    /** One folder, every clip. */
    public static DatasetSelection of(Path folder) {
        return new DatasetSelection(List.of(folder), List.of());
    }

    /** The selected clips; a quality value that no clip has is refused ({@link IllegalArgumentException}). */
    public DatasetManifest read() throws IOException {
        return DatasetManifest.read(folders).excludingQualities(excludedQualities);
    }

    @Override
    public String toString() {
        String names = String.join(" + ", folders.stream().map(Path::toString).toList());
        return excludedQualities.isEmpty() ? names : names + " excluding quality "
                + String.join(", ", excludedQualities.stream().map(q -> "'" + q + "'").toList());
    }
}
