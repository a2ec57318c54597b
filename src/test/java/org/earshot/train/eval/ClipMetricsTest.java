package org.earshot.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ClipMetricsTest {
    // Worked example: positives 0.9 and 0.6, negatives 0.6 and 0.2.
    private static final double[] SCORES = {0.9, 0.6, 0.6, 0.2};
    private static final boolean[] LABELS = {true, false, true, false};

    @Test
    void perfectAndInvertedRankingGiveOneAndZero() {
        double[] scores = {0.1, 0.2, 0.8, 0.9};
        assertEquals(1.0, ClipMetrics.rocAuc(scores, new boolean[] {false, false, true, true}), 1e-12);
        assertEquals(0.0, ClipMetrics.rocAuc(scores, new boolean[] {true, true, false, false}), 1e-12);
    }

    @Test
    void allTiedScoresGiveOneHalf() {
        double[] scores = {0.5, 0.5, 0.5, 0.5, 0.5};
        assertEquals(0.5, ClipMetrics.rocAuc(scores, new boolean[] {true, false, true, false, false}), 1e-12);
    }

    @Test
    void workedExampleWithATieBetweenClasses() {
        // Pairs (pos, neg): (0.9, 0.6) 1, (0.9, 0.2) 1, (0.6, 0.6) 0.5, (0.6, 0.2) 1 -> 3.5 / 4.
        assertEquals(0.875, ClipMetrics.rocAuc(SCORES, LABELS), 1e-12);
    }

    @Test
    void rankFormulaAgreesWithCountingPairs() {
        Random random = new Random(7);
        double[] scores = new double[200];
        boolean[] labels = new boolean[200];
        for (int i = 0; i < scores.length; i++) {
            labels[i] = random.nextInt(3) == 0;
            scores[i] = Math.round((random.nextDouble() + (labels[i] ? 0.3 : 0)) * 20) / 20.0; // many ties
        }
        double wins = 0;
        long pairs = 0;
        for (int p = 0; p < scores.length; p++) {
            for (int n = 0; n < scores.length; n++) {
                if (labels[p] && !labels[n]) {
                    pairs++;
                    wins += scores[p] > scores[n] ? 1 : scores[p] == scores[n] ? 0.5 : 0;
                }
            }
        }
        assertEquals(wins / pairs, ClipMetrics.rocAuc(scores, labels), 1e-12);
    }

    @Test
    void aucIsUndefinedWithoutNegatives() {
        assertTrue(Double.isNaN(ClipMetrics.rocAuc(new double[] {0.1, 0.9}, new boolean[] {true, true})));
    }

    @Test
    void countsAndRatiosAtAThreshold() {
        ClipMetrics.Counts counts = ClipMetrics.countsAt(SCORES, LABELS, 0.6);
        assertEquals(new ClipMetrics.Counts(2, 1, 0, 1), counts);
        assertEquals(2.0 / 3, counts.precision(), 1e-12);
        assertEquals(1.0, counts.recall(), 1e-12);
        assertEquals(0.8, counts.f1(), 1e-12);
        assertEquals(0.5, counts.falsePositiveRate(), 1e-12);

        ClipMetrics.Counts none = ClipMetrics.countsAt(SCORES, LABELS, 0.95);
        assertTrue(Double.isNaN(none.precision()));
        assertEquals(0.0, none.recall());
        assertEquals(0.0, none.f1());
    }

    @Test
    void thresholdForFalsePositiveRate() {
        double[] scores = {0.1, 0.2, 0.3, 0.4, 0.35, 0.9};
        boolean[] labels = {false, false, false, false, true, true};
        double quarter = ClipMetrics.thresholdForFalsePositiveRate(scores, labels, 0.25);
        assertEquals(0.325, quarter, 1e-12); // rejects 0.3, keeps 0.35
        assertEquals(0.25, ClipMetrics.countsAt(scores, labels, quarter).falsePositiveRate(), 1e-12);
        assertEquals(0.65, ClipMetrics.thresholdForFalsePositiveRate(scores, labels, 0), 1e-12);
        assertEquals(0.1, ClipMetrics.thresholdForFalsePositiveRate(scores, labels, 1), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> ClipMetrics.thresholdForFalsePositiveRate(scores, labels, 1.5));
    }

    @Test
    void tiedNegativesCannotBeSplitSoTheRateStaysBelowTheTarget() {
        double[] scores = {0.5, 0.5, 0.2, 0.1, 0.7};
        boolean[] labels = {false, false, false, false, true};
        double threshold = ClipMetrics.thresholdForFalsePositiveRate(scores, labels, 0.25);
        assertEquals(0.6, threshold, 1e-12);
        assertEquals(0.0, ClipMetrics.countsAt(scores, labels, threshold).falsePositiveRate());
        double highest = ClipMetrics.thresholdForFalsePositiveRate(new double[] {0.3, 0.8}, new boolean[] {true, false},
                0);
        assertTrue(highest > 0.8 && ClipMetrics.countsAt(new double[] {0.8}, new boolean[] {false}, highest)
                .falsePositives() == 0);
    }

    @Test
    void reportGivesEveryClass() {
        double[][] scores = {{0.9, 0.1}, {0.6, 0.8}, {0.6, 0.3}, {0.2, 0.4}};
        boolean[][] labels = {{true, false}, {false, true}, {true, false}, {false, true}};
        List<ClipMetrics.ClassReport> report = ClipMetrics.report(scores, labels, new double[] {0.6, 0.5},
                List.of("shout", "impact"));
        assertEquals("shout", report.get(0).label());
        assertEquals(0.875, report.get(0).rocAuc(), 1e-12);
        assertEquals(new ClipMetrics.Counts(1, 0, 1, 2), report.get(1).counts());
        assertEquals(1.0, report.get(1).rocAuc(), 1e-12);
    }

    @Test
    void rejectsMismatchedOrNaNInput() {
        assertThrows(IllegalArgumentException.class, () -> ClipMetrics.rocAuc(new double[2], new boolean[3]));
        assertThrows(IllegalArgumentException.class,
                () -> ClipMetrics.countsAt(new double[] {Double.NaN}, new boolean[] {true}, 0.5));
    }
}
