package org.earshot.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * What the journal writer announces on {@code <prefix>journaled} once an entry is in the cluster's journal, so that
 * every node publishes it on MQTT (journaled, then published): a detection or an alert (the JSON a single node
 * publishes for it, with {@code journal_seq} added) or a newly signed checkpoint (its JSON, which readers verify).
 * On the wire: {@code {"v":1,"kind":"detection","seq":N,"sensor":"s1","class":"shout","payload":{...}}}; for a
 * checkpoint {@code seq} is its tree size and {@code sensor} and {@code class} are absent. Parsing is strict and
 * bounded like {@link ClusterRecord}'s.
 */
public record JournaledEntry(String kind, long seq, String sensor, String label, JsonObject payload) {
    public static final int VERSION = 1;
    public static final String DETECTION = "detection";
    public static final String ALERT = "alert";
    public static final String CHECKPOINT = "checkpoint";
    /** The field a published detection or alert of cluster mode carries beyond a single node's: its journal seq. */
    public static final String JOURNAL_SEQ = "journal_seq";
    /** Fields of a journal entry's data that are not published (the thresholds, and the record's Kafka origin). */
    static final Set<String> NOT_PUBLISHED = Set.of("threshold", "off_threshold", WriterPositions.SOURCE);
    private static final Set<String> FIELDS = Set.of("v", "kind", "seq", "sensor", "class", "payload");

    public JournaledEntry {
        if (kind == null || !Set.of(DETECTION, ALERT, CHECKPOINT).contains(kind)) {
            throw new IllegalArgumentException("kind must be detection, alert or checkpoint, got " + kind);
        }
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, got " + seq);
        }
        if (!kind.equals(CHECKPOINT) && (sensor == null || sensor.isEmpty() || label == null || label.isEmpty())) {
            throw new IllegalArgumentException("a " + kind + " needs its sensor and class");
        }
        if (payload == null) {
            throw new IllegalArgumentException("payload must be a JSON object");
        }
    }

    /**
     * The announcement of a journaled detection or alert: the entry's data without what a single node does not
     * publish, plus {@value #JOURNAL_SEQ}. Null for entries of other types (nothing is published for them).
     */
    public static JournaledEntry of(String type, long seq, JsonObject entryData) {
        if (!type.equals(DETECTION) && !type.equals(ALERT)) {
            return null;
        }
        JsonObject payload = new JsonObject();
        for (String key : entryData.keySet()) {
            if (!NOT_PUBLISHED.contains(key)) {
                payload.add(key, entryData.get(key));
            }
        }
        payload.addProperty(JOURNAL_SEQ, seq);
        return new JournaledEntry(type, seq, payload.get("sensor").getAsString(), payload.get("class").getAsString(),
                payload);
    }

    /** The announcement of a signed checkpoint of {@code treeSize} entries. */
    public static JournaledEntry checkpoint(long treeSize, JsonObject checkpoint) {
        return new JournaledEntry(CHECKPOINT, treeSize, null, null, checkpoint);
    }

    /** The Kafka key: the sensor (a sensor's entries stay in order), or {@code checkpoint}. */
    public String key() {
        return sensor == null ? CHECKPOINT : sensor;
    }

    public byte[] toBytes() {
        JsonObject o = new JsonObject();
        o.addProperty("v", VERSION);
        o.addProperty("kind", kind);
        o.addProperty("seq", seq);
        if (sensor != null) {
            o.addProperty("sensor", sensor);
            o.addProperty("class", label);
        }
        o.add("payload", payload);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a value written by {@link #toBytes()}.
     *
     * @throws BadRecordException naming the problem
     */
    public static JournaledEntry parse(byte[] value) throws BadRecordException {
        JsonObject o = ClusterRecord.envelope(value, ClusterRecord.MAX_VALUE_BYTES + 1024, FIELDS, VERSION);
        JsonElement seq = o.get("seq");
        if (seq == null || !seq.isJsonPrimitive() || !seq.getAsJsonPrimitive().isNumber()
                || seq.getAsBigDecimal().stripTrailingZeros().scale() > 0
                || seq.getAsBigDecimal().compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new BadRecordException("seq must be a whole number, got " + seq);
        }
        JsonElement payload = o.get("payload");
        if (payload == null || !payload.isJsonObject()) {
            throw new BadRecordException("payload must be a JSON object");
        }
        try {
            return new JournaledEntry(string(o, "kind", true), seq.getAsLong(), string(o, "sensor", false),
                    string(o, "class", false), payload.getAsJsonObject());
        } catch (IllegalArgumentException e) {
            throw new BadRecordException(e.getMessage());
        }
    }

    private static String string(JsonObject o, String name, boolean required) throws BadRecordException {
        JsonElement e = o.get(name);
        if (e == null && !required) {
            return null;
        }
        if (e == null || !e.isJsonPrimitive() || !((JsonPrimitive) e).isString()) {
            throw new BadRecordException(name + " must be a string");
        }
        return e.getAsString();
    }
}
