package org.earshot.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.earshot.config.StrictJson;
import org.earshot.journal.Journal;

/**
 * One record that a node sends through Kafka instead of journaling it, and that the journal writer journals: the
 * journal entry's {@code type} and {@code data} exactly as a single node would have appended them, with the node that
 * made it, the sensor (the Kafka key, so that a sensor's records stay in order in one partition) and a record id
 * that is the same whenever the same record is made again ({@code <type>/<detection id>}), so that the writer journals
 * it once. On the wire: one UTF-8 JSON object
 * {@code {"v":1,"record_id":"...","node":"...","type":"detection","sensor":"...","data":{...}}}. Parsing is strict
 * (duplicate names, trailing data and unknown versions are errors) and bounded: a value larger than a journal entry
 * may be is refused before it is parsed.
 */
public record ClusterRecord(String recordId, String node, String type, String sensor, JsonObject data) {
    public static final int VERSION = 1;
    /** What a node sends now; anything else is refused by the writer, counted, and skipped. */
    public static final Set<String> TYPES = Set.of("detection", "alert");
    /** Room left in a journal entry for the writer's {@code cluster} object (topic, partition, offset, ids). */
    public static final int MAX_VALUE_BYTES = Journal.MAX_ENTRY_BYTES - 1024;
    static final int MAX_ID_CHARS = 256;
    private static final int MAX_DEPTH = 8;

    public ClusterRecord {
        recordId = name("record_id", recordId, MAX_ID_CHARS);
        node = name("node", node, 64);
        sensor = name("sensor", sensor, MAX_ID_CHARS);
        if (type == null || !TYPES.contains(type)) {
            throw new IllegalArgumentException("type must be one of " + TYPES + ", got " + type);
        }
        if (data == null) {
            throw new IllegalArgumentException("data must be a JSON object");
        }
    }

    /** The id of the record of this type for this detection: stable, so the same detection made twice is one entry. */
    public static String recordId(String type, String detectionId) {
        return type + "/" + detectionId;
    }

    /** The value sent to Kafka. */
    public byte[] toBytes() {
        JsonObject o = new JsonObject();
        o.addProperty("v", VERSION);
        o.addProperty("record_id", recordId);
        o.addProperty("node", node);
        o.addProperty("type", type);
        o.addProperty("sensor", sensor);
        o.add("data", data);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a Kafka value written by {@link #toBytes()}.
     *
     * @throws BadRecordException naming the problem: not UTF-8 JSON, too large, a missing or mistyped field, an
     *     unknown version or type
     */
    public static ClusterRecord parse(byte[] value) throws BadRecordException {
        JsonObject o = envelope(value, MAX_VALUE_BYTES, Set.of("v", "record_id", "node", "type", "sensor", "data"),
                VERSION);
        JsonElement data = o.get("data");
        if (data == null || !data.isJsonObject()) {
            throw new BadRecordException("data must be a JSON object");
        }
        try {
            return new ClusterRecord(string(o, "record_id"), string(o, "node"), string(o, "type"),
                    string(o, "sensor"), data.getAsJsonObject());
        } catch (IllegalArgumentException e) {
            throw new BadRecordException(e.getMessage());
        }
    }

    /**
     * What every value the cluster puts on Kafka must be, whatever its kind (a record, a journaled entry): present,
     * at most {@code maxBytes}, UTF-8, strict JSON (depth {@value #MAX_DEPTH}), an object with only {@code fields},
     * and {@code "v"} exactly {@code version}. Returns the object for the kind's own fields.
     */
    static JsonObject envelope(byte[] value, int maxBytes, Set<String> fields, int version)
            throws BadRecordException {
        if (value == null) {
            throw new BadRecordException("empty value (a tombstone?)");
        }
        if (value.length > maxBytes) {
            throw new BadRecordException("value of " + value.length + " bytes, more than " + maxBytes);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(value)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadRecordException("value is not UTF-8");
        }
        JsonElement root;
        try {
            root = StrictJson.parseStrict(text, MAX_DEPTH);
        } catch (StrictJson.Problem e) {
            throw new BadRecordException("value is not strict JSON: " + e.getMessage());
        }
        if (!root.isJsonObject()) {
            throw new BadRecordException("value is not a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        for (String name : o.keySet()) {
            if (!fields.contains(name)) {
                throw new BadRecordException("unknown field " + org.earshot.ingest.LogSafe.quote(name));
            }
        }
        JsonElement v = o.get("v");
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()
                || v.getAsBigDecimal().compareTo(java.math.BigDecimal.valueOf(version)) != 0) {
            throw new BadRecordException("v must be " + version + ", got " + v);
        }
        return o;
    }

    private static String string(JsonObject o, String name) throws BadRecordException {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive() || !((JsonPrimitive) e).isString()) {
            throw new BadRecordException(name + " must be a string");
        }
        return e.getAsString();
    }

    private static String name(String field, String value, int maxChars) {
        if (value == null || value.isEmpty() || value.length() > maxChars
                || value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(field + " must be 1 to " + maxChars
                    + " characters without control characters, got "
                    + (value == null ? "null" : org.earshot.ingest.LogSafe.quote(value)));
        }
        return value;
    }
}
