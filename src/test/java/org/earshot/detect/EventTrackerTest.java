package org.earshot.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class EventTrackerTest {
    private static final double HOP = 0.48;
    private static final double BACKGROUND_DBFS = -60;
    private static final DetectorConfig CONFIG = DetectorConfig.defaults(new float[] {0.5f, 0.5f, 0.5f});

    /** Synthetic envelope: background with -20 dBFS bursts over the given [startFrame, endFrame) ranges. */
    private static FrameEnergy bursts(int... ranges) {
        return frame -> {
            for (int i = 0; i < ranges.length; i += 2) {
                if (frame >= ranges[i] && frame < ranges[i + 1]) {
                    return -20;
                }
            }
            return BACKGROUND_DBFS + (frame % 3) * 0.5;
        };
    }

    private static float[] p(double shout, double glass, double impact) {
        return new float[] {(float) shout, (float) glass, (float) impact};
    }

    /** Feeds window i (start i * hop) the glass_break probability glass[i]; returns everything emitted, with flush. */
    private static List<Detection> run(EventTracker tracker, FrameEnergy levels, double... glass) {
        List<Detection> all = new ArrayList<>();
        for (int i = 0; i < glass.length; i++) {
            all.addAll(tracker.accept(i * HOP, p(0, glass[i], 0), levels));
        }
        all.addAll(tracker.flush());
        return all;
    }

    @Test
    void onsetAndOffsetAreRefinedFromFrameLevels() {
        // Burst 3.27-3.37 s; windows at 2.40 and 2.88 s contain it.
        double[] glass = {0, 0, 0, 0, 0, 0.9, 0.95, 0.1, 0, 0};
        List<Detection> events = run(new EventTracker(CONFIG), bursts(327, 337), glass);
        assertEquals(1, events.size());
        Detection event = events.get(0);
        assertEquals("glass_break", event.label());
        assertEquals(3.27, event.onset(), 0.1);
        assertEquals(3.37, event.offset(), 0.1);
        assertEquals(0.95, event.confidence(), 1e-6);
        assertEquals(-20, event.peakDbfs(), 1e-9);
    }

    @Test
    void onsetIsRefinedWhenOnlyTheLaterWindowFires() {
        double[] glass = {0, 0, 0, 0, 0, 0.2, 0.9, 0.1, 0, 0};
        Detection event = run(new EventTracker(CONFIG), bursts(327, 337), glass).get(0);
        assertEquals(3.27, event.onset(), 0.1);
    }

    @Test
    void onsetBacktracksOverPrecedingWindowsAtTheOffThreshold() {
        // A long sound from 1.50 s to 4.00 s, loudest from 2.60 s; it reaches the threshold (0.5) only in the window
        // at 1.92 s, but the two windows before (0.96 s and 1.44 s, both at or above the off-threshold 0.3) hold it.
        FrameEnergy levels = frame -> frame >= 150 && frame < 400 ? (frame >= 260 ? -20 : -26) : BACKGROUND_DBFS;
        double[] glass = {0, 0.1, 0.35, 0.4, 0.9, 0.9, 0.9, 0.9, 0.1, 0, 0};
        Detection event = run(new EventTracker(CONFIG), levels, glass).get(0);
        assertEquals(1.50, event.onset(), 0.05);
        assertEquals(-20, event.peakDbfs(), 1e-9);
        // Without the windows at the off-threshold, the onset stays in the window that fired.
        double[] late = {0, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0, 0};
        Detection lateEvent = run(new EventTracker(CONFIG), levels, late).get(0);
        assertTrue(lateEvent.onset() >= 4 * HOP, "onset " + lateEvent.onset());
    }

    @Test
    void backtrackingReachesAtMostFourWindowsBack() {
        double[] glass = {0, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.9, 0.1, 0, 0};
        Detection event = run(new EventTracker(CONFIG), FrameEnergy.NONE, glass).get(0);
        assertEquals(3 * HOP, event.onset(), 1e-9);
    }

    @Test
    void withoutLevelsTimesAreWindowTimesAndPeakIsUnknown() {
        double[] glass = {0, 0, 0, 0, 0, 0.9, 0.95, 0.1, 0, 0};
        Detection event = run(new EventTracker(CONFIG), FrameEnergy.NONE, glass).get(0);
        assertEquals(5 * HOP, event.onset(), 1e-9);
        assertEquals(6 * HOP + 0.96, event.offset(), 1e-9);
        assertTrue(Double.isNaN(event.peakDbfs()));
    }

    @Test
    void windowWithoutContrastKeepsItsWindowTime() {
        double[] glass = {0, 0.9, 0.1, 0};
        Detection event = run(new EventTracker(CONFIG), bursts(), glass).get(0);
        assertEquals(HOP, event.onset(), 1e-9);
        assertEquals(HOP + 0.96, event.offset(), 1e-9);
        assertEquals(BACKGROUND_DBFS + 1, event.peakDbfs(), 1e-9);
    }

    @Test
    void dipBetweenThresholdsKeepsOneEventButADipBelowOffSplits() {
        DetectorConfig noMerge = CONFIG.withMergeGapSeconds(0);
        List<Detection> held = run(new EventTracker(noMerge), FrameEnergy.NONE, 0, 0.9, 0.4, 0.8, 0, 0);
        assertEquals(1, held.size());
        assertEquals(HOP, held.get(0).onset(), 1e-9);
        assertEquals(3 * HOP + 0.96, held.get(0).offset(), 1e-9);

        List<Detection> split = run(new EventTracker(noMerge), FrameEnergy.NONE, 0, 0.9, 0.2, 0.8, 0, 0);
        assertEquals(2, split.size());
    }

    @Test
    void probabilityBetweenThresholdsDoesNotOpenAnEvent() {
        assertEquals(List.of(), run(new EventTracker(CONFIG), FrameEnergy.NONE, 0, 0.4, 0.45, 0.4, 0));
    }

    @Test
    void burstsCloserThanTheMergeGapMerge() {
        // Bursts 1.70-1.80 s and 2.00-2.10 s: 0.2 s apart, in separate active windows (0.96 and 1.92 s).
        double[] glass = {0, 0, 0.9, 0.1, 0.9, 0.1, 0, 0, 0};
        List<Detection> events = run(new EventTracker(CONFIG), bursts(170, 180, 200, 210), glass);
        assertEquals(1, events.size());
        assertEquals(1.70, events.get(0).onset(), 1e-6);
        assertEquals(2.10, events.get(0).offset(), 1e-6);
    }

    @Test
    void theMergeGapIsTheLimit() {
        double[] glass = {0, 0, 0.9, 0.1, 0.9, 0.1, 0, 0, 0};
        List<Detection> events = run(new EventTracker(CONFIG.withMergeGapSeconds(0.15)),
                bursts(170, 180, 200, 210), glass);
        assertEquals(2, events.size());
        assertEquals(1.80, events.get(0).offset(), 1e-6);
        assertEquals(2.00, events.get(1).onset(), 1e-6);
    }

    @Test
    void burstsThreeSecondsApartStaySeparate() {
        double[] glass = new double[14];
        glass[2] = 0.9; // window 0.96 s, burst 1.70 s
        glass[9] = 0.9; // window 4.32 s, burst 4.80 s
        List<Detection> events = run(new EventTracker(CONFIG), bursts(170, 180, 480, 490), glass);
        assertEquals(2, events.size());
        assertEquals(1.70, events.get(0).onset(), 1e-6);
        assertEquals(4.80, events.get(1).onset(), 1e-6);
    }

    @Test
    void aClosedEventIsEmittedOnceTheMergeGapHasPassed() {
        EventTracker tracker = new EventTracker(CONFIG);
        FrameEnergy levels = bursts(170, 180);
        assertEquals(List.of(), tracker.accept(0.96, p(0, 0.9, 0), levels));
        // Closes at offset 1.80; the next window (1.92) could still open an event within 1.80 + 0.5.
        assertEquals(List.of(), tracker.accept(1.44, p(0, 0, 0), levels));
        // After 1.92 the next window starts at 2.40, past 2.30: nothing can merge any more, so emit now.
        List<Detection> emitted = tracker.accept(1.92, p(0, 0, 0), levels);
        assertEquals(1, emitted.size());
        assertEquals(1.80, emitted.get(0).offset(), 1e-6);
        assertEquals(List.of(), tracker.flush());
    }

    @Test
    void minimumDurationDropsAOneWindowBlip() {
        double[] blip = {0, 0.9, 0, 0, 0};
        EventTracker strict = new EventTracker(CONFIG.withMinDurationSeconds(1.0));
        assertEquals(List.of(), run(strict, FrameEnergy.NONE, blip));
        assertEquals(1, strict.droppedShortEvents());
        assertEquals(1, run(new EventTracker(CONFIG.withMinDurationSeconds(0.9)), FrameEnergy.NONE, blip).size());
        // Two windows span 1.44 s, so they pass; the check uses the window span, not the refined times (0.1 s).
        assertEquals(1, run(new EventTracker(CONFIG.withMinDurationSeconds(1.0)), bursts(120, 130),
                0, 0.9, 0.9, 0, 0, 0).size());
    }

    @Test
    void flushClosesOpenEvents() {
        EventTracker tracker = new EventTracker(CONFIG);
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of(), tracker.accept(i * HOP, p(0.9, 0, 0), FrameEnergy.NONE));
        }
        List<Detection> flushed = tracker.flush();
        assertEquals(1, flushed.size());
        assertEquals("shout", flushed.get(0).label());
        assertEquals(4 * HOP + 0.96, flushed.get(0).offset(), 1e-9);
        assertThrows(IllegalStateException.class, () -> tracker.accept(10, p(0, 0, 0), FrameEnergy.NONE));
    }

    @Test
    void classesAreIndependent() {
        EventTracker tracker = new EventTracker(CONFIG);
        List<Detection> all = new ArrayList<>();
        double[][] scores = {{0, 0, 0}, {0.9, 0, 0}, {0.9, 0, 0.9}, {0, 0, 0.9}, {0, 0, 0.9}, {0, 0, 0.9},
                {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
        for (int i = 0; i < scores.length; i++) {
            all.addAll(tracker.accept(i * HOP, p(scores[i][0], scores[i][1], scores[i][2]), FrameEnergy.NONE));
        }
        all.addAll(tracker.flush());
        assertEquals(2, all.size());
        Detection shout = all.get(0);
        Detection impact = all.get(1);
        assertEquals("shout", shout.label());
        assertEquals(HOP, shout.onset(), 1e-9);
        assertEquals(2 * HOP + 0.96, shout.offset(), 1e-9);
        assertEquals("impact", impact.label());
        assertEquals(2 * HOP, impact.onset(), 1e-9);
        assertEquals(5 * HOP + 0.96, impact.offset(), 1e-9);
    }

    @Test
    void rejectsOutOfOrderWindowsAndBadProbabilities() {
        EventTracker tracker = new EventTracker(CONFIG);
        tracker.accept(1.0, p(0, 0, 0), FrameEnergy.NONE);
        assertThrows(IllegalArgumentException.class, () -> tracker.accept(1.0, p(0, 0, 0), FrameEnergy.NONE));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> tracker.accept(2.0, p(0, 1.5, 0), FrameEnergy.NONE));
        assertTrue(bad.getMessage().contains("glass_break"), bad.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> tracker.accept(2.0, new float[] {Float.NaN, 0, 0}, FrameEnergy.NONE));
        assertThrows(IllegalArgumentException.class, () -> tracker.accept(2.0, new float[2], FrameEnergy.NONE));
    }
}
