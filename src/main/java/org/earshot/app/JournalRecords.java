package org.earshot.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.google.gson.JsonObject;
import org.earshot.api.AccessRecord;
import org.earshot.api.CheckpointView;
import org.earshot.api.DailyCount;
import org.earshot.api.DetectionProof;
import org.earshot.api.DetectionQuery;
import org.earshot.api.DetectionRecord;
import org.earshot.api.JournalEntryView;
import org.earshot.api.Page;
import org.earshot.api.Records;
import org.earshot.api.SensorView;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.journal.Checkpoint;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalLine;

/**
 * The query API's view of the service's records: detections from the {@link DetectionIndex}, entries, proofs and
 * checkpoints from the {@link Journal}, sensors from the registry, and each API request written to the journal as an
 * {@code api_request} entry before the API answers. Proofs are given against the newest signed checkpoint when it
 * covers the entry, so that a client can check the root's signature; a newer entry is proven against the current
 * (not yet signed) tree.
 */
final class JournalRecords implements Records {
    private final ServiceJournal records;
    private final java.util.function.Supplier<SensorRegistry> registry;
    private final Map<String, String> settings;
    private final Map<String, java.util.concurrent.atomic.LongAdder> requestsByRole;
    private final Map<String, java.util.concurrent.atomic.LongAdder> refusedByRole;

    /**
     * @param requestsByRole counts API requests by role as they are journaled, or summarized when refused
     *                       anonymously or rate-limited (for the accountability figures)
     * @param refusedByRole  ... and those refused (401, 403)
     */
    JournalRecords(ServiceJournal records, java.util.function.Supplier<SensorRegistry> registry,
                   Map<String, String> settings, Map<String, java.util.concurrent.atomic.LongAdder> requestsByRole,
                   Map<String, java.util.concurrent.atomic.LongAdder> refusedByRole) {
        this.records = records;
        this.registry = registry;
        this.settings = settings;
        this.requestsByRole = requestsByRole;
        this.refusedByRole = refusedByRole;
    }

    @Override
    public Page<DetectionRecord> detections(DetectionQuery q) {
        List<DetectionIndex.Indexed> found = records.index.query(q.fromMicros(), q.toMicros(), q.sensors(),
                q.classes(), q.minConfidence(), q.afterSeq(), q.limit());
        List<DetectionRecord> items = new ArrayList<>();
        for (int i = 0; i < Math.min(found.size(), q.limit()); i++) {
            items.add(view(found.get(i)));
        }
        Long next = found.size() > q.limit() ? items.get(items.size() - 1).seq() : null;
        return new Page<>(items, next);
    }

    private static DetectionRecord view(DetectionIndex.Indexed x) {
        return new DetectionRecord(x.seq(), x.id(), x.sensor(), x.label(), x.onsetMicros(), x.offsetMicros(),
                x.confidence(), x.peakDbfs(), x.peakDb(), x.threshold(), x.model(), x.receivedMicros(),
                x.recordedMicros());
    }

    @Override
    public Optional<DetectionProof> detection(String id) throws IOException {
        Optional<DetectionIndex.Indexed> found = records.index.byId(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Journal journal = records.journal;
        DetectionIndex.Indexed x = found.get();
        JournalLine line = journal.read(x.seq());
        Checkpoint checkpoint = journal.latestCheckpoint();
        long treeSize;
        CheckpointView signed = null;
        if (checkpoint != null && checkpoint.treeSize() > x.seq()) {
            treeSize = checkpoint.treeSize();
            signed = view(checkpoint);
        } else {
            treeSize = journal.durableSize();
        }
        return Optional.of(new DetectionProof(view(x), new String(line.bytes(), StandardCharsets.UTF_8), x.seq(),
                line.leafHash(), treeSize, journal.root(treeSize), journal.inclusionProof(x.seq(), treeSize),
                signed));
    }

    private static CheckpointView view(Checkpoint c) {
        return new CheckpointView(c.treeSize(), c.rootHash(), c.timeMicros(), c.keyId(), c.signature(),
                c.signedText());
    }

    @Override
    public Page<JournalEntryView> entries(long afterSeq, int limit, Set<String> types) throws IOException {
        Journal journal = records.journal;
        List<JournalEntryView> items = new ArrayList<>();
        long seq = afterSeq + 1;
        long end = journal.durableSize();
        while (items.size() < limit && seq < end) {
            List<JournalLine> lines = journal.read(seq, Math.max(256, limit));
            if (lines.isEmpty()) {
                break;
            }
            for (JournalLine line : lines) {
                seq = line.seq() + 1;
                if (types.isEmpty() || types.contains(line.type())) {
                    items.add(new JournalEntryView(line.seq(), line.timeMicros(), line.type(),
                            new String(line.bytes(), StandardCharsets.UTF_8), line.leafHash(), line.redacted()));
                    if (items.size() == limit) {
                        break;
                    }
                }
            }
        }
        Long next = items.size() == limit && seq < end ? items.get(items.size() - 1).seq() : null;
        return new Page<>(items, next);
    }

    @Override
    public List<CheckpointView> checkpoints(long afterTreeSize, int limit) {
        List<CheckpointView> out = new ArrayList<>();
        for (Checkpoint c : records.journal.checkpoints()) {
            if (c.treeSize() > afterTreeSize && out.size() < limit) {
                out.add(view(c));
            }
        }
        return out;
    }

    @Override
    public List<byte[]> consistencyProof(long oldSize, long newSize) {
        long size = records.journal.durableSize();
        if (oldSize < 0 || newSize < oldSize || newSize > size) {
            throw new IllegalArgumentException("tree sizes must satisfy 0 <= from <= to <= " + size + " (the"
                    + " journal's size), got from=" + oldSize + " to=" + newSize);
        }
        return records.journal.consistencyProof(oldSize, newSize);
    }

    @Override
    public List<SensorView> sensors() {
        List<SensorView> out = new ArrayList<>();
        for (SensorRecord s : registry.get().sensors()) {
            out.add(new SensorView(s.id(), s.location(), s.purpose(), List.copyOf(s.classes()), s.enabled(),
                    s.calibrationOffsetDb(), s.latitude(), s.longitude()));
        }
        return out;
    }

    @Override
    public List<DailyCount> dailyCounts(LocalDate from, LocalDate to) {
        List<DailyCount> out = new ArrayList<>();
        records.index.daily(from, to).forEach((k, v) -> out.add(new DailyCount(k.day(), k.sensor(), k.label(), v)));
        return out;
    }

    @Override
    public Map<String, Object> configuration() {
        return new LinkedHashMap<>(settings);
    }

    @Override
    public long audit(AccessRecord a) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("principal", a.principal());
        o.addProperty("role", a.role());
        o.addProperty("credential", a.credential());
        if (a.keyId() != null) {
            o.addProperty("key_id", a.keyId());
        }
        o.addProperty("method", a.method());
        o.addProperty("path", a.path());
        JsonObject params = new JsonObject();
        a.parameters().forEach(params::addProperty);
        o.add("parameters", params);
        o.addProperty("status", a.status());
        o.addProperty("results", a.results());
        if (a.refusal() != null) {
            o.addProperty("refusal", a.refusal());
        }
        o.addProperty("remote_address", a.remoteAddress());
        long seq = records.recordRequest(o);
        String role = a.role() == null ? "public" : a.role();
        requestsByRole.computeIfAbsent(role, r -> new java.util.concurrent.atomic.LongAdder()).increment();
        if (a.status() == 401 || a.status() == 403) {
            refusedByRole.computeIfAbsent(role, r -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
        return seq;
    }

    @Override
    public void countSummarized(String role, int status) {
        requestsByRole.computeIfAbsent(role, r -> new java.util.concurrent.atomic.LongAdder()).increment();
        if (status == 401 || status == 403) {
            refusedByRole.computeIfAbsent(role, r -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
    }

    @Override
    public long auditRefusals(org.earshot.api.RefusalSummary.Interval refusals) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("from_us", refusals.fromMicros());
        o.addProperty("to_us", refusals.toMicros());
        o.addProperty("total", refusals.total());
        com.google.gson.JsonArray rows = new com.google.gson.JsonArray();
        for (org.earshot.api.RefusalSummary.Row r : refusals.rows()) {
            JsonObject row = new JsonObject();
            row.addProperty("remote_address", r.remoteAddress());
            row.addProperty("principal", r.principal());
            row.addProperty("credential", r.credential());
            row.addProperty("status", r.status());
            row.addProperty("endpoint", r.endpoint());
            row.addProperty("count", r.count());
            rows.add(row);
        }
        o.add("rows", rows);
        o.addProperty("other", refusals.otherRequests());
        return records.recordRefusals(o);
    }
}
