package org.earshot.config;

import org.earshot.detect.Labels;
import org.earshot.dsp.Calibration;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One sensor of the sensors file: its id (an MQTT topic level and a metric label, hence the restricted characters),
 * the SHA-256 of its token, where it is and its declared purpose, its calibration offset (null while uncalibrated),
 * the event classes reported for it and whether it may connect. Messages name the sensors file's keys
 * ({@code token_sha256}), since that is what an operator edits; neither they nor {@link #toString()} ever show the
 * hash, so a token pasted there by mistake does not end up in a log.
 */
public record SensorRecord(
        String id,
        String tokenSha256,
        String location,
        String purpose,
        Double calibrationOffsetDb,
        Set<String> classes,
        boolean enabled,
        Double latitude,
        Double longitude) {

    /** No '/', '+', '#' or spaces: they would split or wildcard an MQTT topic and break a metric label. */
    public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    public static final String DEFAULT_LOCATION = "";
    public static final String DEFAULT_PURPOSE = "";
    /** Null: uncalibrated, levels stay in dBFS. */
    public static final Double DEFAULT_CALIBRATION_OFFSET_DB = null;
    /** Every class the detector knows, in {@link Labels#CLASSES} order. */
    public static final Set<String> DEFAULT_CLASSES = Collections.unmodifiableSet(new LinkedHashSet<>(Labels.CLASSES));
    public static final boolean DEFAULT_ENABLED = true;
    /** Null: no declared position (the operators' map cannot show the sensor). */
    public static final Double DEFAULT_LATITUDE = null;
    public static final Double DEFAULT_LONGITUDE = null;

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    /** What {@code printf %s "$TOKEN" | sha256sum} prints when TOKEN is unset: it would admit an empty token. */
    private static final String EMPTY_STRING_SHA256 =
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public SensorRecord {
        if (id == null || !ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("id must match " + ID_PATTERN + " (letters, digits, '_', '.', '-';"
                    + " it becomes an MQTT topic level and a metric label), got "
                    + (id == null ? "null" : "\"" + printable(id) + "\""));
        }
        if (tokenSha256 == null || !SHA256_HEX.matcher(tokenSha256).matches()) {
            throw new IllegalArgumentException("token_sha256 of sensor " + id
                    + " must be 64 lower-case hex digits, the SHA-256 of the token (not the token itself)");
        }
        if (tokenSha256.equals(EMPTY_STRING_SHA256)) {
            throw new IllegalArgumentException("token_sha256 of sensor " + id
                    + " is the SHA-256 of an empty token (was the token variable unset when it was hashed?)");
        }
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(purpose, "purpose");
        if (calibrationOffsetDb != null && !(calibrationOffsetDb >= Calibration.MIN_OFFSET_DB
                && calibrationOffsetDb <= Calibration.MAX_OFFSET_DB)) {
            throw new IllegalArgumentException("calibration_offset_db of sensor " + id + " must be a number in "
                    + Calibration.MIN_OFFSET_DB + ".." + Calibration.MAX_OFFSET_DB + " dB or null, got "
                    + calibrationOffsetDb);
        }
        // Element by element: List.of's contains throws on null rather than answering false.
        if (classes == null || classes.isEmpty()
                || !classes.stream().allMatch(c -> c != null && Labels.CLASSES.contains(c))) {
            throw new IllegalArgumentException("classes of sensor " + id + " must be a non-empty subset of "
                    + Labels.CLASSES + ", got " + classes);
        }
        if ((latitude == null) != (longitude == null)) {
            throw new IllegalArgumentException("latitude and longitude of sensor " + id
                    + " must be given together (or both left out)");
        }
        if (latitude != null && !(latitude >= -90 && latitude <= 90)) {
            throw new IllegalArgumentException("latitude of sensor " + id + " must be in -90..90 degrees (WGS 84),"
                    + " got " + latitude);
        }
        if (longitude != null && !(longitude >= -180 && longitude <= 180)) {
            throw new IllegalArgumentException("longitude of sensor " + id + " must be in -180..180 degrees (WGS 84),"
                    + " got " + longitude);
        }
        // Label order, whatever order the file used, so that equal sets print and serialise alike.
        LinkedHashSet<String> ordered = new LinkedHashSet<>(Labels.CLASSES);
        ordered.retainAll(classes);
        classes = Collections.unmodifiableSet(ordered);
    }

    /** A sensor without a declared position. */
    public SensorRecord(String id, String tokenSha256, String location, String purpose, Double calibrationOffsetDb,
                        Set<String> classes, boolean enabled) {
        this(id, tokenSha256, location, purpose, calibrationOffsetDb, classes, enabled, DEFAULT_LATITUDE,
                DEFAULT_LONGITUDE);
    }

    /** The same sensor with another calibration offset (null: uncalibrated). */
    public SensorRecord withCalibrationOffsetDb(Double offsetDb) {
        return new SensorRecord(id, tokenSha256, location, purpose, offsetDb, classes, enabled, latitude,
                longitude);
    }

    /** The level calibration, or empty while the sensor is uncalibrated. */
    public Optional<Calibration> calibration() {
        return calibrationOffsetDb == null ? Optional.empty() : Optional.of(new Calibration(calibrationOffsetDb));
    }

    /** Everything except the token hash. */
    @Override
    public String toString() {
        return "SensorRecord[id=" + id + ", location=" + location + ", purpose=" + purpose
                + ", calibrationOffsetDb=" + calibrationOffsetDb + ", classes=" + classes + ", enabled=" + enabled
                + ", latitude=" + latitude + ", longitude=" + longitude + "]";
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 80 ? out + "..." : out.toString();
    }
}
