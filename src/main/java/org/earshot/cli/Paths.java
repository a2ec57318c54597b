package org.earshot.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the command finds its defaults: the repository (or install) root, and the shipped model. */
final class Paths {
    static final String DEFAULT_MODEL = "models/earshot-v2";

    private Paths() {}

    /** The {@code earshot.home} property set by the launcher, else the working directory. */
    static Path home() {
        String home = System.getProperty("earshot.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    static Path defaultModel() {
        return home().resolve(DEFAULT_MODEL);
    }

    static Path requireFile(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new BadInputException(what + " is a directory, not a file: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(what + " not found: " + file);
        }
        return file;
    }

    static Path requireDirectory(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(what + " not found: " + dir);
        }
        return dir;
    }
}
