package org.earshot.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

import org.earshot.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration file the service reads again when it changes, so that {@code earshot api-keys add} and
 * {@code earshot sensors add} take effect without a restart: {@link #check()} compares the file's modification time
 * and size with those last read (at most once every {@link #CHECK_EVERY_NANOS}; it blocks on the file system, so
 * never on an event loop) and loads it again when they differ. A loaded change becomes {@link #current()} and goes
 * to the listener (which journals it); a file that does not load leaves the previous contents in force, is logged
 * once per version of the file with its name and the reason, and is counted in {@link #errors()}.
 */
final class WatchedFile<T> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedFile.class);
    static final long CHECK_EVERY_NANOS = 1_000_000_000L;
    private static final String MISSING = "missing";

    /** Reads the file; throws with a message naming the problem. */
    interface Loader<T> {
        T load(Path file) throws ConfigException;
    }

    /** Told of each change that loaded, with the contents before and after; on the checking thread. */
    interface Listener<T> {
        void changed(T before, T after);
    }

    private final String what;
    private final Path file;
    private final Loader<T> loader;
    private final T whenMissing;
    private final Listener<T> listener;
    private final LongAdder errors = new LongAdder();
    private volatile T current;
    private Object stamp;
    private long checkedNanos;

    /**
     * Reads the file now: a file that does not load stops the start with the reason.
     *
     * @param what        the file's role in log lines ("api: keys file", "sensors file")
     * @param whenMissing the contents while the file does not exist; null when a missing file is an error (at start,
     *                    and later a change that keeps the previous contents)
     */
    WatchedFile(String what, Path file, Loader<T> loader, T whenMissing, Listener<T> listener)
            throws ConfigException {
        this.what = what;
        this.file = file;
        this.loader = loader;
        this.whenMissing = whenMissing;
        this.listener = listener;
        this.stamp = stamp();
        this.current = read();
        this.checkedNanos = System.nanoTime();
    }

    /** The contents in force; cheap (no file access), any thread. */
    T current() {
        return current;
    }

    /** Files that changed but did not load since the start (each version of the file counted once). */
    long errors() {
        return errors.sum();
    }

    Path file() {
        return file;
    }

    /**
     * Reads the file again if it changed since it was last read and the last check is at least a second old;
     * returns the contents in force afterwards. Blocks on the file system.
     */
    synchronized T check() {
        long now = System.nanoTime();
        if (now - checkedNanos < CHECK_EVERY_NANOS) {
            return current;
        }
        checkedNanos = now;
        Object next = stamp();
        if (Objects.equals(next, stamp)) {
            return current;
        }
        // The stamp moves on even when the new version does not load: a bad file is reported once, not every second.
        stamp = next;
        try {
            T before = current;
            T after = read();
            current = after;
            listener.changed(before, after);
        } catch (ConfigException e) {
            errors.increment();
            LOG.error("{} {} changed but does not load; what it held before stays in force (counted in"
                    + " earshot_config_reload_errors_total): {}", what, file, e.getMessage());
        }
        return current;
    }

    private T read() throws ConfigException {
        if (!Files.exists(file)) {
            if (whenMissing == null) {
                throw new ConfigException(file + ": no such file");
            }
            return whenMissing;
        }
        return loader.load(file);
    }

    /** The file's modification time and size, or a marker when it does not exist or cannot be read. */
    private Object stamp() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            return modified.toMillis() + "/" + Files.size(file);
        } catch (IOException e) {
            return MISSING;
        }
    }
}
