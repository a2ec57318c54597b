package org.earshot.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the real servers that tests start ({@link InfluxServer}, {@link MosquittoBroker}) share: a registry of live
 * processes that a JVM shutdown hook kills, stopping (SIGTERM, then SIGKILL) and killing with a bounded wait, and
 * reading their log files for start-up checks and failure messages.
 */
final class ServerProcesses {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int TAIL_LINES = 40;
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    /** Servers a script started in the background (not children of this JVM): known by their pid only. */
    private static final Set<ProcessHandle> LIVE_HANDLES = ConcurrentHashMap.newKeySet();

    static {
        // A test that dies without closing its server must not leave the process behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LIVE.forEach(Process::destroyForcibly);
            LIVE_HANDLES.forEach(ProcessHandle::destroyForcibly);
        }, "test-server-cleanup"));
    }

    private ServerProcesses() {}

    /** Registers a started process, so that it is killed if the JVM exits before it is stopped. */
    static void track(Process process) {
        LIVE.add(process);
    }

    /** Registers a server that a script started, so that it is killed if the JVM exits before it is stopped. */
    static void track(ProcessHandle handle) {
        LIVE_HANDLES.add(handle);
    }

    /** A script-started server that was stopped. */
    static void untrack(ProcessHandle handle) {
        LIVE_HANDLES.remove(handle);
    }

    /** A process that exited by itself. */
    static void untrack(Process process) {
        LIVE.remove(process);
    }

    /** SIGTERM, then waits for it to exit (SIGKILL if it has not within 10 s). No-op for null. */
    static void stop(Process process, String name) {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            process.destroy();
            if (!waitFor(process, name)) {
                process.destroyForcibly();
                waitFor(process, name);
            }
        }
        LIVE.remove(process);
    }

    /** SIGKILL (no clean shutdown, like a crash or {@code kill -9}), then waits for it to exit. No-op for null. */
    static void kill(Process process, String name) {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            if (!waitFor(process, name)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for "
                        + STOP_TIMEOUT.toSeconds() + " s");
            }
        }
        LIVE.remove(process);
    }

    private static boolean waitFor(Process process, String name) {
        try {
            return process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for " + name + " to exit", e);
        }
    }

    /** The file's size, 0 when it does not exist (yet). */
    static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The file from byte {@code from} on, "" when it does not exist. */
    static String read(Path file, long from) {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (from >= length) {
                return "";
            }
            byte[] bytes = new byte[Math.toIntExact(length - from)];
            in.seek(from);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last 40 lines of a log, ending in a newline (for failure messages). */
    static String tail(String text) {
        List<String> lines = Arrays.asList(text.split("\n", -1));
        int from = Math.max(0, lines.size() - 1 - TAIL_LINES);
        String tail = String.join("\n", lines.subList(from, lines.size()));
        return tail.isEmpty() || tail.endsWith("\n") ? tail : tail + "\n";
    }

    /** One poll interval of {@link Await}. */
    static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(Await.POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
