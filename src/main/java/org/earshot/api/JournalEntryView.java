package org.earshot.api;

/**
 * One journal entry: its seq, time (epoch microseconds) and type, its exact JSON text (null when the entry has been
 * redacted, e.g. after a retention period; its leaf hash stays, so the tree still verifies) and its leaf hash.
 */
public record JournalEntryView(long seq, long timeMicros, String type, String entryJson, byte[] leafHash,
                               boolean redacted) {
}
