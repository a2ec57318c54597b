package org.earshot.cluster;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.earshot.journal.JournalLine;

/**
 * What the journal writer has journaled, rebuilt from the journal itself: for each partition of the records topic,
 * the offset after the last record journaled, and the ids of the most recent records. Every journaled record carries
 * its origin in a {@value #SOURCE} object ({@code topic}, {@code partition}, {@code offset}, {@code record_id},
 * {@code node}); replaying the journal at start gives back exactly what was appended, so a writer killed between an
 * append and the commit of its Kafka offset neither journals that record again nor skips one. Kafka's committed
 * offsets only matter for a partition that the journal says nothing about (nothing journaled yet, or its entries'
 * data deleted by retention). Pure: no Kafka, no I/O; one thread at a time.
 */
public final class WriterPositions implements Consumer<JournalLine> {
    /** The name of the object in a journaled record's data that says where it came from. */
    public static final String SOURCE = "cluster";
    /** How many recent record ids are remembered to refuse a record made twice (by two nodes, or by a retry). */
    public static final int RECENT_IDS = 100_000;

    /** What to do with a record read from Kafka. */
    public enum Decision {
        /** New: journal it. */
        APPEND,
        /** Its offset is before the partition's position: journaled already (a redelivery after a restart). */
        ALREADY_JOURNALED,
        /** Another record with the same id was journaled recently: the same detection made twice. */
        DUPLICATE_ID
    }

    private final String topic;
    private final int recentIds;
    private final Map<Integer, Long> next = new HashMap<>();
    private final LinkedHashSet<String> recent = new LinkedHashSet<>();

    public WriterPositions(String topic) {
        this(topic, RECENT_IDS);
    }

    WriterPositions(String topic, int recentIds) {
        if (recentIds < 1) {
            throw new IllegalArgumentException("recentIds " + recentIds);
        }
        this.topic = topic;
        this.recentIds = recentIds;
    }

    /** The journal entry data of a record: the node's data with {@value #SOURCE} added. */
    public static JsonObject entryData(ClusterRecord record, String topic, int partition, long offset) {
        JsonObject data = record.data().deepCopy();
        JsonObject source = new JsonObject();
        source.addProperty("topic", topic);
        source.addProperty("partition", partition);
        source.addProperty("offset", offset);
        source.addProperty("record_id", record.recordId());
        source.addProperty("node", record.node());
        data.add(SOURCE, source);
        return data;
    }

    /** Replays one journal entry (a journal listener, in sequence order): learns the position of a journaled record. */
    @Override
    public void accept(JournalLine line) {
        if (line.redacted()) {
            return;
        }
        JsonObject data;
        try {
            data = line.dataJson();
        } catch (RuntimeException e) {
            return;
        }
        JsonElement s = data.get(SOURCE);
        if (s == null || !s.isJsonObject()) {
            return;
        }
        JsonObject source = s.getAsJsonObject();
        try {
            if (!topic.equals(source.get("topic").getAsString())) {
                return;
            }
            appended(source.get("partition").getAsInt(), source.get("offset").getAsLong(),
                    source.get("record_id").getAsString());
        } catch (RuntimeException e) {
            // Not one of ours (a hand-written entry): it says nothing about positions.
        }
    }

    /** The offset to read the partition from, as far as the journal knows; empty when it knows nothing of it. */
    public OptionalLong next(int partition) {
        Long n = next.get(partition);
        return n == null ? OptionalLong.empty() : OptionalLong.of(n);
    }

    /** Every partition's next offset the journal knows. */
    public Map<Integer, Long> positions() {
        return Map.copyOf(next);
    }

    public Decision decide(int partition, long offset, String recordId) {
        Long n = next.get(partition);
        if (n != null && offset < n) {
            return Decision.ALREADY_JOURNALED;
        }
        if (recent.contains(recordId)) {
            return Decision.DUPLICATE_ID;
        }
        return Decision.APPEND;
    }

    /** The record at this offset was journaled (or skipped for good): the partition goes on after it. */
    public void appended(int partition, long offset, String recordId) {
        passed(partition, offset);
        if (recent.remove(recordId) || recent.size() < recentIds) {
            recent.add(recordId);
            return;
        }
        Iterator<String> oldest = recent.iterator();
        oldest.next();
        oldest.remove();
        recent.add(recordId);
    }

    /** A record at this offset was dealt with without being journaled (refused as invalid, or a duplicate id). */
    public void passed(int partition, long offset) {
        next.merge(partition, offset + 1, Math::max);
    }
}
