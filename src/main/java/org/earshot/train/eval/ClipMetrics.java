package org.earshot.train.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Clip-level metrics for one class from per-clip scores and binary labels: counts, precision, recall and F1 at a
 * threshold (a clip is positive when {@code score >= threshold}), ROC AUC as the Mann-Whitney statistic (the share
 * of positive-negative pairs where the positive scores higher, ties counting half), and the threshold meeting a
 * false-positive-rate target. Undefined ratios (for example precision with no positive predictions, AUC without
 * positives or negatives) are NaN rather than a made-up 0 or 1.
 */
public final class ClipMetrics {

    private ClipMetrics() {}

    /** Confusion counts at one threshold, with the ratios derived from them. */
    public record Counts(int truePositives, int falsePositives, int falseNegatives, int trueNegatives) {
        public Counts {
            if (truePositives < 0 || falsePositives < 0 || falseNegatives < 0 || trueNegatives < 0) {
                throw new IllegalArgumentException("counts must be >= 0");
            }
        }

        public double precision() {
            return ratio(truePositives, truePositives + falsePositives);
        }

        public double recall() {
            return ratio(truePositives, truePositives + falseNegatives);
        }

        public double f1() {
            return ratio(2.0 * truePositives, 2.0 * truePositives + falsePositives + falseNegatives);
        }

        public double falsePositiveRate() {
            return ratio(falsePositives, falsePositives + trueNegatives);
        }
    }

    /** One class's clip metrics for a report. */
    public record ClassReport(String label, Counts counts, double rocAuc) {}

    public static Counts countsAt(double[] scores, boolean[] labels, double threshold) {
        check(scores, labels);
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int tn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean predicted = scores[i] >= threshold;
            if (labels[i]) {
                if (predicted) {
                    tp++;
                } else {
                    fn++;
                }
            } else if (predicted) {
                fp++;
            } else {
                tn++;
            }
        }
        return new Counts(tp, fp, fn, tn);
    }

    /** ROC AUC by the Mann-Whitney U statistic with ties counted half; NaN without positives or negatives. */
    public static double rocAuc(double[] scores, boolean[] labels) {
        check(scores, labels);
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double positiveRankSum = 0;
        long positives = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1; // ranks are 1-based; tied scores share their mean rank
            for (int k = i; k <= j; k++) {
                if (labels[order[k]]) {
                    positiveRankSum += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = scores.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double) positives * negatives);
    }

    /**
     * A threshold at which at most {@code maxFalsePositiveRate} of the negative clips score {@code >=} it, admitting
     * as many clips as that allows: halfway between the highest negative score that must be rejected and the next
     * higher score of any clip (just above it if there is none). With {@code maxFalsePositiveRate} 1 (or enough to
     * admit every negative) it is the lowest score. Requires at least one negative clip.
     */
    public static double thresholdForFalsePositiveRate(double[] scores, boolean[] labels, double maxFalsePositiveRate) {
        check(scores, labels);
        if (!(maxFalsePositiveRate >= 0 && maxFalsePositiveRate <= 1)) {
            throw new IllegalArgumentException("maxFalsePositiveRate must be in [0, 1], got " + maxFalsePositiveRate);
        }
        List<Double> negatives = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (!labels[i]) {
                negatives.add(scores[i]);
            }
        }
        if (negatives.isEmpty()) {
            throw new IllegalArgumentException("no negative clips: a false positive rate is undefined");
        }
        negatives.sort((a, b) -> Double.compare(b, a));
        int allowed = (int) Math.floor(maxFalsePositiveRate * negatives.size() + 1e-9);
        if (allowed >= negatives.size()) {
            return Arrays.stream(scores).min().orElseThrow();
        }
        double rejected = negatives.get(allowed);
        double next = Double.POSITIVE_INFINITY;
        for (double score : scores) {
            if (score > rejected && score < next) {
                next = score;
            }
        }
        return next == Double.POSITIVE_INFINITY ? Math.nextUp(rejected) : (rejected + next) / 2;
    }

    /** Counts at the per-class thresholds and AUC, for every class; {@code scores[clip][class]}. */
    public static List<ClassReport> report(double[][] scores, boolean[][] labels, double[] thresholds,
            List<String> classes) {
        if (scores == null || labels == null || scores.length != labels.length) {
            throw new IllegalArgumentException("scores and labels must be non-null with one row per clip");
        }
        if (thresholds == null || classes == null || thresholds.length != classes.size()) {
            throw new IllegalArgumentException("thresholds must have one value per class " + classes);
        }
        List<ClassReport> reports = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            double[] column = new double[scores.length];
            boolean[] truth = new boolean[scores.length];
            for (int clip = 0; clip < scores.length; clip++) {
                if (scores[clip].length != classes.size() || labels[clip].length != classes.size()) {
                    throw new IllegalArgumentException("clip " + clip + " must have one score and label per class");
                }
                column[clip] = scores[clip][c];
                truth[clip] = labels[clip][c];
            }
            reports.add(new ClassReport(classes.get(c), countsAt(column, truth, thresholds[c]),
                    rocAuc(column, truth)));
        }
        return reports;
    }

    private static double ratio(double numerator, double denominator) {
        return denominator == 0 ? Double.NaN : numerator / denominator;
    }

    private static void check(double[] scores, boolean[] labels) {
        if (scores == null || labels == null || scores.length != labels.length) {
            throw new IllegalArgumentException("scores and labels must be non-null and of equal length");
        }
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score of clip " + i + " is NaN");
            }
        }
    }
}
