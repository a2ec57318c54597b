package org.earshot.api;

import java.io.IOException;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the query API reads and where it records each access: the journal, seen through plain Java types so that the
 * API does not depend on how the journal stores them. Every method may block (file reads, fsync); the API calls them
 * only from worker threads, never from an event loop, and from several threads at once. Sequence numbers and tree
 * sizes are the journal's; {@code afterSeq}-style arguments are exclusive lower bounds, and -1 means "from the
 * start" whatever number the journal's first entry has.
 */
public interface Records {
    /** Detections matching the query, in ascending journal seq, at most {@code query.limit()} of them. */
    Page<DetectionRecord> detections(DetectionQuery query) throws IOException;

    /** The detection with this id and the proof that its entry is in the journal; empty when there is none. */
    Optional<DetectionProof> detection(String id) throws IOException;

    /** Journal entries with seq > afterSeq, ascending, at most {@code limit}; {@code types} empty means all types. */
    Page<JournalEntryView> entries(long afterSeq, int limit, Set<String> types) throws IOException;

    /** Signed checkpoints with tree size > afterTreeSize, ascending, at most {@code limit}. */
    List<CheckpointView> checkpoints(long afterTreeSize, int limit) throws IOException;

    /**
     * The RFC 9162 consistency proof between two tree sizes.
     *
     * @throws IllegalArgumentException when the sizes are invalid (old > new, or new beyond the journal); its
     *                                  message is shown to the client as the reason
     */
    List<byte[]> consistencyProof(long oldSize, long newSize) throws IOException;

    /** Every sensor with what it declares: location, purpose, enabled classes. */
    List<SensorView> sensors();

    /** Detections counted per UTC day, sensor and class, for the days {@code from..to} inclusive. */
    List<DailyCount> dailyCounts(LocalDate from, LocalDate to) throws IOException;

    /** The effective configuration without secrets (passwords, keys, token hashes), as JSON-able values. */
    Map<String, Object> configuration();

    /** Journals one API request (or refusal) durably; returns its seq. Throws IOException when the journal cannot take it. */
    long audit(AccessRecord access) throws IOException;

    /**
     * Journals one interval's summary of refused anonymous and rate-limited requests durably (they are not
     * journaled one by one); returns its seq.
     */
    long auditRefusals(RefusalSummary.Interval refusals) throws IOException;

    /**
     * Counts, at once, a request that goes into a refusal summary instead of an entry of its own, so that access
     * counts by role (InfluxDB's {@code api_access}) do not wait for the summary.
     */
    default void countSummarized(String role, int status) {}
}
