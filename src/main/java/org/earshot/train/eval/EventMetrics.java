package org.earshot.train.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.earshot.detect.Labels;

/**
 * Event-based metrics per class in the style of DCASE 2017 task 2, accumulated over recordings. An estimated event
 * hits a reference event of the same class, in the same recording, when their onsets differ by at most the collar
 * (0.5 s by default; offsets are not compared). Matching is one-to-one and maximises the number of hits: per class,
 * references in onset order each take the earliest unmatched estimate within their collar, which is optimal because
 * every reference's candidates form a contiguous run of the onset-sorted estimates that moves forward with the
 * reference onset. Unmatched estimates are false positives (so a second detection of one event is one), unmatched
 * references false negatives. Per class there are no substitutions, so the error rate is
 * {@code ER = (FN + FP) / N_ref}; false alarms per hour are {@code FP} over the total duration of the recordings.
 * Ratios that are undefined (for example ER with no reference events) are NaN.
 */
public final class EventMetrics {
    public static final double DEFAULT_COLLAR_SECONDS = 0.5;
    /** Onset differences are computed from decimal times, so a difference of exactly the collar must still hit. */
    private static final double COLLAR_TOLERANCE = 1e-9;

    private final double collarSeconds;
    private final int[] truePositives = new int[Labels.CLASSES.size()];
    private final int[] falsePositives = new int[Labels.CLASSES.size()];
    private final int[] falseNegatives = new int[Labels.CLASSES.size()];
    private double durationSeconds;

    public EventMetrics(double collarSeconds) {
        if (!(Double.isFinite(collarSeconds) && collarSeconds >= 0)) {
            throw new IllegalArgumentException("collarSeconds must be finite and >= 0, got " + collarSeconds);
        }
        this.collarSeconds = collarSeconds;
    }

    /** Counts of one class (or of all, labelled "overall") over the recordings added, with derived metrics. */
    public record ClassResult(String label, int truePositives, int falsePositives, int falseNegatives,
            double durationSeconds) {
        public int referenceEvents() {
            return truePositives + falseNegatives;
        }

        public int estimatedEvents() {
            return truePositives + falsePositives;
        }

        public double precision() {
            return ratio(truePositives, estimatedEvents());
        }

        public double recall() {
            return ratio(truePositives, referenceEvents());
        }

        public double f1() {
            return ratio(2.0 * truePositives, 2.0 * truePositives + falsePositives + falseNegatives);
        }

        public double errorRate() {
            return ratio(falseNegatives + falsePositives, referenceEvents());
        }

        public double falseAlarmsPerHour() {
            return ratio(falsePositives, durationSeconds / 3600.0);
        }
    }

    /** Adds one recording's reference and estimated events; {@code durationSeconds} is its length. */
    public void addRecording(List<Event> reference, List<Event> estimated, double durationSeconds) {
        if (reference == null || estimated == null) {
            throw new IllegalArgumentException("reference and estimated must not be null");
        }
        if (!(Double.isFinite(durationSeconds) && durationSeconds > 0)) {
            throw new IllegalArgumentException("durationSeconds must be finite and > 0, got " + durationSeconds);
        }
        this.durationSeconds += durationSeconds;
        for (int c = 0; c < Labels.CLASSES.size(); c++) {
            List<Double> refOnsets = onsetsOf(reference, Labels.CLASSES.get(c));
            List<Double> estOnsets = onsetsOf(estimated, Labels.CLASSES.get(c));
            int hits = countHits(refOnsets, estOnsets);
            truePositives[c] += hits;
            falseNegatives[c] += refOnsets.size() - hits;
            falsePositives[c] += estOnsets.size() - hits;
        }
    }

    /** Per-class results, in the order of {@link Labels#CLASSES}. */
    public List<ClassResult> results() {
        List<ClassResult> results = new ArrayList<>();
        for (int c = 0; c < Labels.CLASSES.size(); c++) {
            results.add(new ClassResult(Labels.CLASSES.get(c), truePositives[c], falsePositives[c], falseNegatives[c],
                    durationSeconds));
        }
        return results;
    }

    /** Counts summed over classes (micro average). */
    public ClassResult overall() {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int c = 0; c < Labels.CLASSES.size(); c++) {
            tp += truePositives[c];
            fp += falsePositives[c];
            fn += falseNegatives[c];
        }
        return new ClassResult("overall", tp, fp, fn, durationSeconds);
    }

    /** Reference events found, and all reference events, of one kind of reference (see {@link #recallBy}). */
    public record Recall(String key, int found, int total) {
        public double recall() {
            return ratio(found, total);
        }
    }

    /**
     * Recall of each kind of reference event, in the order kinds first appear: {@code keys.get(i)} names the kind of
     * {@code reference.get(i)} (its source, say), and each kind is matched alone against all estimated events of its
     * classes, with this collar. Events of different kinds that compete for one estimate would each get it here;
     * in streams whose events are seconds apart they do not compete.
     */
    public List<Recall> recallBy(List<Event> reference, List<String> keys, List<Event> estimated) {
        if (reference.size() != keys.size()) {
            throw new IllegalArgumentException("one key per reference event: " + keys.size() + " for "
                    + reference.size());
        }
        java.util.Map<String, List<Event>> byKey = new java.util.LinkedHashMap<>();
        for (int i = 0; i < reference.size(); i++) {
            byKey.computeIfAbsent(keys.get(i), k -> new ArrayList<>()).add(reference.get(i));
        }
        List<Recall> out = new ArrayList<>();
        for (var entry : byKey.entrySet()) {
            int found = 0;
            for (String label : Labels.CLASSES) {
                found += countHits(onsetsOf(entry.getValue(), label), onsetsOf(estimated, label));
            }
            out.add(new Recall(entry.getKey(), found, entry.getValue().size()));
        }
        return out;
    }

    private int countHits(List<Double> refOnsets, List<Double> estOnsets) {
        int hits = 0;
        int next = 0;
        for (double ref : refOnsets) {
            while (next < estOnsets.size() && estOnsets.get(next) < ref - collarSeconds - COLLAR_TOLERANCE) {
                next++; // too early for this reference, hence for every later one
            }
            if (next < estOnsets.size() && estOnsets.get(next) <= ref + collarSeconds + COLLAR_TOLERANCE) {
                hits++;
                next++;
            }
        }
        return hits;
    }

    private static List<Double> onsetsOf(List<Event> events, String label) {
        return events.stream().filter(e -> e.label().equals(label)).map(Event::onset)
                .sorted(Comparator.naturalOrder()).toList();
    }

    private static double ratio(double numerator, double denominator) {
        return denominator == 0 ? Double.NaN : numerator / denominator;
    }
}
