package org.earshot.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.Labels;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalFormatException;
import org.earshot.journal.JournalKeys;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.OutputJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's side of the journal: opens it (creating the signing key on first start), records the configuration
 * whenever it differs from the last one recorded, every start and stop, and runs retention (at start and every few
 * hours) on the data of detection, alert and API-request entries. Holds the {@link DetectionIndex} the API queries
 * and the {@link JournalSink} the pipeline writes detections through.
 */
final class ServiceJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceJournal.class);
    static final String TYPE_START = Journal.TYPE_START;
    static final String TYPE_STOP = Journal.TYPE_STOP;
    static final String TYPE_CONFIG = Journal.TYPE_CONFIG;
    /** Part of a configuration's sensor list too long for one entry; written before its {@code config} entry. */
    static final String TYPE_CONFIG_SENSORS = Journal.TYPE_CONFIG_SENSORS;
    /**
     * A {@code config} entry larger than this carries its sensors in {@code config_sensors} entries of at most
     * {@link #SENSOR_PART_BYTES} each instead (a registry of about 350 sensors or more), keeping every entry under
     * {@link Journal#MAX_ENTRY_BYTES}.
     */
    static final int CONFIG_INLINE_BYTES = 60 * 1024;
    static final int SENSOR_PART_BYTES = 48 * 1024;
    static final String TYPE_API_REQUEST = "api_request";
    /** Refused anonymous and rate-limited API requests, counted per interval instead of one entry each. */
    static final String TYPE_API_REFUSALS = "api_refusals";
    /** Entry types whose data holds who did what and when: deleted after the retention period. */
    static final Set<String> RETAINED_TYPES = Set.of(JournalSink.TYPE_DETECTION, JournalSink.TYPE_ALERT,
            TYPE_API_REQUEST, TYPE_API_REFUSALS);
    private static final Duration RETENTION_PERIOD = Duration.ofHours(6);

    final Journal journal;
    final DetectionIndex index;
    final JournalSink sink;
    private final int retentionDays;
    private final long startedMillis = System.currentTimeMillis();
    private final ScheduledExecutorService retention;
    /** What the {@code config} entries record besides the sensors; set at start. */
    private ServeConfig config;
    private String modelName;
    private DetectorConfig detector;

    private ServiceJournal(Journal journal, DetectionIndex index, JournalSink sink, int retentionDays) {
        this.journal = journal;
        this.index = index;
        this.sink = sink;
        this.retentionDays = retentionDays;
        this.retention = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "journal-retention");
            t.setDaemon(true);
            return t;
        });
    }

    static ServiceJournal open(ServeConfig config, SensorRegistry registry, String modelName,
                               DetectorConfig detector, Metrics metrics) throws IOException {
        return open(config, registry, modelName, detector, metrics, line -> { });
    }

    /** As above, also replaying every existing entry into {@code replay} (the cluster journal writer's positions). */
    static ServiceJournal open(ServeConfig config, SensorRegistry registry, String modelName,
                               DetectorConfig detector, Metrics metrics,
                               java.util.function.Consumer<org.earshot.journal.JournalLine> replay) throws IOException {
        JournalKeys keys = JournalKeys.loadOrCreate(config.journalKeyFile());
        ServeConfig.Journal j = config.journal();
        Journal.Options options = new Journal.Options(j.segmentEntries(),
                Duration.ofMillis(Math.round(j.segmentHours() * 3_600_000)), j.checkpointEntries(),
                Duration.ofMillis(Math.round(j.checkpointSeconds() * 1000)));
        DetectionIndex index = new DetectionIndex();
        Journal journal;
        try {
            journal = Journal.open(config.journalDir(), options, keys, OutputJson::nowMicros, index.andThen(replay));
        } catch (JournalFormatException e) {
            throw new IOException("the journal in " + config.journalDir() + " is damaged: " + e.getMessage()
                    + " (earshot verify " + config.journalDir() + " --public-key "
                    + JournalKeys.publicKeyFile(config.journalKeyFile()) + " names every problem; the service will"
                    + " not write after a past it cannot vouch for)", e);
        }
        journal.addListener(index);
        ServiceJournal sj = new ServiceJournal(journal, index, new JournalSink(journal, modelName, detector),
                j.retentionDays());
        try {
            sj.recordStart(config, registry, modelName, detector);
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
        metrics.gauge("earshot_journal_entries", journal::durableSize);
        metrics.gauge("earshot_journal_healthy", () -> journal.healthy() ? 1 : 0);
        metrics.gauge("earshot_journal_append_failures_total", sj.sink::failures);
        metrics.gauge("earshot_journal_checkpoint_tree_size", () -> {
            var c = journal.latestCheckpoint();
            return c == null ? 0 : c.treeSize();
        });
        sj.retention.scheduleWithFixedDelay(sj::applyRetention, 0, RETENTION_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("journal: {} entries in {}, signing key {} (public key {})", journal.durableSize(),
                config.journalDir(), JournalKeys.keyId(keys.publicKey()),
                JournalKeys.publicKeyFile(config.journalKeyFile()));
        return sj;
    }

    private void recordStart(ServeConfig config, SensorRegistry registry, String modelName, DetectorConfig detector)
            throws IOException {
        this.config = config;
        this.modelName = modelName;
        this.detector = detector;
        String digest = recordConfig(registry);
        JsonObject start = new JsonObject();
        start.addProperty("model", modelName);
        start.addProperty("config_sha256", digest);
        start.addProperty("previous_run", index.lastLifecycle() == null ? "none"
                : index.lastLifecycle().equals(TYPE_STOP) ? "stopped cleanly"
                : "ended without a stop entry (killed or crashed)");
        start.addProperty("pid", ProcessHandle.current().pid());
        journal.append(TYPE_START, start);
        // Signed now, not within checkpoint_seconds: a run that has recorded its start has a checkpoint, so a crash
        // loop leaves at most opening entries unsigned, and the verifier can require exactly that (SignedHistory).
        if (journal.checkpoint() == null) {
            throw new IOException("journal: no checkpoint after the start entry");
        }
    }

    /**
     * The sensors file changed while the service runs: records the configuration now in force as a {@code config}
     * entry (as at start, when it differs from the last one recorded) and signs a checkpoint over it at once. A
     * {@code config} entry opens a run in the signed-history rule, so it must not stay unsigned beside another one.
     * Returns the configuration's digest.
     */
    synchronized String recordSensorsChange(SensorRegistry registry) throws IOException {
        String digest = recordConfig(registry);
        journal.checkpoint();
        return digest;
    }

    /** Appends a {@code config} entry (and its parts) unless the last one recorded has the same digest. */
    private String recordConfig(SensorRegistry registry) throws IOException {
        JsonObject settings = new JsonObject();
        config.settings().forEach(settings::addProperty);
        JsonArray sensors = new JsonArray();
        for (SensorRecord s : registry.sensors()) {
            JsonObject o = new JsonObject();
            o.addProperty("id", s.id());
            o.addProperty("location", s.location());
            o.addProperty("purpose", s.purpose());
            o.addProperty("calibration_offset_db", s.calibrationOffsetDb());
            JsonArray classes = new JsonArray();
            s.classes().forEach(classes::add);
            o.add("classes", classes);
            o.addProperty("enabled", s.enabled());
            o.addProperty("latitude", s.latitude());
            o.addProperty("longitude", s.longitude());
            sensors.add(o);
        }
        JsonObject thresholds = new JsonObject();
        for (int c = 0; c < Labels.CLASSES.size(); c++) {
            JsonObject t = new JsonObject();
            t.addProperty("on", detector.thresholds().get(c));
            t.addProperty("off", detector.offThresholds().get(c));
            thresholds.add(Labels.CLASSES.get(c), t);
        }
        JsonObject state = new JsonObject();
        state.add("settings", settings);
        state.add("sensors", sensors);
        state.addProperty("model", modelName);
        state.add("thresholds", thresholds);
        String digest = sha256(state.toString());
        String previous = index.lastConfigDigest();
        if (!digest.equals(previous)) {
            JsonObject entry = state.deepCopy();
            entry.addProperty("config_sha256", digest);
            entry.addProperty("previous_sha256", previous);
            if (entry.toString().getBytes(StandardCharsets.UTF_8).length > CONFIG_INLINE_BYTES) {
                // Parts first: a crash before the config entry leaves no config entry claiming parts it lacks, and
                // the next start, finding the digest unrecorded, writes them all again.
                List<JsonArray> parts = parts(sensors, SENSOR_PART_BYTES);
                for (int i = 0; i < parts.size(); i++) {
                    JsonObject part = new JsonObject();
                    part.addProperty("config_sha256", digest);
                    part.addProperty("part", i + 1);
                    part.addProperty("parts", parts.size());
                    part.add("sensors", parts.get(i));
                    journal.append(TYPE_CONFIG_SENSORS, part);
                }
                entry.remove("sensors");
                entry.addProperty("sensor_count", sensors.size());
                entry.addProperty("sensor_parts", parts.size());
            }
            journal.append(TYPE_CONFIG, entry);
        }
        return digest;
    }

    /**
     * The sensors in order, cut into arrays of at most {@code maxBytes} of JSON each (a sensor larger than that on its
     * own gets an array to itself; the registry's field limits keep it far below the journal's entry limit).
     */
    static List<JsonArray> parts(JsonArray sensors, int maxBytes) {
        List<JsonArray> parts = new ArrayList<>();
        JsonArray current = new JsonArray();
        int bytes = 2;
        for (var sensor : sensors) {
            int size = sensor.toString().getBytes(StandardCharsets.UTF_8).length + 1;
            if (!current.isEmpty() && bytes + size > maxBytes) {
                parts.add(current);
                current = new JsonArray();
                bytes = 2;
            }
            current.add(sensor);
            bytes += size;
        }
        if (!current.isEmpty() || parts.isEmpty()) {
            parts.add(current);
        }
        return parts;
    }

    private void applyRetention() {
        if (retentionDays == 0) {
            return;
        }
        try {
            long cutoff = OutputJson.nowMicros() - retentionDays * 86_400_000_000L;
            journal.redact(cutoff, RETAINED_TYPES, "retention of " + retentionDays + " days");
        } catch (IOException | RuntimeException | Error e) {
            // Nothing may escape a periodic task: the scheduler would cancel it, silently, for good.
            LOG.error("journal: retention failed: {}", e.toString());
        }
    }

    /** Records one API request (or refusal); returns its entry's sequence number once it is on disk. */
    long recordRequest(JsonObject data) throws IOException {
        return journal.append(TYPE_API_REQUEST, data).seq();
    }

    /** A summary of refused anonymous and rate-limited API requests over one interval. */
    long recordRefusals(JsonObject data) throws IOException {
        return journal.append(TYPE_API_REFUSALS, data).seq();
    }

    /** Records the stop (after the pipeline has flushed its final detections), signs a checkpoint, closes. */
    @Override
    public void close() {
        retention.shutdownNow();
        try {
            JsonObject stop = new JsonObject();
            stop.addProperty("uptime_seconds", (System.currentTimeMillis() - startedMillis) / 1000);
            journal.append(TYPE_STOP, stop);
        } catch (IOException | RuntimeException e) {
            LOG.error("journal: cannot record the stop: {}", e.toString());
        }
        journal.close();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
