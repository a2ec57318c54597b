package org.earshot.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A seeded, group-disjoint train/validation split: for each label, a fraction of its groups (never a part of a
 * group) goes to validation. {@code augment} clips are designed sound effects, not field recordings, so they only
 * ever train.
 */
public record GroupSplit(List<ClipEntry> train, List<ClipEntry> validation) {

    public static GroupSplit of(List<ClipEntry> clips, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in (0, 1), got " + validationFraction);
        }
        Map<String, TreeSet<String>> groupsByLabel = new LinkedHashMap<>();
        for (ClipEntry c : clips) {
            if (!c.isAugmentOnly()) {
                groupsByLabel.computeIfAbsent(c.label(), k -> new TreeSet<>()).add(c.group());
            }
        }
        java.util.Set<String> validationGroups = new java.util.HashSet<>();
        for (Map.Entry<String, TreeSet<String>> e : groupsByLabel.entrySet()) {
            List<String> groups = new ArrayList<>(e.getValue());
            Collections.shuffle(groups, new Random(seed ^ e.getKey().hashCode()));
            int n = Math.max(1, (int) Math.round(groups.size() * validationFraction));
            validationGroups.addAll(groups.subList(0, n));
        }
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
