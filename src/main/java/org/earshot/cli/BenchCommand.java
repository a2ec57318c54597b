package org.earshot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot bench}: measurements that are printed, never asserted in tests. {@code bench journal} appends
 * detection-like entries to a fresh journal (default options: group-commit fsync, checkpoints every 1,000 entries),
 * from several threads at a fixed target rate on an open-loop schedule: entry k is due at k / rate seconds, and its
 * latency runs from that due time to the return of {@code append} (the entry on disk), so a stall that delays later
 * entries counts in their latency instead of hiding behind a slowed-down load generator (coordinated omission).
 * {@code --rate 0} appends as fast as the threads can (closed loop, latency from the call). Results go to standard
 * output, progress to standard error.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measurements (printed, never asserted).",
        subcommands = {BenchCommand.JournalBench.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    @Command(name = "journal", mixinStandardHelpOptions = true,
            description = "Journal append throughput and latency, each append fsync'd (group commit).")
    static final class JournalBench implements Callable<Integer> {
        @Option(names = "--rate", paramLabel = "N",
                description = "Target entries per second, open loop; 0 = as fast as possible (default: "
                        + "${DEFAULT-VALUE})")
        int rate = 1000;

        @Option(names = "--seconds", paramLabel = "S", description = "Measured duration (default: ${DEFAULT-VALUE})")
        int seconds = 30;

        @Option(names = "--warmup-seconds", paramLabel = "S",
                description = "Appended at the same rate before measuring, not counted (default: ${DEFAULT-VALUE})")
        int warmupSeconds = 2;

        @Option(names = "--threads", paramLabel = "N", description = "Appending threads (default: ${DEFAULT-VALUE})")
        int threads = 8;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "Where to write the journal (must not exist or be empty; kept). Default: a temporary"
                        + " directory, removed afterwards")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (rate < 0) {
                throw new BadInputException("--rate must be 0 (as fast as possible) or a positive rate, got " + rate);
            }
            if (seconds < 1 || warmupSeconds < 0 || threads < 1) {
                throw new BadInputException("--seconds and --threads must be at least 1, --warmup-seconds at least 0");
            }
            boolean temporary = dir == null;
            Path base = temporary ? Files.createTempDirectory("earshot-bench-journal") : prepare(dir);
            try {
                return measure(base);
            } finally {
                if (temporary) {
                    deleteRecursively(base);
                }
            }
        }

        private int measure(Path base) throws Exception {
            JournalKeys keys = JournalKeys.loadOrCreate(base.resolve("keys").resolve("journal.key"));
            Path journalDir = base.resolve("journal");
            String sample = entry(0, 0).toString();
            System.out.printf(Locale.ROOT, "journal append: %s, %d threads, %d s measured after %d s warm-up,"
                            + " entries of %d bytes of data, fsync on every append (group commit)%n",
                    rate == 0 ? "as fast as possible (closed loop, latency from the call)"
                            : "open loop at " + rate + " entries/s (latency from the scheduled time)",
                    threads, seconds, warmupSeconds, sample.length());
            System.out.println("directory: " + journalDir);

            Recorder[] recorders = new Recorder[threads];
            long fsyncsAtStart;
            long measuredEntries;
            long measuredNanos;
            long fsyncs;
            long entries;
            try (Journal journal = Journal.open(journalDir, Journal.Options.defaults(), keys,
                    () -> System.currentTimeMillis() * 1000, line -> { })) {
                long start = System.nanoTime() + Duration.ofMillis(50).toNanos();
                long measureFrom = start + Duration.ofSeconds(warmupSeconds).toNanos();
                long end = measureFrom + Duration.ofSeconds(seconds).toNanos();
                AtomicLong next = new AtomicLong();
                CountDownLatch done = new CountDownLatch(threads);
                List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                AtomicLong fsyncMark = new AtomicLong(-1);
                for (int t = 0; t < threads; t++) {
                    Recorder recorder = new Recorder();
                    recorders[t] = recorder;
                    Thread thread = new Thread(() -> {
                        try {
                            appendUntil(journal, next, start, measureFrom, end, recorder, fsyncMark);
                        } catch (IOException | RuntimeException e) {
                            errors.add(e);
                        } finally {
                            done.countDown();
                        }
                    }, "bench-append-" + t);
                    thread.start();
                }
                Thread progress = progressReporter(journal, start, end, done);
                done.await();
                progress.interrupt();
                if (!errors.isEmpty()) {
                    throw new IOException("an append failed: " + errors.get(0), errors.get(0));
                }
                fsyncs = journal.fsyncCount();
                fsyncsAtStart = Math.max(0, fsyncMark.get());
                entries = journal.size();
                measuredEntries = Arrays.stream(recorders).mapToLong(r -> r.count).sum();
                measuredNanos = Arrays.stream(recorders).mapToLong(r -> r.lastDone).max().orElse(end) - measureFrom;
            }
            long[] all = merge(recorders);
            double secondsMeasured = measuredNanos / 1e9;
            System.out.printf(Locale.ROOT, "appended: %d entries in %.2f s measured: %.1f entries/s%n",
                    measuredEntries, secondsMeasured, measuredEntries / secondsMeasured);
            long measuredFsyncs = fsyncs - fsyncsAtStart;
            System.out.printf(Locale.ROOT, "fsyncs: %d while measuring (%.2f entries per fsync; %d in all for %d"
                    + " entries)%n", measuredFsyncs, measuredEntries / (double) Math.max(1, measuredFsyncs), fsyncs,
                    entries);
            System.out.printf(Locale.ROOT, "append latency (ms): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                    ms(percentile(all, 50)), ms(percentile(all, 90)), ms(percentile(all, 99)),
                    ms(percentile(all, 99.9)), ms(all.length == 0 ? 0 : all[all.length - 1]));
            if (rate > 0) {
                long late = Arrays.stream(recorders).mapToLong(r -> r.startedLate).sum();
                System.out.printf(Locale.ROOT, "appends started more than 1 ms after their scheduled time: %d"
                        + " (all threads were busy: the load generator kept the schedule, this is queueing)%n", late);
            }
            JournalVerifier.Report report = JournalVerifier.verify(journalDir, null, keys.publicKey(), null);
            System.out.println("journal verifies: " + (report.ok() ? "yes, " + report.entries() + " entries"
                    : "NO: " + report.failure()));
            return report.ok() ? 0 : Earshot.EXIT_FAILURE;
        }

        private void appendUntil(Journal journal, AtomicLong next, long start, long measureFrom, long end,
                                 Recorder recorder, AtomicLong fsyncMark) throws IOException {
            long intervalNanos = rate == 0 ? 0 : 1_000_000_000L / rate;
            long remainderNanos = rate == 0 ? 0 : 1_000_000_000L % rate;
            while (true) {
                long k = next.getAndIncrement();
                long due;
                if (rate > 0) {
                    due = start + k * intervalNanos + k * remainderNanos / rate;
                    if (due >= end) {
                        return;
                    }
                    // The schedule, not the previous append's return, decides when to send: open loop.
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                } else {
                    due = System.nanoTime();
                    if (due >= end) {
                        return;
                    }
                }
                if (due >= measureFrom) {
                    fsyncMark.compareAndSet(-1, journal.fsyncCount());
                }
                long called = System.nanoTime();
                journal.append("detection", entry(k, System.currentTimeMillis()));
                long returned = System.nanoTime();
                if (due >= measureFrom) {
                    recorder.add(returned - due, returned);
                    if (rate > 0 && called - due > 1_000_000) {
                        recorder.startedLate++;
                    }
                }
            }
        }

        private Thread progressReporter(Journal journal, long start, long end, CountDownLatch done) {
            Thread thread = new Thread(() -> {
                try {
                    while (!done.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        System.err.printf(Locale.ROOT, "bench journal: %.0f s of %.0f, %d entries, %d fsyncs%n",
                                (System.nanoTime() - start) / 1e9, (end - start) / 1e9, journal.size(),
                                journal.fsyncCount());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-progress");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        /** A detection as the service journals it, about 400 bytes. */
        static JsonObject entry(long k, long epochMillis) {
            JsonObject data = new JsonObject();
            data.addProperty("sensor", String.format(Locale.ROOT, "sensor-%04d", k % 1000));
            data.addProperty("site", "north-square");
            data.addProperty("class", k % 3 == 0 ? "shout" : k % 3 == 1 ? "glass_break" : "impact");
            data.addProperty("onset_ms", epochMillis - 1250);
            data.addProperty("offset_ms", epochMillis - 310);
            data.addProperty("confidence", 0.5 + (k % 500) / 1000.0);
            data.addProperty("peak_confidence", 0.6 + (k % 400) / 1000.0);
            data.addProperty("laeq_db", 61.4 + (k % 200) / 10.0);
            data.addProperty("lcpeak_db", 92.1 + (k % 100) / 10.0);
            data.addProperty("model", "earshot-v2");
            data.addProperty("model_sha256", "3f9a1c0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf0246a");
            data.addProperty("thresholds", "shout=0.62,glass_break=0.71,impact=0.58");
            data.addProperty("first_frame", k * 10);
            data.addProperty("last_frame", k * 10 + 9);
            JsonArray windows = new JsonArray();
            for (int w = 0; w < 4; w++) {
                windows.add(0.41 + w * 0.1);
            }
            data.add("window_scores", windows);
            data.addProperty("alert", k % 2 == 0);
            return data;
        }

        private static Path prepare(Path dir) throws IOException {
            if (Files.exists(dir)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw new BadInputException(dir + ": not empty (the benchmark needs a fresh journal)");
                    }
                }
            }
            return Files.createDirectories(dir);
        }

        private static void deleteRecursively(Path dir) throws IOException {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }

        private static long[] merge(Recorder[] recorders) {
            long[] all = new long[Arrays.stream(recorders).mapToInt(r -> r.count).sum()];
            int at = 0;
            for (Recorder r : recorders) {
                System.arraycopy(r.latencies, 0, all, at, r.count);
                at += r.count;
            }
            Arrays.sort(all);
            return all;
        }

        /** Nearest-rank percentile of sorted values. */
        static long percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            int rank = (int) Math.ceil(p / 100 * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }
    }

    /** One thread's latencies (no sharing, so recording costs no synchronisation). */
    private static final class Recorder {
        long[] latencies = new long[1 << 14];
        int count;
        long lastDone;
        long startedLate;

        void add(long latencyNanos, long doneNanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = latencyNanos;
            lastDone = Math.max(lastDone, doneNanos);
        }
    }
}
