package org.earshot.train;

import java.nio.file.Path;

/**
 * One row of a dataset manifest: the clip's file (resolved in its dataset folder), its path as the manifest writes
 * it (relative to that folder), its label ({@code shout}, {@code glass_break}, {@code impact} or {@code background}),
 * its use ({@code train} or {@code augment}), its group (the original recording that clips must never be split
 * across), and the provenance columns {@code source} (the collection it comes from), {@code original_label},
 * {@code license} and {@code quality} (how the label was obtained, e.g. train-v2's "labelled by the source dataset"
 * or its unverified "heuristic: ..."), each "" where the manifest lacks the column.
 */
public record ClipEntry(Path file, String path, String label, String use, String group, String source,
        String originalLabel, String license, String quality) {
    public ClipEntry {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("clip " + file + ": empty label");
        }
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("clip " + file + ": empty group");
        }
        if (quality == null) {
            throw new IllegalArgumentException("clip " + file + ": quality is null (\"\" when unknown)");
        }
    }

    /** A clip of a manifest without a {@code quality} column. */
    public ClipEntry(Path file, String path, String label, String use, String group, String source,
            String originalLabel, String license) {
        this(file, path, label, use, group, source, originalLabel, license, "");
    }

    public boolean isAugmentOnly() {
        return "augment".equals(use);
    }

    public boolean isEvent() {
        return org.earshot.detect.Labels.indexOf(label) >= 0;
    }
}
