package org.earshot.journal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * What a {@code config} entry recorded about the journal itself: how often the run that wrote it signed checkpoints
 * and how long it kept data. The verifier and the opening judge the unsigned end of a journal and each redaction
 * against these, as recorded, not against whatever the current configuration says. A value the entry does not hold
 * is null (the defaults of {@link Journal.Options} then stand for the checkpoint rate; no retention is then known).
 */
public record RecordedConfig(long seq, Integer checkpointEntries, Double checkpointSeconds, Integer retentionDays) {
    /** The names of the settings in a {@code config} entry's {@code settings} object (the service's keys). */
    public static final String CHECKPOINT_ENTRIES = "journal.checkpoint_entries";
    public static final String CHECKPOINT_SECONDS = "journal.checkpoint_seconds";
    public static final String RETENTION_DAYS = "journal.retention_days";

    /** Reads a {@code config} entry's data; fields that are missing or not numbers are null. */
    static RecordedConfig of(long seq, JsonObject data) {
        JsonObject settings = data != null && data.has("settings") && data.get("settings").isJsonObject()
                ? data.getAsJsonObject("settings") : new JsonObject();
        Double entries = number(settings.get(CHECKPOINT_ENTRIES));
        Double retention = number(settings.get(RETENTION_DAYS));
        Double seconds = number(settings.get(CHECKPOINT_SECONDS));
        return new RecordedConfig(seq,
                entries == null || entries < 1 || entries > Integer.MAX_VALUE ? null : (int) Math.round(entries),
                seconds == null || !(seconds > 0) || seconds.isInfinite() ? null : seconds,
                retention == null || retention < 0 || retention > Integer.MAX_VALUE ? null
                        : (int) Math.round(retention));
    }

    private static Double number(JsonElement e) {
        if (e == null || !e.isJsonPrimitive()) {
            return null;
        }
        try {
            return Double.parseDouble(e.getAsString().trim());
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    int checkpointEntriesOrDefault() {
        return checkpointEntries != null ? checkpointEntries : Journal.Options.DEFAULT_CHECKPOINT_EVERY;
    }

    long checkpointMicrosOrDefault() {
        return checkpointSeconds != null ? (long) Math.ceil(checkpointSeconds * 1e6)
                : Journal.Options.DEFAULT_CHECKPOINT_INTERVAL.toNanos() / 1000;
    }
}
