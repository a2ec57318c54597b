package org.earshot.journal;

import com.google.gson.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Journals for tests: a key pair, a clock the test sets, small segments, and line-level access to the files. */
public final class JournalFixture {
    /** Starts 2026-11-01; each read moves it on 1 ms, so entries get distinct, increasing times. */
    public final AtomicLong clock = new AtomicLong(1_793_491_200_000_000L);
    public final JournalKeys keys;
    public final Path dir;

    public JournalFixture(Path root) throws IOException {
        this.keys = JournalKeys.loadOrCreate(root.resolve("keys").resolve("journal.key"));
        this.dir = root.resolve("journal");
    }

    public Path publicKeyFile() {
        return JournalKeys.publicKeyFile(dir.getParent().resolve("keys").resolve("journal.key"));
    }

    public static Journal.Options options(int segmentMaxEntries, int checkpointEvery) {
        return new Journal.Options(segmentMaxEntries, Duration.ofDays(1), checkpointEvery, Duration.ofHours(1));
    }

    public Journal open(Journal.Options options) throws IOException, JournalFormatException {
        return open(dir, options, new ArrayList<>());
    }

    public Journal open(Path journalDir, Journal.Options options, List<JournalLine> replayed)
            throws IOException, JournalFormatException {
        return Journal.open(journalDir, options, keys, () -> clock.addAndGet(1000), replayed::add);
    }

    /** A journal of {@code n} detections in segments of {@code segmentMaxEntries}, closed (so with a final checkpoint). */
    public void write(int n, int segmentMaxEntries) throws IOException, JournalFormatException {
        try (Journal journal = open(options(segmentMaxEntries, 1000))) {
            for (int i = 0; i < n; i++) {
                journal.append("detection", detection(i));
            }
        }
    }

    public static JsonObject detection(int i) {
        JsonObject data = new JsonObject();
        data.addProperty("sensor", "sensor-" + (i % 7));
        data.addProperty("class", i % 3 == 0 ? "shout" : i % 3 == 1 ? "glass_break" : "impact");
        data.addProperty("confidence", 0.5 + (i % 50) / 100.0);
        data.addProperty("n", i);
        return data;
    }

    public Path segment(long firstSeq) {
        return dir.resolve(Journal.segmentName(firstSeq));
    }

    /** The lines of a file, without their newlines; a last line without one is kept as it is. */
    public static List<byte[]> lines(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                out.add(java.util.Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        if (start < all.length) {
            out.add(java.util.Arrays.copyOfRange(all, start, all.length));
        }
        return out;
    }

    /** Writes lines, each ended by a newline. */
    public static void writeLines(Path file, List<byte[]> lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\n');
        }
        Files.write(file, out.toByteArray());
    }

    /** Every segment file of the journal, in order. */
    public List<Path> segments() throws IOException {
        try (var stream = Files.list(dir)) {
            return stream.filter(p -> Journal.SEGMENT_NAME.matcher(p.getFileName().toString()).matches()).sorted()
                    .toList();
        }
    }
}
