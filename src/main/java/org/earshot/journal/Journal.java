package org.earshot.journal;

import org.earshot.config.PrivateFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only journal: entries ({@link JournalLine}) in segment files {@code segment-<first seq>.jsonl} of one
 * directory, hash-chained and under an RFC 6962 Merkle tree ({@link MerkleLog}), with Ed25519-signed checkpoints in
 * {@code checkpoints.jsonl}. {@link #append} returns only once the entry is on disk ({@code fsync}); appends from
 * many threads share each fsync (group commit), so throughput is not bounded by the disk's sync rate.
 *
 * <p>Opening a journal replays and checks every entry (sequence, chain, data hashes, checkpoint signatures and roots).
 * A torn last line, what a crash during a write leaves, was never acknowledged: it is cut off and a {@code recovery}
 * entry records how many bytes went. Damage anywhere else, or a checkpoint the entries no longer match (a rollback),
 * stops the opening with a message naming the entry: the service does not write after a past it cannot vouch for.
 * Retention deletes the data of old entries in closed segments, after a {@code redaction} entry that lists them; the
 * headers, and so the tree, stay. Only one process may open a directory (a lock file guards it).
 */
public final class Journal implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    public static final String CHECKPOINTS_FILE = "checkpoints.jsonl";
    public static final String LOCK_FILE = "journal.lock";
    static final Pattern SEGMENT_NAME = Pattern.compile("segment-([0-9]{20})\\.jsonl");
    /** Entries whose data is larger than this (UTF-8 bytes) are refused: the journal holds records, not bulk data. */
    public static final int MAX_ENTRY_BYTES = 64 * 1024;
    /**
     * Directories open in this JVM. The lock file alone cannot tell: its POSIX lock belongs to the process, so a
     * second open here would not see it, and closing that second open's channel would drop the lock of the first.
     */
    private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    /** Entry types the journal itself writes. */
    public static final String TYPE_RECOVERY = "recovery";
    public static final String TYPE_REDACTION = "redaction";
    public static final String TYPE_KEY_CHANGE = "key_change";
    /**
     * Entry types the service writes whose place the journal must know to tell which signed checkpoints must exist
     * ({@link SignedHistory}): a run opens with {@code config_sensors}/{@code config} (when the configuration
     * changed) and {@code start}, and ends cleanly with {@code stop}; a {@code config} entry's settings record the
     * checkpoint rate and the retention the run used ({@link RecordedConfig}).
     */
    public static final String TYPE_CONFIG = "config";
    public static final String TYPE_CONFIG_SENSORS = "config_sensors";
    public static final String TYPE_START = "start";
    public static final String TYPE_STOP = "stop";

    /**
     * @param segmentMaxEntries a segment is closed once it has this many entries
     * @param segmentMaxAge     ... or once its first entry is this old (retention works on closed segments)
     * @param checkpointEvery   a checkpoint is signed after this many new entries
     * @param checkpointInterval ... and at this interval whenever there are new entries
     */
    public record Options(int segmentMaxEntries, Duration segmentMaxAge, int checkpointEvery,
                          Duration checkpointInterval) {
        public static final int DEFAULT_SEGMENT_MAX_ENTRIES = 100_000;
        public static final Duration DEFAULT_SEGMENT_MAX_AGE = Duration.ofDays(1);
        public static final int DEFAULT_CHECKPOINT_EVERY = 1000;
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(60);

        public Options {
            if (segmentMaxEntries < 1 || checkpointEvery < 1) {
                throw new IllegalArgumentException("segment and checkpoint sizes must be at least 1");
            }
            if (segmentMaxAge.isNegative() || segmentMaxAge.isZero() || checkpointInterval.isNegative()
                    || checkpointInterval.isZero()) {
                throw new IllegalArgumentException("segment age and checkpoint interval must be positive");
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_SEGMENT_MAX_ENTRIES, DEFAULT_SEGMENT_MAX_AGE, DEFAULT_CHECKPOINT_EVERY,
                    DEFAULT_CHECKPOINT_INTERVAL);
        }
    }

    /** An entry that is on disk: its sequence number (= leaf index), time and leaf hash. */
    public record Appended(long seq, long timeMicros, byte[] leafHash) {}

    private record Segment(long firstSeq, Path path) {}

    private final Path dir;
    private final Options options;
    private final JournalKeys keys;
    private final LongSupplier clockMicros;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ScheduledExecutorService scheduler;
    private final List<Consumer<JournalLine>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Checkpoint>> checkpointListeners = new CopyOnWriteArrayList<>();

    // Guarded by "this": the write side and the in-memory index.
    private final MerkleLog tree = new MerkleLog();
    private final List<Segment> segments = new ArrayList<>();
    private long[] offsets = new long[1024];
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    /** Every {@code config} entry's journal settings, in order (few: one per configuration change). */
    private final List<RecordedConfig> configs = new ArrayList<>();
    private volatile Checkpoint latestCheckpoint;
    private FileChannel current;
    private long currentBytes;
    private long currentFirstTime;
    private long lastTime;
    private byte[] lastLeaf = JournalLine.ZERO_HASH;
    private final List<FileChannel> retired = new ArrayList<>();
    private IOException failure;
    private boolean closed;
    /** failure != null || closed, readable without the lock (health checks run on event loops). */
    private volatile boolean unhealthy;
    private volatile boolean closing;
    private volatile boolean checkpointFailed;
    private volatile long lastPeriodicNanos = System.nanoTime();

    // Guarded by syncLock: one fsync at a time; entries below "durable" are on disk.
    private final Object syncLock = new Object();
    private volatile long durable;
    /** Group commits so far: how many appends shared each fsync is what the benchmark reports. */
    private final AtomicLong syncs = new AtomicLong();
    private final Object checkpointLock = new Object();
    private final Object notifyLock = new Object();
    private final java.util.TreeMap<Long, JournalLine> toNotify = new java.util.TreeMap<>();
    private long notified;
    /** One retention run at a time: two would list, and rewrite, the same entries. */
    private final Object redactLock = new Object();

    private final Path openKey;

    private Journal(Path dir, Options options, JournalKeys keys, LongSupplier clockMicros, FileChannel lockChannel,
                    FileLock lock, Path openKey) {
        this.dir = dir;
        this.openKey = openKey;
        this.options = options;
        this.keys = keys;
        this.clockMicros = clockMicros;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "journal-checkpoints");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) the journal in {@code dir}, replaying every entry into {@code replay} (in order, on this
     * thread) so callers can build their indexes, then starts signing checkpoints.
     *
     * @throws JournalFormatException when the journal is damaged other than by a torn last line, or does not
     *                                match its own signed checkpoints
     */
    public static Journal open(Path dir, Options options, JournalKeys keys, LongSupplier clockMicros,
                               Consumer<JournalLine> replay) throws IOException, JournalFormatException {
        PrivateFiles.createDirectories(dir); // owner-only: entries hold remote addresses
        Path openKey = dir.toRealPath();
        if (!OPEN_IN_THIS_JVM.add(openKey)) {
            throw new JournalLockedException("journal " + dir + " is already open in this process");
        }
        FileChannel lockChannel;
        FileLock lock;
        try {
            lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), java.util.Set.of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE), PrivateFiles.ownerOnlyFile(dir));
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                lockChannel.close();
                throw new JournalLockedException("journal " + dir + " is in use by another process (" + LOCK_FILE
                        + " is locked)");
            }
        } catch (IOException | RuntimeException e) {
            OPEN_IN_THIS_JVM.remove(openKey);
            throw e;
        }
        Journal journal = new Journal(dir, options, keys, clockMicros, lockChannel, lock, openKey);
        try {
            journal.recover(replay);
        } catch (IOException | JournalFormatException | RuntimeException e) {
            journal.closeFilesAfterFailedOpen();
            throw e;
        }
        long period = Math.max(1, options.checkpointInterval().toMillis());
        journal.scheduler.scheduleWithFixedDelay(journal::periodicCheckpoint, period, period, TimeUnit.MILLISECONDS);
        return journal;
    }

    public Path directory() {
        return dir;
    }

    /**
     * Called once per entry after it is durable, in sequence order, on one of the appending threads; must be quick
     * and must not append.
     */
    public void addListener(Consumer<JournalLine> listener) {
        listeners.add(listener);
    }

    /**
     * Called with each checkpoint once it is signed and on disk (on the signing thread; must be quick), so that it
     * can be published where auditors keep it.
     */
    public void addCheckpointListener(Consumer<Checkpoint> listener) {
        checkpointListeners.add(listener);
    }

    /**
     * Appends one entry and returns once it is on disk. {@code data} is a JSON object (at most {@link
     * #MAX_ENTRY_BYTES} when serialised).
     *
     * @throws IOException when the journal cannot write (disk full, I/O error): from then on every append fails
     *                     the same way, and {@link #healthy()} is false, until the service is restarted
     */
    public Appended append(String type, JsonObject data) throws IOException {
        JournalLine line = write(type, data.toString(), TYPE_CONFIG.equals(type) ? data : null, Long.MIN_VALUE);
        return afterWrite(line);
    }

    /** One entry of {@link #appendAll}. */
    public record Entry(String type, JsonObject data) {}

    /**
     * Appends entries in order and returns once all of them are on disk, with one fsync for the lot (a writer that
     * journals records in batches, the cluster's journal writer, does not wait for the disk once per entry).
     * Listeners and checkpoints see each entry as after {@link #append}.
     *
     * @throws IOException as {@link #append}; entries written before the failure may be on disk
     */
    public List<Appended> appendAll(List<Entry> entries) throws IOException {
        List<JournalLine> lines = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            lines.add(write(e.type(), e.data().toString(), TYPE_CONFIG.equals(e.type()) ? e.data() : null,
                    Long.MIN_VALUE));
        }
        List<Appended> appended = new ArrayList<>(lines.size());
        if (!lines.isEmpty()) {
            sync(lines.get(lines.size() - 1).seq() + 1);
        }
        for (JournalLine line : lines) {
            appended.add(afterSync(line));
        }
        return appended;
    }

    private Appended afterWrite(JournalLine line) throws IOException {
        sync(line.seq() + 1);
        return afterSync(line);
    }

    private Appended afterSync(JournalLine line) {
        notifyInOrder(line);
        Checkpoint signed = latestCheckpoint;
        if (line.seq() + 1 - (signed == null ? 0 : signed.treeSize()) >= 2L * options.checkpointEvery()) {
            // The scheduler is behind (a burst, a stalled disk): sign here, so that a crash can never leave more
            // than about 2N entries unsigned, which is what the verifier allows a crash to leave (SignedHistory).
            checkpointQuietly();
        } else if ((line.seq() + 1) % options.checkpointEvery() == 0) {
            try {
                scheduler.execute(this::checkpointQuietly);
            } catch (RejectedExecutionException e) {
                // The journal is closing, and close() signs a checkpoint of everything durable.
                LOG.debug("journal {}: closing, entry {} is left to the closing checkpoint", dir, line.seq());
            }
        }
        return new Appended(line.seq(), line.timeMicros(), line.leafHash());
    }

    /**
     * Listeners see entries in sequence order, each once, although appending threads finish their fsyncs in any
     * order: a durable entry waits here until every entry before it has been handed on (by whichever thread).
     */
    private void notifyInOrder(JournalLine line) {
        synchronized (notifyLock) {
            toNotify.put(line.seq(), line);
            while (!toNotify.isEmpty() && toNotify.firstKey() == notified) {
                JournalLine next = toNotify.pollFirstEntry().getValue();
                notified++;
                for (Consumer<JournalLine> listener : listeners) {
                    try {
                        listener.accept(next);
                    } catch (RuntimeException e) {
                        LOG.error("journal listener failed on entry {}: {}", next.seq(), e.toString());
                    }
                }
            }
        }
    }

    /**
     * @param config         the data of a {@code config} entry (its settings are tracked), else null
     * @param redactedBefore the cutoff of a {@code redaction} entry, checked against the entry's own time and the
     *                       recorded retention; {@link Long#MIN_VALUE} for other entries
     */
    private synchronized JournalLine write(String type, String data, JsonObject config, long redactedBefore)
            throws IOException {
        if (closed) {
            throw new IOException("journal " + dir + " is closed");
        }
        if (failure != null) {
            throw new IOException("journal " + dir + " failed earlier and takes no more entries: " + failure);
        }
        long seq = tree.size();
        long time = Math.max(clockMicros.getAsLong(), lastTime);
        if (redactedBefore != Long.MIN_VALUE) {
            checkRetention(redactedBefore, time);
        }
        JournalLine line = JournalLine.create(seq, time, type, lastLeaf, data);
        // Bytes, not characters: the limit is on what goes to disk, and a character can take up to 3 bytes.
        if (line.data().length > MAX_ENTRY_BYTES) {
            throw new IllegalArgumentException("journal entry data of " + line.data().length + " bytes exceeds the"
                    + " limit of " + MAX_ENTRY_BYTES + " bytes");
        }
        try {
            if (current == null || seq - segments.get(segments.size() - 1).firstSeq() >= options.segmentMaxEntries()
                    || time - currentFirstTime >= options.segmentMaxAge().toNanos() / 1000) {
                startSegment(seq, time);
            }
            byte[] bytes = line.bytes();
            ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
            long offset = currentBytes;
            while (buffer.hasRemaining()) {
                current.write(buffer);
            }
            currentBytes += bytes.length + 1;
            setOffset(seq, offset);
        } catch (IOException e) {
            failure = e;
            unhealthy = true;
            LOG.error("journal {}: write failed, no further entries are accepted: {}", dir, e.toString());
            throw e;
        }
        tree.append(line.leafHash());
        lastLeaf = line.leafHash();
        lastTime = time;
        if (config != null) {
            configs.add(RecordedConfig.of(seq, config));
        }
        return line;
    }

    /**
     * A redaction may delete only data older than the retention the journal recorded ({@code retention_days} of the
     * last {@code config} entry; none if that is 0), counted back from the redaction entry's own time; with no
     * retention recorded, at least nothing written after the entry. The verifier holds every redaction to the same.
     */
    private void checkRetention(long before, long entryTime) {
        Integer days = configs.isEmpty() ? null : configs.get(configs.size() - 1).retentionDays();
        if (days != null && days == 0) {
            throw new IllegalArgumentException("the recorded retention is 0 (keep forever): no data may be deleted");
        }
        long latest = days == null ? entryTime : entryTime - days * 86_400_000_000L;
        if (before > latest) {
            throw new IllegalArgumentException("a redaction up to " + before + " would delete data younger than the"
                    + " recorded retention" + (days == null ? "" : " of " + days + " days") + " allows (up to "
                    + latest + ")");
        }
    }

    /** Blocks until the first {@code count} entries are on disk; one caller forces for everyone waiting. */
    private void sync(long count) throws IOException {
        // An entry that the fsync just finished already covered needs no turn at the lock to find that out.
        if (durable >= count) {
            return;
        }
        synchronized (syncLock) {
            if (durable >= count) {
                return;
            }
            long target;
            List<FileChannel> toForce;
            synchronized (this) {
                if (failure != null) {
                    throw new IOException("journal " + dir + " failed: " + failure);
                }
                target = tree.size();
                toForce = new ArrayList<>(retired);
                retired.clear();
                toForce.add(current);
            }
            try {
                for (FileChannel c : toForce) {
                    c.force(false);
                }
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    unhealthy = true;
                }
                LOG.error("journal {}: fsync failed, no further entries are accepted: {}", dir, e.toString());
                throw e;
            }
            syncs.incrementAndGet();
            for (int i = 0; i < toForce.size() - 1; i++) {
                toForce.get(i).close();
            }
            durable = target;
        }
    }

    private void startSegment(long firstSeq, long time) throws IOException {
        if (current != null) {
            retired.add(current);
        }
        Path path = dir.resolve(segmentName(firstSeq));
        current = FileChannel.open(path, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PrivateFiles.ownerOnlyFile(dir));
        forceDirectory();
        segments.add(new Segment(firstSeq, path));
        currentBytes = 0;
        currentFirstTime = time;
    }

    public static String segmentName(long firstSeq) {
        return String.format("segment-%020d.jsonl", firstSeq);
    }

    /** Number of entries (the tree size), durable or about to be. */
    public synchronized long size() {
        return tree.size();
    }

    /** Number of entries on disk: {@link #read} returns entries below it. */
    public long durableSize() {
        return durable;
    }

    /** How many times appends forced the segment files to disk (each fsync covers all appends waiting for it). */
    public long fsyncCount() {
        return syncs.get();
    }

    /** Whether the journal accepts entries (false after a write or fsync error, or once closed). Lock-free. */
    public boolean healthy() {
        return !unhealthy;
    }

    public synchronized byte[] root(long treeSize) {
        return tree.root(toInt(treeSize));
    }

    public synchronized byte[] leafHash(long seq) {
        return tree.leaf(toInt(seq));
    }

    public synchronized List<byte[]> inclusionProof(long seq, long treeSize) {
        return tree.inclusionProof(toInt(seq), toInt(treeSize));
    }

    public synchronized List<byte[]> consistencyProof(long oldSize, long newSize) {
        return tree.consistencyProof(toInt(oldSize), toInt(newSize));
    }

    public synchronized List<Checkpoint> checkpoints() {
        return List.copyOf(checkpoints);
    }

    /** The newest signed checkpoint, or null before the first one. Lock-free: metrics read it from event loops. */
    public Checkpoint latestCheckpoint() {
        return latestCheckpoint;
    }

    /** The public half of the checkpoint key, for /journal endpoints and {@code earshot verify}. */
    public java.security.PublicKey publicKey() {
        return keys.publicKey();
    }

    /**
     * Reads up to {@code max} entries from {@code fromSeq} on, as stored (redacted ones without data), only durable
     * ones. Reads the files, outside the journal's lock.
     */
    public List<JournalLine> read(long fromSeq, int max) throws IOException {
        List<JournalLine> out = new ArrayList<>();
        long seq = Math.max(0, fromSeq);
        while (out.size() < max) {
            long end = durable;
            if (seq >= end) {
                break;
            }
            long upTo = Math.min(end, seq + (max - out.size()));
            // readRange stops at the end of a segment, so the next read starts after what it returned.
            List<JournalLine> lines = readRange(seq, upTo);
            if (lines.isEmpty()) {
                break;
            }
            out.addAll(lines);
            seq += lines.size();
        }
        return out;
    }

    /** One durable entry. */
    public JournalLine read(long seq) throws IOException {
        List<JournalLine> one = read(seq, 1);
        if (one.isEmpty() || one.get(0).seq() != seq) {
            throw new IllegalArgumentException("no entry " + seq + " (the journal has " + durable + ")");
        }
        return one.get(0);
    }

    private List<JournalLine> readRange(long from, long to) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path path;
            long start;
            long stop;
            long segmentEnd;
            synchronized (this) {
                int s = segmentIndex(from);
                Segment segment = segments.get(s);
                path = segment.path();
                segmentEnd = s + 1 < segments.size() ? segments.get(s + 1).firstSeq() : tree.size();
                to = Math.min(to, segmentEnd);
                start = offsets[toInt(from)];
                stop = to < segmentEnd ? offsets[toInt(to)] : -1;
            }
            try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
                long length = (stop < 0 ? in.size() : stop) - start;
                ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(length));
                while (buffer.hasRemaining() && in.read(buffer, start + buffer.position()) >= 0) {
                    // read until full or end of file
                }
                List<JournalLine> lines = new ArrayList<>();
                byte[] bytes = buffer.array();
                int lineStart = 0;
                long seq = from;
                for (int i = 0; i < buffer.position() && seq < to; i++) {
                    if (bytes[i] == '\n') {
                        lines.add(JournalLine.parse(Arrays.copyOfRange(bytes, lineStart, i), seq));
                        lineStart = i + 1;
                        seq++;
                    }
                }
                if (lines.size() == to - from && (lines.isEmpty() || lines.get(0).seq() == from)) {
                    return lines;
                }
                throw new JournalFormatException(from, "short read");
            } catch (JournalFormatException e) {
                // A retention rewrite may have replaced the file between the lookup and the read: look up again.
                if (attempt >= 2) {
                    throw new IOException("journal " + dir + ": cannot read entries " + from + ".." + (to - 1) + ": "
                            + e.getMessage());
                }
            }
        }
    }

    private int segmentIndex(long seq) {
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).firstSeq() <= seq) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Signs a checkpoint of every durable entry now, if there are entries since the last one; returns the newest
     * checkpoint (null for an empty journal).
     */
    public Checkpoint checkpoint() throws IOException {
        synchronized (checkpointLock) {
            long size = durable;
            Checkpoint last = latestCheckpoint();
            if (size == 0 || (last != null && last.treeSize() >= size)) {
                return last;
            }
            byte[] root;
            long time;
            synchronized (this) {
                root = tree.root(toInt(size));
                time = Math.max(clockMicros.getAsLong(), last == null ? 0 : last.timeMicros());
            }
            Checkpoint checkpoint = Checkpoint.sign(size, root, time, keys);
            byte[] line = (checkpoint.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel out = FileChannel.open(dir.resolve(CHECKPOINTS_FILE), java.util.Set.of(
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                    PrivateFiles.ownerOnlyFile(dir))) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(false);
            }
            synchronized (this) {
                checkpoints.add(checkpoint);
                latestCheckpoint = checkpoint;
            }
            for (Consumer<Checkpoint> listener : checkpointListeners) {
                try {
                    listener.accept(checkpoint);
                } catch (RuntimeException e) {
                    LOG.error("journal checkpoint listener failed on the checkpoint of size {}: {}",
                            checkpoint.treeSize(), e.toString());
                }
            }
            return checkpoint;
        }
    }

    private void checkpointQuietly() {
        try {
            checkpoint();
            checkpointFailed = false;
        } catch (IOException | RuntimeException | Error e) {
            // Not even an Error may escape: the scheduler would cancel the periodic task, silently, for good.
            checkpointFailed = true;
            LOG.error("journal {}: cannot write a checkpoint: {}", dir, e.toString());
        }
    }

    /** The periodic task: signs if there is anything new, and shows that it still runs. */
    private void periodicCheckpoint() {
        lastPeriodicNanos = System.nanoTime();
        checkpointQuietly();
    }

    /**
     * For the health check: false while the last attempt to sign a checkpoint failed, or when the periodic
     * checkpoint task has not run for three of its intervals (plus ten seconds of slack), as if its thread had died.
     */
    public boolean checkpointsHealthy() {
        if (checkpointFailed) {
            return false;
        }
        long allowed = 3 * Math.max(1, options.checkpointInterval().toNanos()) + 10_000_000_000L;
        return closing || System.nanoTime() - lastPeriodicNanos <= allowed;
    }

    /**
     * Retention: deletes the data of entries of the given types written before {@code cutoffMicros}, in closed
     * segments only. First appends (durably) a {@code redaction} entry that lists the sequence ranges and the
     * reason, then rewrites each affected segment (a new file, fsync, atomic rename). Entries already redacted are
     * skipped, so running it again is harmless, also after a crash between the entry and the rewrite.
     *
     * @return the number of entries whose data was deleted
     * @throws IllegalArgumentException for the type {@code redaction}: those entries are the record of what was
     *                                  deleted, and without them the journal would no longer verify
     */
    public long redact(long cutoffMicros, Set<String> types, String reason) throws IOException {
        if (types.contains(TYPE_REDACTION)) {
            throw new IllegalArgumentException("retention cannot delete the data of " + TYPE_REDACTION + " entries:"
                    + " they record what retention deleted");
        }
        synchronized (redactLock) {
            return redactLocked(cutoffMicros, types, reason);
        }
    }

    private long redactLocked(long cutoffMicros, Set<String> types, String reason) throws IOException {
        List<Segment> closedSegments;
        synchronized (this) {
            closedSegments = new ArrayList<>(segments.subList(0, Math.max(0, segments.size() - 1)));
        }
        List<long[]> ranges = new ArrayList<>();
        // Exactly the entries the redaction entry lists: an entry of a closed segment that became durable only
        // after this scan must not lose its data unlisted (the verifier would rightly call that a deletion).
        Map<Segment, Set<Long>> touched = new LinkedHashMap<>();
        for (Segment segment : closedSegments) {
            long end = segmentEnd(segment);
            for (JournalLine line : read(segment.firstSeq(), Math.toIntExact(end - segment.firstSeq()))) {
                if (!line.redacted() && line.timeMicros() < cutoffMicros && types.contains(line.type())) {
                    addToRanges(ranges, line.seq());
                    touched.computeIfAbsent(segment, s -> new HashSet<>()).add(line.seq());
                }
            }
        }
        if (ranges.isEmpty()) {
            return 0;
        }
        JsonObject data = new JsonObject();
        data.addProperty("reason", reason);
        data.addProperty("before_us", cutoffMicros);
        JsonArray typeList = new JsonArray();
        types.stream().sorted().forEach(typeList::add);
        data.add("types", typeList);
        JsonArray rangeList = new JsonArray();
        long count = 0;
        for (long[] r : ranges) {
            JsonArray pair = new JsonArray();
            pair.add(r[0]);
            pair.add(r[1]);
            rangeList.add(pair);
            count += r[1] - r[0] + 1;
        }
        data.add("ranges", rangeList);
        afterWrite(write(TYPE_REDACTION, data.toString(), null, cutoffMicros));
        for (Map.Entry<Segment, Set<Long>> segment : touched.entrySet()) {
            rewriteRedacted(segment.getKey(), segment.getValue());
        }
        LOG.info("journal {}: retention deleted the data of {} entries before {} ({})", dir, count, cutoffMicros,
                reason);
        return count;
    }

    private synchronized long segmentEnd(Segment segment) {
        int i = segments.indexOf(segment);
        return i + 1 < segments.size() ? segments.get(i + 1).firstSeq() : tree.size();
    }

    private static void addToRanges(List<long[]> ranges, long seq) {
        if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] == seq - 1) {
            ranges.get(ranges.size() - 1)[1] = seq;
        } else {
            ranges.add(new long[] {seq, seq});
        }
    }

    private void rewriteRedacted(Segment segment, Set<Long> seqs) throws IOException {
        long end = segmentEnd(segment);
        List<JournalLine> lines = read(segment.firstSeq(), Math.toIntExact(end - segment.firstSeq()));
        Path tmp = segment.path().resolveSibling(segment.path().getFileName() + ".redacting");
        long[] newOffsets = new long[lines.size()];
        try (FileChannel out = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), PrivateFiles.ownerOnlyFile(dir))) {
            long position = 0;
            for (int i = 0; i < lines.size(); i++) {
                JournalLine line = lines.get(i);
                if (seqs.contains(line.seq())) {
                    line = line.withoutData();
                }
                byte[] bytes = line.bytes();
                ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
                newOffsets[i] = position;
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                position += bytes.length + 1;
            }
            out.force(true);
        }
        synchronized (this) {
            try {
                Files.move(tmp, segment.path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, segment.path(), StandardCopyOption.REPLACE_EXISTING);
            }
            System.arraycopy(newOffsets, 0, offsets, toInt(segment.firstSeq()), newOffsets.length);
        }
        forceDirectory();
    }

    // ---- recovery ----

    private void recover(Consumer<JournalLine> replay) throws IOException, JournalFormatException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "segment-*.jsonl")) {
            stream.forEach(files::add);
        }
        Collections.sort(files);
        long truncatedBytes = 0;
        Path tornSegment = null;
        long tornSegmentGoodBytes = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            Matcher m = SEGMENT_NAME.matcher(file.getFileName().toString());
            if (!m.matches()) {
                throw new JournalFormatException(tree.size(), file + ": not a segment file name");
            }
            long first = Long.parseLong(m.group(1));
            if (first != tree.size()) {
                throw new JournalFormatException(tree.size(), file + ": starts at entry " + first + " but the"
                        + " previous segments end at " + tree.size() + " (a segment is missing or misnamed)");
            }
            boolean last = f == files.size() - 1;
            segments.add(new Segment(first, file));
            long goodBytes = replaySegment(file, last, replay);
            long size = Files.size(file);
            if (goodBytes < size) {
                truncatedBytes = size - goodBytes;
                tornSegment = file;
                tornSegmentGoodBytes = goodBytes;
            }
            if (last) {
                currentBytes = goodBytes;
            }
        }
        durable = tree.size();
        notified = tree.size();
        // The checkpoints come before any repair: a journal that contradicts its own signed checkpoints (entries
        // cut off, the past rewritten) is refused and left exactly as it was found, for whoever investigates.
        recoverCheckpoints();
        removeUnfinishedRewrites();
        if (tornSegment != null) {
            try (FileChannel ch = FileChannel.open(tornSegment, StandardOpenOption.WRITE)) {
                ch.truncate(tornSegmentGoodBytes);
                ch.force(true);
            }
            LOG.warn("journal {}: cut off a torn last line of {} bytes in {} (a write interrupted by a crash;"
                    + " it was never acknowledged)", dir, truncatedBytes, tornSegment.getFileName());
        }
        // After the torn line is gone (it was never acknowledged, and reading it back would fail), before anything
        // is appended: a journal whose signed history is missing is refused as it was found.
        checkSignedHistory();
        if (!segments.isEmpty()) {
            Segment lastSegment = segments.get(segments.size() - 1);
            current = FileChannel.open(lastSegment.path(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            currentFirstTime = lastSegment.firstSeq() < tree.size()
                    ? read(lastSegment.firstSeq()).timeMicros() : lastTime;
        }
        if (tornSegment != null) {
            JsonObject data = new JsonObject();
            data.addProperty("segment", tornSegment.getFileName().toString());
            data.addProperty("truncated_bytes", truncatedBytes);
            data.addProperty("reason", "torn last line after an unclean stop");
            append(TYPE_RECOVERY, data);
        }
        String keyId = JournalKeys.keyId(keys.publicKey());
        if (latestCheckpoint != null && !latestCheckpoint.keyId().equals(keyId)) {
            // Auditors must learn from the journal itself that later checkpoints are signed by another key.
            JsonObject data = new JsonObject();
            data.addProperty("previous_key_id", latestCheckpoint.keyId());
            data.addProperty("key_id", keyId);
            data.addProperty("public_key", JournalKeys.pem("PUBLIC KEY", keys.publicKey().getEncoded()));
            append(TYPE_KEY_CHANGE, data);
            LOG.warn("journal {}: checkpoints were signed by key {}, from now on by key {} (key_change entry {})", dir,
                    latestCheckpoint.keyId(), keyId, tree.size() - 1);
        }
    }

    /** A retention rewrite interrupted by a crash leaves its temporary file; the segment itself is still whole. */
    private void removeUnfinishedRewrites() throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "segment-*.jsonl.redacting")) {
            for (Path leftover : stream) {
                LOG.warn("journal {}: removing {}, left by a retention rewrite that did not finish", dir,
                        leftover.getFileName());
                Files.delete(leftover);
            }
        }
    }

    /** Replays one segment; returns how many of its bytes are good (all but a torn last line of the last file). */
    private long replaySegment(Path file, boolean lastSegment, Consumer<JournalLine> replay)
            throws IOException, JournalFormatException {
        long position = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream lineBuffer = new ByteArrayOutputStream(512);
            int b;
            while (true) {
                lineBuffer.reset();
                while ((b = in.read()) >= 0 && b != '\n') {
                    lineBuffer.write(b);
                }
                if (b < 0) {
                    if (lineBuffer.size() == 0) {
                        return position;
                    }
                    if (lastSegment) {
                        return position; // no newline: the write never completed
                    }
                    throw new JournalFormatException(tree.size(), file.getFileName() + ": entry " + tree.size()
                            + " has no line end, but later segments exist");
                }
                byte[] bytes = lineBuffer.toByteArray();
                long seq = tree.size();
                JournalLine line;
                try {
                    line = JournalLine.parse(bytes, seq);
                } catch (JournalFormatException e) {
                    if (lastSegment && in.available() == 0 && in.read() < 0) {
                        return position; // a damaged final line: torn
                    }
                    throw new JournalFormatException(seq, file.getFileName() + ": " + e.getMessage());
                }
                checkChain(file, line, seq);
                if (TYPE_CONFIG.equals(line.type()) && !line.redacted()) {
                    configs.add(RecordedConfig.of(seq, parseConfig(line)));
                }
                setOffset(seq, position);
                tree.append(line.leafHash());
                lastLeaf = line.leafHash();
                lastTime = line.timeMicros();
                position += bytes.length + 1;
                replay.accept(line);
            }
        }
    }

    private void checkChain(Path file, JournalLine line, long seq) throws JournalFormatException {
        if (line.seq() != seq) {
            throw new JournalFormatException(seq, file.getFileName() + ": expected entry " + seq + ", found entry "
                    + line.seq() + " (entries deleted, reordered or duplicated)");
        }
        if (!MessageDigest.isEqual(line.prev(), lastLeaf)) {
            throw new JournalFormatException(seq, file.getFileName() + ": entry " + seq + " does not chain to entry "
                    + (seq - 1) + " (prev hash differs)");
        }
        if (line.timeMicros() < lastTime) {
            throw new JournalFormatException(seq, file.getFileName() + ": entry " + seq + " is dated before entry "
                    + (seq - 1));
        }
    }

    private void recoverCheckpoints() throws IOException, JournalFormatException {
        Path file = dir.resolve(CHECKPOINTS_FILE);
        if (!Files.exists(file)) {
            return;
        }
        byte[] all = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            Checkpoint c = Checkpoint.parse(new String(all, start, i - start, StandardCharsets.UTF_8));
            java.security.PublicKey signer = keys.verifierFor(c.keyId());
            if (signer == null || !c.verify(signer)) {
                throw new JournalFormatException(-1, file + ": checkpoint of size " + c.treeSize()
                        + " has no valid signature by this journal's key " + JournalKeys.keyId(keys.publicKey())
                        + (keys.retired().isEmpty() ? "" : " or a retired one") + " (it names key " + c.keyId()
                        + "; after replacing the signing key, put the old public key in "
                        + JournalKeys.RETIRED_DIR + "/ beside the new one)");
            }
            if (c.treeSize() > tree.size()) {
                throw new JournalFormatException(tree.size(), "journal " + dir + " has " + tree.size()
                        + " entries but its checkpoint signed " + c.treeSize() + ": entries were removed (rolled"
                        + " back or truncated)");
            }
            if (!MessageDigest.isEqual(tree.root(toInt(c.treeSize())), c.rootHash())) {
                throw new JournalFormatException(c.treeSize() - 1, "journal " + dir + ": the first " + c.treeSize()
                        + " entries do not match the signed checkpoint of that size (the past was rewritten)");
            }
            checkpoints.add(c);
            latestCheckpoint = c;
            start = i + 1;
        }
        if (start < all.length) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(start);
                ch.force(true);
            }
            LOG.warn("journal {}: cut off a torn last checkpoint line", dir);
        }
    }

    private static JsonObject parseConfig(JournalLine line) {
        try {
            return line.dataJson();
        } catch (RuntimeException e) {
            return null; // not an object: no settings recorded
        }
    }

    /**
     * The entries no signed checkpoint covers must be what a crash can leave ({@link SignedHistory}): otherwise the
     * checkpoints that would show a rewritten past were removed, and the service would sign over that past.
     */
    private void checkSignedHistory() throws IOException, JournalFormatException {
        long signed = latestCheckpoint == null ? 0 : latestCheckpoint.treeSize();
        SignedHistory rule = new SignedHistory(signed, lastConfigBefore(configs, signed));
        for (long seq = signed; seq < tree.size(); ) {
            List<JournalLine> lines = read(seq, 4096);
            if (lines.isEmpty()) {
                throw new IOException("journal " + dir + ": cannot read entry " + seq);
            }
            for (JournalLine line : lines) {
                try {
                    rule.accept(line.seq(), line.type(), line.timeMicros());
                } catch (JournalFormatException e) {
                    throw new JournalFormatException(e.seq(), "journal " + dir + ": " + e.getMessage());
                }
            }
            seq += lines.size();
        }
    }

    /** The last recorded configuration with an entry number below {@code size}, or null. */
    static RecordedConfig lastConfigBefore(List<RecordedConfig> configs, long size) {
        RecordedConfig last = null;
        for (RecordedConfig c : configs) {
            if (c.seq() < size) {
                last = c;
            }
        }
        return last;
    }

    private void setOffset(long seq, long offset) {
        int i = toInt(seq);
        if (i >= offsets.length) {
            offsets = Arrays.copyOf(offsets, Math.max(offsets.length * 2, i + 1));
        }
        offsets[i] = offset;
    }

    private void forceDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the entries themselves are still forced.
            LOG.debug("journal {}: cannot fsync the directory: {}", dir, e.toString());
        }
    }

    private static int toInt(long value) {
        if (value < 0 || value > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("journal position " + value + " is out of range");
        }
        return (int) value;
    }

    /** Signs a last checkpoint of everything durable, then closes the files. */
    @Override
    public void close() {
        boolean failed;
        synchronized (this) {
            // A second close, even a concurrent one, must not sign again or release a lock already released.
            if (closing) {
                return;
            }
            closing = true;
            failed = failure != null;
        }
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!failed) {
            checkpointQuietly();
        }
        synchronized (this) {
            closed = true;
            unhealthy = true;
            try {
                if (current != null) {
                    current.force(false);
                    current.close();
                }
                for (FileChannel c : retired) {
                    c.close();
                }
            } catch (IOException e) {
                LOG.warn("journal {}: closing: {}", dir, e.toString());
            }
        }
        releaseLock();
    }

    /** Waits until every checkpoint requested so far has been signed: the scheduler runs its tasks in order. */
    void awaitScheduledCheckpoints() throws InterruptedException, ExecutionException {
        scheduler.submit(() -> { }).get();
    }

    private void closeFilesAfterFailedOpen() {
        scheduler.shutdownNow();
        synchronized (this) {
            if (current != null) {
                try {
                    current.close();
                } catch (IOException e) {
                    LOG.warn("journal {}: closing after a failed open: {}", dir, e.toString());
                }
            }
        }
        releaseLock();
    }

    private void releaseLock() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("journal {}: releasing the lock: {}", dir, e.toString());
        } finally {
            OPEN_IN_THIS_JVM.remove(openKey);
        }
    }

    @Override
    public String toString() {
        return "Journal[" + dir + ", " + Objects.toString(size()) + " entries]";
    }
}
