package org.earshot.api;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An in-memory {@link Records} for the HTTP tests: detections in a list, filtered and paged as the interface says,
 * and every audit record kept so tests can check it. {@link #failAudit} makes {@link #audit} throw, as a journal on a
 * full disk would.
 */
final class MemoryRecords implements Records {
    final List<DetectionRecord> detections = new ArrayList<>();
    final List<AccessRecord> audits = Collections.synchronizedList(new ArrayList<>());
    final List<RefusalSummary.Interval> refusals = Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.atomic.AtomicLong countedSummarized = new java.util.concurrent.atomic.AtomicLong();
    final AtomicBoolean failAudit = new AtomicBoolean();
    final List<DetectionQuery> queries = Collections.synchronizedList(new ArrayList<>());
    static final CheckpointView CHECKPOINT = new CheckpointView(64, new byte[32], 1_700_000_000_000_000L, "key-1",
            new byte[] {1, 2, 3}, "earshot checkpoint\n64\n");

    @Override
    public Page<DetectionRecord> detections(DetectionQuery q) {
        queries.add(q);
        List<DetectionRecord> matching = detections.stream()
                .filter(d -> d.seq() > q.afterSeq())
                .filter(d -> q.fromMicros() == null || d.onsetMicros() >= q.fromMicros())
                .filter(d -> q.toMicros() == null || d.onsetMicros() < q.toMicros())
                .filter(d -> q.sensors().isEmpty() || q.sensors().contains(d.sensor()))
                .filter(d -> q.classes().isEmpty() || q.classes().contains(d.label()))
                .filter(d -> q.minConfidence() == null || d.confidence() >= q.minConfidence())
                .toList();
        List<DetectionRecord> page = matching.subList(0, Math.min(q.limit(), matching.size()));
        Long next = matching.size() > q.limit() ? page.get(page.size() - 1).seq() : null;
        return new Page<>(page, next);
    }

    @Override
    public Optional<DetectionProof> detection(String id) {
        return detections.stream().filter(d -> d.id().equals(id)).findFirst()
                .map(d -> new DetectionProof(d, "{\"type\":\"detection\",\"id\":\"" + d.id() + "\"}", d.seq(),
                        new byte[32], 64, new byte[32], List.of(new byte[32], new byte[32]), CHECKPOINT));
    }

    @Override
    public Page<JournalEntryView> entries(long afterSeq, int limit, Set<String> types) {
        return new Page<>(List.of(new JournalEntryView(afterSeq + 1, 1_700_000_000_000_000L, "detection", "{}",
                new byte[32], false)), null);
    }

    @Override
    public List<CheckpointView> checkpoints(long afterTreeSize, int limit) {
        return List.of(CHECKPOINT);
    }

    @Override
    public List<byte[]> consistencyProof(long oldSize, long newSize) {
        if (newSize > 64) {
            throw new IllegalArgumentException("to is beyond the journal (64 entries)");
        }
        return List.of(new byte[32]);
    }

    @Override
    public List<SensorView> sensors() {
        return List.of(new SensorView("s1", "Main St, pole 12", "night-time disturbance", List.of("shout"), true,
                94.0, 52.37, 4.89));
    }

    @Override
    public List<DailyCount> dailyCounts(LocalDate from, LocalDate to) {
        List<DailyCount> counts = new ArrayList<>();
        for (DetectionRecord d : detections) {
            LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(d.onsetMicros(), 86_400_000_000L));
            if (!day.isBefore(from) && !day.isAfter(to)) {
                counts.add(new DailyCount(day, d.sensor(), d.label(), 1));
            }
        }
        return counts;
    }

    @Override
    public Map<String, Object> configuration() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("http", Map.of("port", 8080));
        return c;
    }

    @Override
    public long audit(AccessRecord access) throws IOException {
        if (failAudit.get()) {
            throw new IOException("journal disk full");
        }
        audits.add(access);
        return audits.size();
    }

    @Override
    public long auditRefusals(RefusalSummary.Interval interval) throws IOException {
        if (failAudit.get()) {
            throw new IOException("journal disk full");
        }
        refusals.add(interval);
        return audits.size() + refusals.size();
    }

    @Override
    public void countSummarized(String role, int status) {
        countedSummarized.incrementAndGet();
    }

    /** Refused requests counted in summaries so far. */
    long summarized() {
        synchronized (refusals) {
            return refusals.stream().mapToLong(RefusalSummary.Interval::total).sum();
        }
    }
}
