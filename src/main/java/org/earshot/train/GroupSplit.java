package org.earshot.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A seeded, group-disjoint train/validation split: for each label, a fraction of its groups (never a part of a
 * group) goes to validation, or, for cross-validation, one of K folds that partition each label's groups. {@code
 * augment} clips are designed sound effects, not field recordings, so they only ever train.
 */
public record GroupSplit(List<ClipEntry> train, List<ClipEntry> validation) {

    /**
     * How a model's training split its dataset: {@code folds == 0} holds out {@code validationFraction} of each
     * label's groups; {@code folds >= 2} holds out fold {@code fold} (0-based) of a K-fold partition of the groups.
     * The same seed gives the same shuffle of each label's groups in both kinds. A fraction of 0 holds nothing out.
     */
    public record Spec(long seed, double validationFraction, int folds, int fold, SourceFolds sources) {
        public Spec {
            if (sources != null && folds != sources.size()) {
                throw new IllegalArgumentException("folds " + folds + " differ from the " + sources.size()
                        + " source folds");
            }
            if (folds == 0) {
                if (!(validationFraction >= 0 && validationFraction < 1)) {
                    throw new IllegalArgumentException("validation fraction must be in [0, 1), got "
                            + validationFraction);
                }
            } else if (folds < 2 || folds > 20) {
                throw new IllegalArgumentException("folds must be between 2 and 20, got " + folds);
            } else if (fold < 0 || fold >= folds) {
                throw new IllegalArgumentException("fold must be between 0 and " + (folds - 1) + ", got " + fold);
            }
        }

        /** A model's split from its recorded settings: {@code folds == 0} holds out a fraction, else a fold. */
        public static Spec of(long seed, double validationFraction, int folds, int fold) {
            return folds == 0 ? fraction(validationFraction, seed) : fold(folds, fold, seed);
        }

        public static Spec fraction(double validationFraction, long seed) {
            return new Spec(seed, validationFraction, 0, 0, null);
        }

        public static Spec fold(int folds, int fold, long seed) {
            return new Spec(seed, 1.0 / folds, folds, fold, null);
        }

        /** Leave-sources-out: fold {@code fold} of {@code sources} is held out, its sources whole. */
        public static Spec sourceFold(SourceFolds sources, int fold, long seed) {
            return new Spec(seed, 1.0 / sources.size(), sources.size(), fold, sources);
        }

        /** Folds of sources rather than of groups. */
        public boolean bySource() {
            return sources != null;
        }

        public boolean crossValidation() {
            return folds > 0;
        }

        /** Fraction 0: every group trains and nothing is held out (for a model whose recipe was cross-validated). */
        public boolean holdsOut() {
            return folds > 0 || validationFraction > 0;
        }

        public GroupSplit apply(List<ClipEntry> clips) {
            if (!holdsOut()) {
                return new GroupSplit(List.copyOf(clips), List.of());
            }
            if (bySource()) {
                return sources.apply(clips, fold);
            }
            return crossValidation() ? GroupSplit.fold(clips, folds, fold, seed)
                    : GroupSplit.of(clips, validationFraction, seed);
        }

        /** For progress lines and reports: "fold 2 of 5", "20 % of groups" or no validation. */
        public String describe() {
            if (!holdsOut()) {
                return "no validation split: every group trains";
            }
            if (bySource()) {
                return "source-disjoint: fold " + fold + " of " + folds + " (" + sources.names().get(fold) + ")";
            }
            return "group-disjoint: " + (crossValidation() ? "fold " + fold + " of " + folds + ", seed " + seed
                    : Math.round(validationFraction * 100) + " % of groups, seed " + seed);
        }
    }

    public static GroupSplit of(List<ClipEntry> clips, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in (0, 1), got " + validationFraction);
        }
        Set<String> validationGroups = new HashSet<>();
        for (Map.Entry<String, List<String>> e : shuffledGroups(clips, seed).entrySet()) {
            List<String> groups = e.getValue();
            int n = Math.max(1, (int) Math.round(groups.size() * validationFraction));
            validationGroups.addAll(groups.subList(0, n));
        }
        return partition(clips, validationGroups);
    }

    /**
     * Fold {@code fold} of a K-fold partition: each label's shuffled groups are dealt to the folds in turn, so every
     * fold holds about 1/K of each label's groups and every group lies in exactly one fold (a group that appears
     * under two labels keeps the fold its first label dealt it). The K validation sets are disjoint and cover every
     * field recording once.
     */
    public static GroupSplit fold(List<ClipEntry> clips, int folds, int fold, long seed) {
        if (folds < 2 || fold < 0 || fold >= folds) {
            throw new IllegalArgumentException("need folds >= 2 and 0 <= fold < folds, got fold " + fold + " of "
                    + folds);
        }
        Map<String, Integer> foldOf = new HashMap<>();
        for (List<String> groups : shuffledGroups(clips, seed).values()) {
            int dealt = 0;
            for (String g : groups) {
                if (!foldOf.containsKey(g)) {
                    foldOf.put(g, dealt++ % folds);
                }
            }
        }
        Set<String> validationGroups = new HashSet<>();
        foldOf.forEach((g, f) -> {
            if (f == fold) {
                validationGroups.add(g);
            }
        });
        return partition(clips, validationGroups);
    }

    /** Each label's field-recording groups, sorted, then shuffled with a seed derived from the label. */
    private static Map<String, List<String>> shuffledGroups(List<ClipEntry> clips, long seed) {
        Map<String, TreeSet<String>> groupsByLabel = new LinkedHashMap<>();
        for (ClipEntry c : clips) {
            if (!c.isAugmentOnly()) {
                groupsByLabel.computeIfAbsent(c.label(), k -> new TreeSet<>()).add(c.group());
            }
        }
        Map<String, List<String>> shuffled = new LinkedHashMap<>();
        for (Map.Entry<String, TreeSet<String>> e : groupsByLabel.entrySet()) {
            List<String> groups = new ArrayList<>(e.getValue());
            Collections.shuffle(groups, new Random(seed ^ e.getKey().hashCode()));
            shuffled.put(e.getKey(), groups);
        }
        return shuffled;
    }

    private static GroupSplit partition(List<ClipEntry> clips, Set<String> validationGroups) {
        List<ClipEntry> train = new ArrayList<>();
        List<ClipEntry> validation = new ArrayList<>();
        for (ClipEntry c : clips) {
            if (!c.isAugmentOnly() && validationGroups.contains(c.group())) {
                validation.add(c);
            } else {
                train.add(c);
            }
        }
        return new GroupSplit(train, validation);
    }
}
