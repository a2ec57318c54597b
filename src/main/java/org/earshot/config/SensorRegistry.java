package org.earshot.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The sensors allowed to connect, read once from the sensors file ({@code data/sensors.json}) and immutable after,
 * so any thread may authenticate against it. The file stores only the SHA-256 of each sensor's token. A plain
 * SHA-256 is the right hash here: tokens are 256-bit random values from {@link #newToken()}, so there is nothing to
 * guess and a deliberately slow password hash (bcrypt, PBKDF2) would add no protection, only CPU time on every
 * connect. {@link #authenticate} compares hashes in constant time and hashes the presented token even for an unknown
 * id, so neither the comparison nor the lookup tells a caller which ids exist. Errors from {@link #load} name the
 * file, the sensor's index and id, and the key, and never repeat a token or hash.
 */
public final class SensorRegistry {
    /** The version of the sensors file format this code reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** The id of the sensor written on first start. */
    public static final String FIRST_SENSOR_ID = "sensor-1";
    public static final int TOKEN_BYTES = 32;

    private static final String VERSION = "version";
    private static final String SENSORS = "sensors";
    private static final String ID = "id";
    private static final String TOKEN_SHA256 = "token_sha256";
    private static final String LOCATION = "location";
    private static final String PURPOSE = "purpose";
    /** The former name of {@link #PURPOSE}, still read (never written): files made before keep working. */
    private static final String PURPOSE_FORMER = "description";
    private static final String CALIBRATION_OFFSET_DB = "calibration_offset_db";
    private static final String LATITUDE = "latitude";
    private static final String LONGITUDE = "longitude";
    private static final String CLASSES = "classes";
    private static final String ENABLED = "enabled";
    private static final List<String> SENSOR_KEYS =
            List.of(ID, TOKEN_SHA256, LOCATION, PURPOSE, PURPOSE_FORMER, CALIBRATION_OFFSET_DB, CLASSES, ENABLED,
                    LATITUDE, LONGITUDE);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final List<SensorRecord> sensors;
    private final Map<String, SensorRecord> byId;
    private final Map<String, byte[]> hashById;
    /** Compared against when the id is unknown, so that case costs what a wrong token costs. */
    private final byte[] decoyHash = new byte[32];

    /** A registry of these sensors, in this order; ids must be distinct. */
    public SensorRegistry(Collection<SensorRecord> sensors) {
        this.sensors = List.copyOf(sensors);
        Map<String, SensorRecord> records = new HashMap<>();
        Map<String, byte[]> hashes = new HashMap<>();
        for (SensorRecord s : this.sensors) {
            if (records.putIfAbsent(s.id(), s) != null) {
                throw new IllegalArgumentException("sensor id " + s.id() + " appears twice");
            }
            hashes.put(s.id(), HEX.parseHex(s.tokenSha256()));
        }
        // HashMap rather than Map.copyOf: lookups of a null id answer null instead of throwing.
        this.byId = Collections.unmodifiableMap(records);
        this.hashById = Collections.unmodifiableMap(hashes);
        RANDOM.nextBytes(decoyHash);
    }

    /** Reads and checks a sensors file (format {@value #FORMAT_VERSION}). */
    public static SensorRegistry load(Path file) throws ConfigException {
        JsonArray array = StrictJson.readVersionedList(file, FORMAT_VERSION, SENSORS);
        List<SensorRecord> records = new ArrayList<>();
        Map<String, Integer> indexById = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            SensorRecord record = readSensor(file, i, array.get(i));
            Integer earlier = indexById.putIfAbsent(record.id(), i);
            if (earlier != null) {
                throw new ConfigException(file + ": sensors[" + i + "] (id " + record.id()
                        + "): id is already used by sensors[" + earlier + "]");
            }
            records.add(record);
        }
        return new SensorRegistry(records);
    }

    private static SensorRecord readSensor(Path file, int index, JsonElement element) throws ConfigException {
        String where = file + ": sensors[" + index + "]";
        if (!element.isJsonObject()) {
            throw new ConfigException(where + " must be an object, got " + StrictJson.kind(element));
        }
        JsonObject o = element.getAsJsonObject();
        JsonElement idElement = o.get(ID);
        if (idElement == null || idElement.isJsonNull()) {
            throw new ConfigException(where + ": missing id");
        }
        if (!isString(idElement)) {
            throw new ConfigException(where + ": id must be a string, got " + StrictJson.kind(idElement));
        }
        // The id only once it is known to be sane: it goes into every later message about this sensor.
        String id = idElement.getAsString();
        if (SensorRecord.ID_PATTERN.matcher(id).matches()) {
            where += " (id " + id + ")";
        }
        for (String key : o.keySet()) {
            if (!SENSOR_KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key " + StrictJson.quote(key) + " (known: "
                        + String.join(", ", SENSOR_KEYS) + ")");
            }
        }
        JsonElement token = o.get(TOKEN_SHA256);
        if (token == null || token.isJsonNull()) {
            throw new ConfigException(where + ": missing token_sha256");
        }
        if (!isString(token)) {
            throw new ConfigException(where + ": token_sha256 must be a string, got " + StrictJson.kind(token));
        }
        try {
            return new SensorRecord(id, token.getAsString(),
                    string(o, LOCATION, SensorRecord.DEFAULT_LOCATION, where),
                    purpose(o, where),
                    offset(o, where), classes(o, where), enabled(o, where), degrees(o, LATITUDE, where),
                    degrees(o, LONGITUDE, where));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
    }

    /** {@code purpose}, or its former name {@code description}; both at once is an error (which one counts?). */
    private static String purpose(JsonObject o, String where) throws ConfigException {
        if (o.has(PURPOSE) && o.has(PURPOSE_FORMER)) {
            throw new ConfigException(where + ": both " + PURPOSE + " and " + PURPOSE_FORMER + " (its former name)"
                    + " are given; keep " + PURPOSE);
        }
        return string(o, o.has(PURPOSE_FORMER) ? PURPOSE_FORMER : PURPOSE, SensorRecord.DEFAULT_PURPOSE, where);
    }

    private static String string(JsonObject o, String key, String defaultValue, String where)
            throws ConfigException {
        JsonElement e = o.get(key);
        if (e == null) {
            return defaultValue;
        }
        if (!isString(e)) {
            throw new ConfigException(where + ": " + key + " must be a string, got " + StrictJson.kind(e));
        }
        return e.getAsString();
    }

    private static Double offset(JsonObject o, String where) throws ConfigException {
        JsonElement e = o.get(CALIBRATION_OFFSET_DB);
        if (e == null || e.isJsonNull()) {
            return SensorRecord.DEFAULT_CALIBRATION_OFFSET_DB;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
            throw new ConfigException(where + ": calibration_offset_db must be a number or null, got " + e);
        }
        return e.getAsDouble();
    }

    private static Double degrees(JsonObject o, String key, String where) throws ConfigException {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
            throw new ConfigException(where + ": " + key + " must be a number of degrees or null, got " + e);
        }
        return e.getAsDouble();
    }

    private static Set<String> classes(JsonObject o, String where) throws ConfigException {
        JsonElement e = o.get(CLASSES);
        if (e == null) {
            return SensorRecord.DEFAULT_CLASSES;
        }
        if (!e.isJsonArray()) {
            throw new ConfigException(where + ": classes must be an array of class names, got " + e);
        }
        Set<String> classes = new LinkedHashSet<>();
        for (JsonElement c : e.getAsJsonArray()) {
            if (!isString(c)) {
                throw new ConfigException(where + ": classes must be an array of class names, got " + e);
            }
            if (!classes.add(c.getAsString())) {
                throw new ConfigException(where + ": classes lists " + c + " twice");
            }
        }
        return classes;
    }

    private static boolean enabled(JsonObject o, String where) throws ConfigException {
        JsonElement e = o.get(ENABLED);
        if (e == null) {
            return SensorRecord.DEFAULT_ENABLED;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw new ConfigException(where + ": enabled must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    /** The sensor with this id, enabled or not. */
    public Optional<SensorRecord> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * The sensor if {@code id} names an enabled sensor and {@code token} is its token; empty otherwise, without
     * saying which part failed.
     */
    public Optional<SensorRecord> authenticate(String id, String token) {
        byte[] presented = sha256(token == null ? "" : token);
        byte[] expected = hashById.get(id);
        boolean match = MessageDigest.isEqual(presented, expected == null ? decoyHash : expected);
        SensorRecord record = byId.get(id);
        if (!match || record == null || !record.enabled() || token == null || token.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(record);
    }

    /** All sensors, in file order. */
    public List<SensorRecord> sensors() {
        return sensors;
    }

    /** The lower-case hex SHA-256 of the token's UTF-8 bytes, as {@code printf %s "$TOKEN" | sha256sum} prints it. */
    public static String tokenSha256(String token) {
        return HEX.formatHex(sha256(token));
    }

    /** A new token: {@value #TOKEN_BYTES} random bytes, base64url without padding (43 characters). */
    public static String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * First start: if {@code file} does not exist, writes a sensors file holding one sensor {@code sensorId} with a
     * new token and every class, readable by the owner only where the file system has POSIX permissions, and
     * returns the token, which this file does not store (the caller, {@code serve}, writes it to an owner-only
     * credentials file and never prints it). If the file exists it
     * is left alone and the result has {@code created == false} and no token. The file appears complete or not at
     * all (written beside it, then linked or moved into place).
     *
     * @throws IllegalArgumentException if {@code sensorId} is not a valid id
     */
    public static FirstStart createIfMissing(Path file, String sensorId) throws ConfigException {
        String token = newToken();
        SensorRecord sensor = new SensorRecord(sensorId, tokenSha256(token), SensorRecord.DEFAULT_LOCATION,
                SensorRecord.DEFAULT_PURPOSE, SensorRecord.DEFAULT_CALIBRATION_OFFSET_DB,
                SensorRecord.DEFAULT_CLASSES, SensorRecord.DEFAULT_ENABLED);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return new FirstStart(false, sensorId, null);
        }
        Path tmp = null;
        try {
            tmp = PrivateFiles.writeTemporary(file, toJson(List.of(sensor)));
            if (!placeWithoutReplacing(tmp, file)) {
                return new FirstStart(false, sensorId, null);
            }
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot create the sensors file: " + e, e);
        } finally {
            deleteQuietly(tmp);
        }
        return new FirstStart(true, sensorId, token);
    }

    /**
     * Writes a sensors file holding exactly {@code sensors}, replacing any file there in one atomic step (readers see
     * the old file or the new one, never a part), readable only by its owner.
     */
    public static void write(Path file, List<SensorRecord> sensors) throws ConfigException {
        new SensorRegistry(sensors);
        Path tmp = null;
        try {
            tmp = PrivateFiles.writeTemporary(file, toJson(sensors));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot write the sensors file: " + e, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // A stray temporary file beside the sensors file is harmless; the result is what matters.
        }
    }

    /**
     * A hard link fails when the target exists, so two services starting at once cannot replace each other's file
     * (and each other's printed token); a rename would silently replace it. Where the file system has no hard links,
     * an atomic rename is the next best.
     */
    private static boolean placeWithoutReplacing(Path tmp, Path file) throws IOException {
        try {
            Files.createLink(file, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }

    /** The sensors file text for these sensors, in the format {@link #load} reads. */
    static String toJson(List<SensorRecord> sensors) {
        JsonArray array = new JsonArray();
        for (SensorRecord s : sensors) {
            JsonObject o = new JsonObject();
            o.addProperty(ID, s.id());
            o.addProperty(TOKEN_SHA256, s.tokenSha256());
            o.addProperty(LOCATION, s.location());
            o.addProperty(PURPOSE, s.purpose());
            o.add(CALIBRATION_OFFSET_DB,
                    s.calibrationOffsetDb() == null ? JsonNull.INSTANCE : new JsonPrimitive(s.calibrationOffsetDb()));
            JsonArray classes = new JsonArray();
            s.classes().forEach(classes::add);
            o.add(CLASSES, classes);
            o.addProperty(ENABLED, s.enabled());
            if (s.latitude() != null) {
                o.addProperty(LATITUDE, s.latitude());
                o.addProperty(LONGITUDE, s.longitude());
            }
            array.add(o);
        }
        JsonObject root = new JsonObject();
        root.addProperty(VERSION, FORMAT_VERSION);
        root.add(SENSORS, array);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(root)
                + "\n";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }


    @Override
    public String toString() {
        return "SensorRegistry[" + sensors.stream().map(SensorRecord::id).collect(Collectors.joining(", ")) + "]";
    }

    /**
     * What {@link #createIfMissing} did: whether it wrote the file, and then the one copy of the new sensor's token.
     * {@link #toString()} leaves the token out, so logging the result by accident does not publish it.
     */
    public record FirstStart(boolean created, String sensorId, String token) {
        public FirstStart {
            if (created != (token != null)) {
                throw new IllegalArgumentException("a token comes with, and only with, a created file");
            }
        }

        @Override
        public String toString() {
            return "FirstStart[created=" + created + ", sensorId=" + sensorId + ", token="
                    + (token == null ? "<none>" : "<hidden>") + "]";
        }
    }
}
