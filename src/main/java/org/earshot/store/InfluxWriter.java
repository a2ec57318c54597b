package org.earshot.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import okhttp3.OkHttpClient;
import org.earshot.pipeline.LevelReading;
import org.earshot.pipeline.LevelSink;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBException;
import org.influxdb.InfluxDBFactory;
import org.influxdb.InfluxDBIOException;
import org.influxdb.dto.BatchPoints;
import org.influxdb.dto.Point;
import org.influxdb.dto.Query;
import org.influxdb.dto.QueryResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes detections, sound levels and sensor health to InfluxDB 1.x (or the 1.x-compatible API of 1.8 and 2.x) on
 * one daemon thread of its own, so that neither the pipeline nor an event loop ever waits for InfluxDB.
 *
 * <p>Detections are not handed to it: it reads them from the journal ({@link DetectionSource}) starting at the
 * position saved in {@link InfluxSettings#positionFile()}, writes a batch, then saves the position after it. While
 * InfluxDB is unreachable the position simply stays put and the journal keeps the detections, so nothing is lost and
 * nothing is held in memory; when InfluxDB is back the writer catches up. A crash between a write and the position
 * save rewrites that batch, which overwrites the same points (see {@link InfluxPoints}) instead of duplicating them.
 * {@link #detectionsAppended()} wakes the writer when the journal has new detections; it also polls every
 * {@link InfluxSettings#flushInterval()} in case a notification is missed.
 *
 * <p>Levels arrive through {@link #accept(LevelReading)} on pipeline threads, which never block: they go into a
 * buffer of at most {@link InfluxSettings#levelBufferBound()} points, and when it is full the oldest is dropped and
 * counted. Sensor health is sampled every {@link InfluxSettings#healthInterval()} and written when InfluxDB is up;
 * a sample taken during an outage is not kept (health describes the present).
 *
 * <p>At start the database and the retention policies {@value #DETECTIONS_POLICY} and {@value #LEVELS_POLICY} are
 * created, or altered to the configured durations; failures back off from 0.5 s to 10 s and an outage is logged
 * once when it starts and once when it ends. Counters are for metrics; all getters are thread-safe.
 */
public final class InfluxWriter implements LevelSink, AutoCloseable {
    public static final String DETECTIONS_POLICY = "earshot_detections";
    public static final String LEVELS_POLICY = "earshot_levels";

    static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** How long {@link #close()} waits for the last flush before it gives up on it. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Batches of detections per round, so that a long catch-up still lets levels and health through. */
    private static final int BATCHES_PER_ROUND = 20;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(InfluxWriter.class);

    private final InfluxSettings settings;
    private final DetectionSource detections;
    private final Supplier<List<SensorHealth>> health;
    private final Supplier<ServiceStatus> status;
    private final PositionFile positionFile;
    private final String safeUrl;

    private final Object levelLock = new Object();
    private final ArrayDeque<Point> levelBuffer = new ArrayDeque<>();
    /** Sequence number of the first point in {@link #levelBuffer}; every point ever buffered has one. */
    private long levelHeadSeq;

    private final AtomicBoolean detectionsPending = new AtomicBoolean(true);
    private final AtomicLong detectionsWritten = new AtomicLong();
    private final AtomicLong detectionsRejected = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong levelsWritten = new AtomicLong();
    private final AtomicLong levelsDropped = new AtomicLong();
    private final AtomicLong healthWritten = new AtomicLong();
    private volatile long position = -1;
    private volatile boolean connected;
    private volatile boolean schemaReady;
    private volatile boolean closing;

    private InfluxDB influx;
    private Thread thread;
    private boolean outage;
    private boolean schemaRefusalLogged;
    private long outageStartNanos;
    private Duration backoff = MIN_BACKOFF;

    /**
     * @param health sampled every {@link InfluxSettings#healthInterval()} on the writer's thread ({@code List::of}
     *     for none); it must be quick and must not block
     */
    public InfluxWriter(InfluxSettings settings, DetectionSource detections, Supplier<List<SensorHealth>> health) {
        this(settings, detections, health, null);
    }

    /**
     * @param status sampled with the health ({@code service_status}, {@code api_access}); null for none; quick,
     *     non-blocking
     */
    public InfluxWriter(InfluxSettings settings, DetectionSource detections, Supplier<List<SensorHealth>> health,
                        Supplier<ServiceStatus> status) {
        this.status = status;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.detections = Objects.requireNonNull(detections, "detections");
        this.health = Objects.requireNonNull(health, "health");
        this.positionFile = new PositionFile(settings.positionFile());
        this.safeUrl = withoutCredentials(settings.url());
    }

    /**
     * Reads the saved position and starts the writer's thread, which sets up the schema and writes. Returns at once
     * even when InfluxDB is down.
     *
     * @throws UncheckedIOException when the position file cannot be read or is corrupt (the message names it)
     * @throws IllegalStateException when called twice
     */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("InfluxWriter already started");
        }
        try {
            position = positionFile.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        OkHttpClient.Builder http = new OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(READ_TIMEOUT)
                .writeTimeout(READ_TIMEOUT);
        influx = settings.username() == null
                ? InfluxDBFactory.connect(settings.url(), http)
                : InfluxDBFactory.connect(settings.url(), settings.username(), settings.password(), http);
        LOG.info("InfluxDB writer for {} database {}: resuming detections at journal position {} ({})", safeUrl,
                settings.database(), position, positionFile);
        thread = new Thread(this::run, "influx-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Tells the writer that the journal has new durable detections. Never blocks. */
    public void detectionsAppended() {
        detectionsPending.set(true);
        wake();
    }

    /** Buffers a level reading for the next batch; drops the oldest buffered one when full. Never blocks. */
    @Override
    public void accept(LevelReading reading) {
        Point point = InfluxPoints.level(reading).orElse(null);
        if (point == null) {
            return;
        }
        int size;
        synchronized (levelLock) {
            if (levelBuffer.size() >= settings.levelBufferBound()) {
                levelBuffer.removeFirst();
                levelHeadSeq++;
                levelsDropped.incrementAndGet();
            }
            levelBuffer.addLast(point);
            size = levelBuffer.size();
        }
        if (size == settings.batchSize()) {
            wake();
        }
    }

    /** Writes what it can within {@link #CLOSE_TIMEOUT} (detections stay in the journal anyway), then stops. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            running = thread;
            closing = true;
        }
        if (running != null) {
            LockSupport.unpark(running);
            try {
                running.join(CLOSE_TIMEOUT.toMillis());
                if (running.isAlive()) {
                    LOG.warn("InfluxDB writer did not finish its last flush within {} s; stopping it",
                            CLOSE_TIMEOUT.toSeconds());
                    running.interrupt();
                    running.join(CLOSE_TIMEOUT.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (influx != null) {
                influx.close();
            }
        }
    }

    /** Detections written since start (a batch rewritten after a failed position save counts again). */
    public long detectionsWritten() {
        return detectionsWritten.get();
    }

    /** Detections InfluxDB refused for good (e.g. older than the retention policy); they remain in the journal. */
    public long detectionsRejected() {
        return detectionsRejected.get();
    }

    /** Failed attempts to reach or write to InfluxDB (each retry counts). */
    public long writeFailures() {
        return writeFailures.get();
    }

    public long levelsWritten() {
        return levelsWritten.get();
    }

    /** Level readings dropped because the buffer was full or InfluxDB refused them for good. */
    public long levelsDropped() {
        return levelsDropped.get();
    }

    public int levelsBuffered() {
        synchronized (levelLock) {
            return levelBuffer.size();
        }
    }

    public long healthWritten() {
        return healthWritten.get();
    }

    /** The next journal position to write (everything before it is in InfluxDB); -1 before {@link #start()}. */
    public long position() {
        return position;
    }

    /**
     * Journal positions not yet in InfluxDB: {@code end() - position}, 0 when caught up. Calls
     * {@link DetectionSource#end()} on the caller's thread.
     */
    public long detectionLag() {
        long at = position;
        return at < 0 ? detections.end() : Math.max(0, detections.end() - at);
    }

    /** Whether the last attempt to talk to InfluxDB succeeded. */
    public boolean connected() {
        return connected;
    }

    /** Whether the database and retention policies have been set up (or the server refused to and was skipped). */
    public boolean schemaReady() {
        return schemaReady;
    }

    private void wake() {
        Thread running = thread;
        if (running != null) {
            LockSupport.unpark(running);
        }
    }

    private void run() {
        long now = System.nanoTime();
        long nextPoll = now;
        long nextLevelFlush = now + settings.flushInterval().toNanos();
        long nextHealth = now;
        long retryAt = now;
        while (true) {
            boolean last = closing;
            now = System.nanoTime();
            if (last || now - retryAt >= 0) {
                try {
                    if (!schemaReady) {
                        setUpSchema();
                    }
                    if (last || detectionsPending.getAndSet(false) || now - nextPoll >= 0) {
                        nextPoll = now + settings.flushInterval().toNanos();
                        if (writeDetections(last ? CLOSE_TIMEOUT.toNanos() / 2 : Long.MAX_VALUE)) {
                            detectionsPending.set(true);
                        }
                    }
                    if (last || levelsBuffered() >= settings.batchSize() || now - nextLevelFlush >= 0) {
                        nextLevelFlush = now + settings.flushInterval().toNanos();
                        writeLevels();
                    }
                    if (!last && now - nextHealth >= 0) {
                        nextHealth = now + settings.healthInterval().toNanos();
                        writeHealth(now);
                    }
                } catch (InfluxDBException e) {
                    failed(e);
                    retryAt = backOff();
                } catch (IOException e) {
                    // The journal or the position file, not InfluxDB: retry the same way, but say what failed.
                    writeFailures.incrementAndGet();
                    LOG.error("InfluxDB writer: {}; retrying in {} ms", e.getMessage(), backoff.toMillis(), e);
                    retryAt = backOff();
                } catch (RuntimeException | Error e) {
                    // An Error too (the heap exhausted elsewhere, say): this thread is the only writer, and it must
                    // outlive the trouble to catch up afterwards.
                    writeFailures.incrementAndGet();
                    LOG.error("InfluxDB writer: unexpected error; retrying in {} ms", backoff.toMillis(), e);
                    retryAt = backOff();
                }
            }
            if (last) {
                return;
            }
            // Nothing is tried before retryAt; after it, whatever falls due first (at once when detections wait).
            long due = detectionsPending.get() ? System.nanoTime() : min(nextPoll, nextLevelFlush, nextHealth);
            long wakeAt = due - retryAt < 0 ? retryAt : due;
            long wait = wakeAt - System.nanoTime();
            if (wait > 0 && !closing) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /** When to try again after a failure; doubles the back-off for the next one. */
    private long backOff() {
        long retryAt = System.nanoTime() + backoff.toNanos();
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        // Whatever was pending may not have been written: look at the journal again on the retry.
        detectionsPending.set(true);
        return retryAt;
    }

    /**
     * Writes batches from the saved position on, saving the position after each. Returns true when it stopped
     * with detections left (a round's limit or {@code budgetNanos}), so that the next round follows at once.
     */
    private boolean writeDetections(long budgetNanos) throws IOException {
        long started = System.nanoTime();
        for (int round = 0; round < BATCHES_PER_ROUND; round++) {
            if (System.nanoTime() - started > budgetNanos) {
                return true;
            }
            List<StoredDetection> batch = detections.read(position, settings.batchSize());
            if (batch.isEmpty()) {
                return false;
            }
            long next = batch.get(batch.size() - 1).position() + 1;
            if (next <= position) {
                throw new IOException("journal returned detections before position " + position
                        + " (last of the batch: " + (next - 1) + ")");
            }
            List<Point> points = new ArrayList<>(batch.size());
            for (StoredDetection d : batch) {
                points.add(InfluxPoints.detection(d));
            }
            int written = write(DETECTIONS_POLICY, points, batch.get(0).position(), next - 1);
            detectionsWritten.addAndGet(written);
            detectionsRejected.addAndGet(points.size() - written);
            positionFile.write(next);
            position = next;
        }
        return true;
    }

    private void writeLevels() {
        for (int round = 0; round < BATCHES_PER_ROUND; round++) {
            List<Point> points;
            long firstSeq;
            synchronized (levelLock) {
                points = new ArrayList<>(Math.min(settings.batchSize(), levelBuffer.size()));
                for (Point p : levelBuffer) {
                    if (points.size() == settings.batchSize()) {
                        break;
                    }
                    points.add(p);
                }
                firstSeq = levelHeadSeq;
            }
            if (points.isEmpty()) {
                return;
            }
            int written = write(LEVELS_POLICY, points, -1, -1);
            levelsWritten.addAndGet(written);
            levelsDropped.addAndGet(points.size() - written);
            synchronized (levelLock) {
                // Points dropped meanwhile left from the head too, so only what is still there of this batch goes.
                long end = firstSeq + points.size();
                while (levelHeadSeq < end && !levelBuffer.isEmpty()) {
                    levelBuffer.removeFirst();
                    levelHeadSeq++;
                }
            }
            if (points.size() < settings.batchSize()) {
                return;
            }
        }
    }

    private void writeHealth(long nowNanos) {
        List<SensorHealth> sample;
        try {
            sample = health.get();
        } catch (RuntimeException e) {
            LOG.error("InfluxDB writer: the sensor health supplier failed; no sensor_health points this time", e);
            return;
        }
        long nowMicros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        List<Point> points = new ArrayList<>();
        for (SensorHealth h : sample == null ? List.<SensorHealth>of() : sample) {
            points.add(InfluxPoints.health(h, nowMicros));
        }
        if (status != null) {
            try {
                points.addAll(InfluxPoints.status(status.get(), nowMicros));
            } catch (RuntimeException e) {
                LOG.error("InfluxDB writer: the service status supplier failed; no service_status points this time",
                        e);
            }
        }
        if (points.isEmpty()) {
            return;
        }
        healthWritten.addAndGet(write(LEVELS_POLICY, points, -1, -1));
    }

    /**
     * Writes the points as one batch and returns how many InfluxDB took. When it refuses the batch for good (a point
     * it cannot parse, a field type conflict, a time outside the retention policy), writes them one by one so that
     * only the bad ones are lost, and logs those. Anything else (unreachable, database missing, auth) throws, and
     * the caller retries later.
     */
    private int write(String policy, List<Point> points, long firstPosition, long lastPosition) {
        try {
            influx.write(batch(policy, points));
            succeeded();
            return points.size();
        } catch (InfluxDBException e) {
            if (!refusedForGood(e)) {
                throw e;
            }
        }
        int written = 0;
        for (Point point : points) {
            try {
                influx.write(batch(policy, List.of(point)));
                succeeded();
                written++;
            } catch (InfluxDBException e) {
                if (!refusedForGood(e)) {
                    throw e;
                }
                LOG.error("InfluxDB refused a {} point for good, skipping it{}: {}", policy,
                        firstPosition < 0 ? "" : " (journal positions " + firstPosition + ".." + lastPosition + ")",
                        redact(e.getMessage()));
            }
        }
        return written;
    }

    private BatchPoints batch(String policy, List<Point> points) {
        return BatchPoints.database(settings.database()).retentionPolicy(policy)
                .precision(TimeUnit.MICROSECONDS).points(points).build();
    }

    private static boolean refusedForGood(InfluxDBException e) {
        return e instanceof InfluxDBException.PointsBeyondRetentionPolicyException
                || e instanceof InfluxDBException.UnableToParseException
                || e instanceof InfluxDBException.FieldTypeConflictException;
    }

    private void setUpSchema() {
        try {
            query(InfluxSchema.createDatabase(settings.database()));
            Map<String, Duration> existing = InfluxSchema.retentionPolicies(
                    query(InfluxSchema.showRetentionPolicies(settings.database())));
            ensurePolicy(existing, DETECTIONS_POLICY, settings.detectionsRetention());
            ensurePolicy(existing, LEVELS_POLICY, settings.levelsRetention());
        } catch (InfluxDBIOException e) {
            throw e;
        } catch (InfluxDBException e) {
            // InfluxDB 2.x's compatibility API and non-admin users cannot manage databases: the operator then creates
            // them (a bucket and DBRP mappings), and writes tell whether they exist.
            if (!schemaRefusalLogged) {
                schemaRefusalLogged = true;
                LOG.warn("InfluxDB at {} refused to set up database {} and its retention policies ({}); writing"
                        + " anyway, assuming they exist", safeUrl, settings.database(), redact(e.getMessage()));
            }
        }
        schemaReady = true;
    }

    private void ensurePolicy(Map<String, Duration> existing, String policy, Duration retention) {
        Duration current = existing.get(policy);
        if (current == null) {
            query(InfluxSchema.createPolicy(settings.database(), policy, retention));
            LOG.info("InfluxDB: created retention policy {} on {} ({})", policy, settings.database(), retention);
        } else if (!current.equals(retention)) {
            query(InfluxSchema.alterPolicy(settings.database(), policy, retention));
            LOG.info("InfluxDB: retention policy {} on {} changed from {} to {}", policy, settings.database(), current,
                    retention);
        }
    }

    private QueryResult query(String statement) {
        QueryResult result = influx.query(new Query(statement, null, true));
        if (result.hasError()) {
            throw new InfluxDBException(statement + ": " + result.getError());
        }
        if (result.getResults() != null) {
            for (QueryResult.Result r : result.getResults()) {
                if (r.hasError()) {
                    throw new InfluxDBException(statement + ": " + r.getError());
                }
            }
        }
        succeeded();
        return result;
    }

    private void succeeded() {
        connected = true;
        backoff = MIN_BACKOFF;
        if (outage) {
            outage = false;
            LOG.info("InfluxDB at {} reachable again after {} s; catching up from journal position {}, {} levels"
                    + " buffered, {} dropped so far", safeUrl,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - outageStartNanos), position, levelsBuffered(),
                    levelsDropped.get());
        }
    }

    private void failed(InfluxDBException e) {
        writeFailures.incrementAndGet();
        if (isMissingSchema(e)) {
            schemaReady = false;
        }
        // A server that answers with an error is reachable; the failure is logged all the same.
        connected = !(e instanceof InfluxDBIOException);
        if (!outage) {
            outage = true;
            outageStartNanos = System.nanoTime();
            LOG.warn("InfluxDB at {} failed: {}; detections wait in the journal (position {}), levels are buffered"
                    + " (at most {}); retrying with back-off up to {} s", safeUrl, redact(e.getMessage()), position,
                    settings.levelBufferBound(), MAX_BACKOFF.toSeconds());
        }
    }

    private static boolean isMissingSchema(InfluxDBException e) {
        String message = String.valueOf(e.getMessage());
        return e instanceof InfluxDBException.DatabaseNotFoundException
                || message.contains("database not found") || message.contains("retention policy not found");
    }

    /** A message from the client library with the password (a query parameter for InfluxDB 1.x) blanked out. */
    private String redact(String message) {
        if (message == null) {
            return "";
        }
        String safe = message;
        if (settings.password() != null && !settings.password().isEmpty()) {
            safe = safe.replace(settings.password(), "***");
        }
        return safe;
    }

    /** The earliest of System.nanoTime() values (compared by difference, as nanoTime requires). */
    private static long min(long a, long b, long c) {
        long m = b - a < 0 ? b : a;
        return c - m < 0 ? c : m;
    }

    /** The URL as it may be logged: scheme, host, port and path only. */
    static String withoutCredentials(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
