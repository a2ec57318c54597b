package org.earshot.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.earshot.pipeline.LevelReading;
import org.influxdb.dto.Point;

/**
 * Builds the InfluxDB points of Earshot's three measurements ({@code detection}, {@code sound_level},
 * {@code sensor_health}); docs/INFLUXDB.md describes them for the people who query them. Pure functions: no I/O.
 *
 * <p>A detection's point key (measurement, tags sensor/class/model, time = onset in microseconds) is what makes
 * rewrites after a crash idempotent: writing the same record again overwrites the same point. It is also what keeps
 * two detections apart: a detection's id is sensor, onset microsecond and class, so two records with the same key
 * are the same event. The id is a field, not a tag: a tag per detection would make every detection its own series,
 * and InfluxDB 1.x refuses writes once a tag has {@code max-values-per-tag} (100,000) values, which would stall the
 * writer for good after that many detections.
 *
 * <p>Levels of digital silence are -Infinity dBFS, which line protocol cannot carry: such a field is left out, and a
 * reading without any finite level gives no point at all.
 */
public final class InfluxPoints {
    public static final String DETECTION = "detection";
    public static final String SOUND_LEVEL = "sound_level";
    public static final String SENSOR_HEALTH = "sensor_health";
    public static final String SERVICE_STATUS = "service_status";
    public static final String API_ACCESS = "api_access";

    private InfluxPoints() {
    }

    public static Point detection(StoredDetection d) {
        Point.Builder point = Point.measurement(DETECTION)
                .time(d.onsetMicros(), TimeUnit.MICROSECONDS)
                .tag("sensor", d.sensor())
                .tag("class", d.label());
        if (d.model() != null && !d.model().isEmpty()) {
            point.tag("model", d.model());
        }
        point.addField("id", d.id())
                .addField("position", d.position())
                .addField("confidence", d.confidence())
                .addField("onset_us", d.onsetMicros())
                .addField("offset_us", d.offsetMicros())
                .addField("duration_s", (d.offsetMicros() - d.onsetMicros()) / 1e6)
                .addField("received_us", d.receivedMicros())
                .addField("latency_s", (d.receivedMicros() - d.offsetMicros()) / 1e6);
        addFinite(point, "peak_dbfs", d.peakDbfs());
        addFinite(point, "peak_db", d.peakDb());
        return point.build();
    }

    /** The reading's point, or empty when it has no finite level (digital silence). */
    public static Optional<Point> level(LevelReading reading) {
        Point.Builder point = Point.measurement(SOUND_LEVEL)
                .time(reading.startMicros(), TimeUnit.MICROSECONDS)
                .tag("sensor", reading.sensor().id());
        Double offset = reading.sensor().calibrationOffsetDb();
        int fields = 0;
        fields += addFinite(point, "laeq_dbfs", reading.laeqDbfs());
        fields += addFinite(point, "peak_dbfs", reading.peakDbfs());
        if (offset != null) {
            fields += addFinite(point, "laeq_db", reading.laeqDbfs() + offset);
            fields += addFinite(point, "peak_db", reading.peakDbfs() + offset);
        }
        return fields == 0 ? Optional.empty() : Optional.of(point.build());
    }

    /** The sensor's health as sampled at {@code nowMicros} on the service's clock. */
    public static Point health(SensorHealth health, long nowMicros) {
        Point.Builder point = Point.measurement(SENSOR_HEALTH)
                .time(nowMicros, TimeUnit.MICROSECONDS)
                .tag("sensor", health.sensor())
                .addField("connected", health.connected())
                .addField("frames", health.frames())
                .addField("gaps", health.gaps())
                .addField("dropped", health.dropped())
                .addField("queue_depth", health.queueDepth())
                .addField("queue_seconds", health.queueSeconds())
                .addField("last_seen_us", health.lastSeenMicros())
                .addField("clipped", health.clippedSamples());
        if (health.location() != null) {
            point.addField("location", health.location());
        }
        if (health.latitude() != null && health.longitude() != null) {
            point.addField("latitude", (double) health.latitude());
            point.addField("longitude", (double) health.longitude());
        }
        if (health.lastSeenMicros() > 0) {
            point.addField("silent_s", Math.max(0, nowMicros - health.lastSeenMicros()) / 1e6);
        }
        return point.build();
    }

    /** The journal, checkpoint and model figures as one point, and one {@code api_access} point per role. */
    public static List<Point> status(ServiceStatus s, long nowMicros) {
        List<Point> points = new java.util.ArrayList<>();
        Point.Builder status = Point.measurement(SERVICE_STATUS)
                .time(nowMicros, TimeUnit.MICROSECONDS)
                .tag("model", s.model())
                .addField("model_name", s.model())
                .addField("journal_entries", s.journalEntries())
                .addField("journal_healthy", s.journalHealthy())
                .addField("checkpoint_tree_size", s.checkpointTreeSize())
                .addField("unsigned_entries", Math.max(0, s.journalEntries() - s.checkpointTreeSize()));
        if (s.checkpointTimeMicros() > 0) {
            status.addField("checkpoint_age_s", Math.max(0, nowMicros - s.checkpointTimeMicros()) / 1e6);
        }
        points.add(status.build());
        for (Map.Entry<String, Long> role : new java.util.TreeMap<>(s.apiRequestsByRole()).entrySet()) {
            points.add(Point.measurement(API_ACCESS)
                    .time(nowMicros, TimeUnit.MICROSECONDS)
                    .tag("role", role.getKey())
                    .addField("requests", role.getValue())
                    .addField("refused", s.apiRefusedByRole().getOrDefault(role.getKey(), 0L))
                    .build());
        }
        return points;
    }

    private static int addFinite(Point.Builder point, String field, Double value) {
        if (value == null || !Double.isFinite(value)) {
            return 0;
        }
        point.addField(field, (double) value);
        return 1;
    }
}
