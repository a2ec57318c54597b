package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Refusal summaries: bounded in rows, in pending intervals during a journal outage, and losing no count. */
class RefusalSummaryTest {
    private static final long MINUTE = 60_000_000L;

    @Test
    void aLongOutageMergesPendingIntervalsWithoutLosingACount() {
        RefusalSummary summary = new RefusalSummary(MINUTE);
        Principal anonymous = Principal.PUBLIC;
        long total = 0;
        // Three days of refusals, one interval a minute, none journaled (as if the journal were down).
        for (int minute = 0; minute < 3 * 1440; minute++) {
            for (int i = 0; i < 3; i++) {
                summary.add(minute * MINUTE + i, "192.0.2." + (minute % 200), anonymous, 400, "/api/v1/transparency");
                total++;
            }
            List<RefusalSummary.Interval> due = summary.takeDue(minute * MINUTE + 10, false);
            summary.putBack(due);
        }
        assertTrue(summary.pending() <= RefusalSummary.MAX_PENDING + 1, "pending: " + summary.pending());
        List<RefusalSummary.Interval> all = summary.takeDue(3 * 1440 * MINUTE, true);
        assertEquals(total, all.stream().mapToLong(RefusalSummary.Interval::total).sum());
        assertTrue(all.stream().allMatch(i -> i.rows().size() <= RefusalSummary.MAX_ROWS));
        assertEquals(0, summary.pending());
    }

    @Test
    void rowsAreCountedPerAddressStatusAndEndpoint() {
        RefusalSummary summary = new RefusalSummary(MINUTE);
        summary.add(0, "a", Principal.PUBLIC, 400, "/api/v1/transparency");
        summary.add(1, "a", Principal.PUBLIC, 400, "/api/v1/transparency");
        summary.add(2, "a", Principal.PUBLIC, 404, "unknown");
        summary.add(3, "b", Principal.PUBLIC, 400, "/api/v1/transparency");
        assertEquals(List.of(), summary.takeDue(MINUTE - 1, false));
        List<RefusalSummary.Interval> due = summary.takeDue(MINUTE, false);
        assertEquals(1, due.size());
        assertEquals(List.of(new RefusalSummary.Row("a", "anonymous", "none", 400, "/api/v1/transparency", 2),
                new RefusalSummary.Row("a", "anonymous", "none", 404, "unknown", 1),
                new RefusalSummary.Row("b", "anonymous", "none", 400, "/api/v1/transparency", 1)), due.get(0).rows());
        assertEquals(0, due.get(0).fromMicros());
        assertEquals(MINUTE, due.get(0).toMicros());
    }
}
