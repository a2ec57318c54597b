package org.earshot.train;

import java.nio.file.Path;

/**
 * One row of a dataset manifest (train-v1 layout): the clip's file, its path as the manifest writes it (relative to
 * the dataset folder), its label ({@code shout}, {@code glass_break}, {@code impact} or {@code background}), its use
 * ({@code train} or {@code augment}), its group (the original recording that clips must never be split across), and
 * the provenance columns {@code source}, {@code original_label} and {@code license} ("" where the manifest lacks them).
 */
public record ClipEntry(Path file, String path, String label, String use, String group, String source,
        String originalLabel, String license) {
    public ClipEntry {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("clip " + file + ": empty label");
        }
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("clip " + file + ": empty group");
        }
    }

    public boolean isAugmentOnly() {
        return "augment".equals(use);
    }

    public boolean isEvent() {
        return org.earshot.detect.Labels.indexOf(label) >= 0;
    }
}
