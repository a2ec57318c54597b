package org.earshot.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Refused requests counted per interval instead of journaled one by one: anonymous refusals (no credential, or one
 * that was refused) and every rate-limited request. Each row counts the requests of one client address (or /64),
 * principal, status and endpoint; at most {@value #MAX_ROWS} rows per interval, the rest counted together in
 * {@link Interval#otherRequests()}. So a flood costs the journal one bounded entry per interval, not one per request.
 * Thread-safe.
 */
public final class RefusalSummary {
    public static final int MAX_ROWS = 100;
    /**
     * Intervals kept while the journal cannot take them; beyond this the oldest two are merged into one, so memory
     * stays bounded through a long outage and no refusal goes uncounted.
     */
    public static final int MAX_PENDING = 1440;

    /** One row: who, from where, what was refused how, and how often. */
    public record Row(String remoteAddress, String principal, String credential, int status, String endpoint,
                      long count) {}

    /** The refusals of {@code [fromMicros, toMicros)}. */
    public record Interval(long fromMicros, long toMicros, List<Row> rows, long otherRequests) {
        public Interval {
            rows = List.copyOf(rows);
        }

        public long total() {
            return otherRequests + rows.stream().mapToLong(Row::count).sum();
        }
    }

    private record Key(String remoteAddress, String principal, String credential, int status, String endpoint) {}

    private final long intervalMicros;
    private final Map<Key, long[]> counts = new LinkedHashMap<>();
    private final List<Interval> closed = new ArrayList<>();
    private long other;
    private long startMicros = -1;

    public RefusalSummary(long intervalMicros) {
        if (intervalMicros <= 0) {
            throw new IllegalArgumentException("interval must be positive");
        }
        this.intervalMicros = intervalMicros;
    }

    /** Counts one refused request at {@code nowMicros}. */
    public synchronized void add(long nowMicros, String remoteAddress, Principal principal, int status,
                                 String endpoint) {
        roll(nowMicros);
        if (startMicros < 0) {
            startMicros = nowMicros;
        }
        Key key = new Key(Objects.requireNonNullElse(remoteAddress, ""), principal.name(), principal.credential(),
                status, endpoint);
        long[] count = counts.get(key);
        if (count == null) {
            if (counts.size() >= MAX_ROWS) {
                other++;
                return;
            }
            counts.put(key, count = new long[1]);
        }
        count[0]++;
    }

    /** The intervals over at {@code nowMicros} (the current one too when {@code all}), removed from this summary. */
    public synchronized List<Interval> takeDue(long nowMicros, boolean all) {
        roll(nowMicros);
        if (all && startMicros >= 0) {
            close(nowMicros);
        }
        List<Interval> due = new ArrayList<>(closed);
        closed.clear();
        return due;
    }

    /** Puts back intervals that could not be journaled, to be tried again with the next ones. */
    public synchronized void putBack(List<Interval> intervals) {
        closed.addAll(0, intervals);
        bound();
    }

    /** Intervals waiting to be journaled (for tests). */
    synchronized int pending() {
        return closed.size() + (startMicros >= 0 ? 1 : 0);
    }

    private void bound() {
        while (closed.size() > MAX_PENDING) {
            Interval a = closed.remove(0);
            Interval b = closed.remove(0);
            Map<Key, long[]> merged = new LinkedHashMap<>();
            long mergedOther = a.otherRequests() + b.otherRequests();
            for (Row r : a.rows().size() >= b.rows().size() ? concat(a.rows(), b.rows()) : concat(b.rows(), a.rows())) {
                Key k = new Key(r.remoteAddress(), r.principal(), r.credential(), r.status(), r.endpoint());
                long[] count = merged.get(k);
                if (count == null && merged.size() >= MAX_ROWS) {
                    mergedOther += r.count();
                    continue;
                }
                merged.computeIfAbsent(k, x -> new long[1])[0] += r.count();
            }
            List<Row> rows = new ArrayList<>();
            merged.forEach((k, v) -> rows.add(new Row(k.remoteAddress(), k.principal(), k.credential(), k.status(),
                    k.endpoint(), v[0])));
            closed.add(0, new Interval(Math.min(a.fromMicros(), b.fromMicros()), Math.max(a.toMicros(),
                    b.toMicros()), rows, mergedOther));
        }
    }

    private static List<Row> concat(List<Row> first, List<Row> second) {
        List<Row> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private void roll(long nowMicros) {
        if (startMicros >= 0 && nowMicros - startMicros >= intervalMicros) {
            close(startMicros + intervalMicros * ((nowMicros - startMicros) / intervalMicros));
        }
    }

    private void close(long endMicros) {
        List<Row> rows = new ArrayList<>();
        counts.forEach((k, v) -> rows.add(new Row(k.remoteAddress(), k.principal(), k.credential(), k.status(),
                k.endpoint(), v[0])));
        closed.add(new Interval(startMicros, Math.max(endMicros, startMicros + 1), rows, other));
        counts.clear();
        other = 0;
        startMicros = -1;
        bound();
    }
}
