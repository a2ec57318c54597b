package org.earshot.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class EventMetricsTest {
    private static Event glass(double onset) {
        return new Event("glass_break", onset, onset + 0.3);
    }

    private static EventMetrics.ClassResult glassResult(List<Event> reference, List<Event> estimated) {
        EventMetrics metrics = new EventMetrics(EventMetrics.DEFAULT_COLLAR_SECONDS);
        metrics.addRecording(reference, estimated, 3600);
        return metrics.results().get(1);
    }

    @Test
    void collarEdges() {
        assertEquals(1, glassResult(List.of(glass(10)), List.of(glass(10.49))).truePositives());
        assertEquals(1, glassResult(List.of(glass(10)), List.of(glass(9.51))).truePositives());
        assertEquals(1, glassResult(List.of(glass(12.34)), List.of(glass(12.84))).truePositives()); // exactly 0.5 s
        EventMetrics.ClassResult late = glassResult(List.of(glass(10)), List.of(glass(10.51)));
        assertEquals(0, late.truePositives());
        assertEquals(1, late.falsePositives());
        assertEquals(1, late.falseNegatives());
        assertEquals(2.0, late.errorRate(), 1e-12);
        assertEquals(0, glassResult(List.of(glass(10)), List.of(glass(9.49))).truePositives());
    }

    @Test
    void aSecondDetectionOfOneEventIsAFalsePositive() {
        EventMetrics.ClassResult result = glassResult(List.of(glass(5)), List.of(glass(5.1), glass(5.2)));
        assertEquals(1, result.truePositives());
        assertEquals(1, result.falsePositives());
        assertEquals(0, result.falseNegatives());
        assertEquals(0.5, result.precision(), 1e-12);
        assertEquals(1.0, result.recall(), 1e-12);
        assertEquals(2.0 / 3, result.f1(), 1e-12);
        assertEquals(1.0, result.errorRate(), 1e-12);
        assertEquals(1.0, result.falseAlarmsPerHour(), 1e-12);
    }

    @Test
    void matchingMaximisesHitsWhereNearestFirstWouldNot() {
        // Nearest pair first would match 1.6 with 1.3 (0.3 s) and leave 1.0 and 2.0 unmatched.
        EventMetrics.ClassResult result = glassResult(List.of(glass(1.0), glass(1.6)), List.of(glass(1.3), glass(2.0)));
        assertEquals(2, result.truePositives());
        assertEquals(0.0, result.errorRate(), 1e-12);
    }

    @Test
    void emptyReferenceLeavesOnlyFalseAlarms() {
        EventMetrics metrics = new EventMetrics(0.5);
        metrics.addRecording(List.of(), List.of(glass(3)), 1800);
        EventMetrics.ClassResult result = metrics.results().get(1);
        assertEquals(1, result.falsePositives());
        assertEquals(0, result.referenceEvents());
        assertTrue(Double.isNaN(result.errorRate()));
        assertTrue(Double.isNaN(result.recall()));
        assertEquals(0.0, result.precision());
        assertEquals(2.0, result.falseAlarmsPerHour(), 1e-12);
    }

    @Test
    void classesAreMatchedSeparatelyWithoutSubstitutions() {
        EventMetrics metrics = new EventMetrics(0.5);
        metrics.addRecording(List.of(new Event("shout", 1, 2)), List.of(new Event("impact", 1, 2)), 60);
        List<EventMetrics.ClassResult> results = metrics.results();
        assertEquals(1, results.get(0).falseNegatives());
        assertEquals(0, results.get(0).falsePositives());
        assertEquals(1, results.get(2).falsePositives());
        assertEquals(0, results.get(1).referenceEvents() + results.get(1).estimatedEvents());
    }

    @Test
    void workedExampleOverTwoRecordings() {
        EventMetrics metrics = new EventMetrics(0.5);
        // Recording A (30 min): references at 10, 20, 30 s; estimates at 10.2 (hit), 20.7 (miss), 45 (false alarm).
        metrics.addRecording(List.of(glass(10), glass(20), glass(30)), List.of(glass(10.2), glass(20.7), glass(45)),
                1800);
        // Recording B (30 min): a reference at 10.3 s must not match A's estimate at 10.2 s; one hit at 50 s.
        metrics.addRecording(List.of(glass(10.3), glass(50)), List.of(glass(50.4)), 1800);
        EventMetrics.ClassResult result = metrics.results().get(1);
        assertEquals(2, result.truePositives());
        assertEquals(2, result.falsePositives());
        assertEquals(3, result.falseNegatives());
        assertEquals(0.5, result.precision(), 1e-12);
        assertEquals(0.4, result.recall(), 1e-12);
        assertEquals(4.0 / 9, result.f1(), 1e-12);
        assertEquals(1.0, result.errorRate(), 1e-12);
        assertEquals(2.0, result.falseAlarmsPerHour(), 1e-12);
        assertEquals(new EventMetrics.ClassResult("overall", 2, 2, 3, 3600), metrics.overall());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new EventMetrics(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new EventMetrics(0.5).addRecording(List.of(), List.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> new Event("dog", 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Event("shout", 2, 2));
    }

    @Test
    void recallBySourceCountsEachKindOfReferenceAlone() {
        List<Event> reference = List.of(new Event("impact", 1, 1.2), new Event("impact", 10, 10.2),
                new Event("impact", 20, 20.2), new Event("shout", 30, 32));
        List<String> keys = List.of("wood", "gun", "wood", "scream");
        // Finds the first wood knock (0.3 s late), the gunshot, and the scream only as the wrong class.
        List<Event> estimated = List.of(new Event("impact", 1.3, 1.5), new Event("impact", 10.1, 10.3),
                new Event("glass_break", 30, 31));
        List<EventMetrics.Recall> byKey = new EventMetrics(0.5).recallBy(reference, keys, estimated);
        assertEquals(List.of(new EventMetrics.Recall("wood", 1, 2), new EventMetrics.Recall("gun", 1, 1),
                new EventMetrics.Recall("scream", 0, 1)), byKey);
        assertEquals(0.5, byKey.get(0).recall(), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> new EventMetrics(0.5).recallBy(reference, List.of("wood"), estimated));
    }
}
