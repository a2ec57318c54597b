package org.earshot.train.head;

import org.earshot.detect.Labels;
import org.earshot.train.Csv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code audioset} architecture's untrained head ({@code earshot train --architecture audioset --head zero-shot}):
 * each Earshot class scores the maximum of YAMNet-AudioSet's own sigmoid scores over a fixed list of AudioSet classes
 * ({@link #MAPPING}, the list of ../shared/models/yamnet-audioset/NOTES.md). The AudioSet classes are named, not
 * numbered: {@link #indices} finds them in the backbone's {@value #CLASS_MAP} (beside the backbone file), so a wrong
 * or missing name fails the build of the model instead of scoring the wrong class.
 */
public final class ZeroShotHead {
    /** The backbone output holding the AudioSet scores, N x 521. */
    public static final String SCORES_OUTPUT = "scores";
    /** The backbone's class list (index, mid, display_name), in the order of its scores. */
    public static final String CLASS_MAP = "yamnet_class_map.csv";

    /** Per Earshot class, in {@link Labels#CLASSES} order, the AudioSet display names whose maximum is its score. */
    public static final Map<String, List<String>> MAPPING = mapping();

    private ZeroShotHead() {}

    private static Map<String, List<String>> mapping() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("shout", List.of("Screaming", "Shout", "Yell", "Children shouting", "Whoop"));
        m.put("glass_break", List.of("Glass", "Shatter", "Breaking", "Chink, clink"));
        m.put("impact", List.of("Gunshot, gunfire", "Machine gun", "Cap gun", "Bang", "Slam", "Knock", "Thump, thud",
                "Smash, crash", "Explosion", "Burst, pop", "Door"));
        if (!List.copyOf(m.keySet()).equals(Labels.CLASSES)) {
            throw new IllegalStateException("the zero-shot mapping must list " + Labels.CLASSES);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The class map beside a backbone file. */
    public static Path classMap(Path backbone) {
        return backbone.toAbsolutePath().resolveSibling(CLASS_MAP);
    }

    /**
     * Per Earshot class, the score indices of its AudioSet classes, read from a class map (CSV with a header and the
     * columns index, mid, display_name).
     *
     * @throws IOException when the file cannot be read, is malformed, or lacks (or repeats) a mapped name
     */
    public static List<int[]> indices(Path classMap) throws IOException {
        if (!Files.isRegularFile(classMap)) {
            throw new IOException("AudioSet class map not found: " + classMap);
        }
        List<String> lines = Files.readAllLines(classMap, StandardCharsets.UTF_8);
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            List<String> fields;
            int index;
            try {
                fields = Csv.split(line);
                index = Integer.parseInt(fields.get(0));
            } catch (RuntimeException e) {
                throw new IOException(classMap + " line " + (i + 1) + ": not 'index,mid,display_name'", e);
            }
            if (fields.size() != 3 || index != i - 1) {
                throw new IOException(classMap + " line " + (i + 1) + ": expected index " + (i - 1)
                        + " and 3 columns");
            }
            if (byName.put(fields.get(2), index) != null) {
                throw new IOException(classMap + " names '" + fields.get(2) + "' twice");
            }
        }
        List<int[]> result = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : MAPPING.entrySet()) {
            int[] idx = new int[e.getValue().size()];
            for (int j = 0; j < idx.length; j++) {
                Integer index = byName.get(e.getValue().get(j));
                if (index == null) {
                    throw new IOException(classMap + " has no AudioSet class '" + e.getValue().get(j) + "' (mapped to "
                            + e.getKey() + ")");
                }
                idx[j] = index;
            }
            result.add(idx);
        }
        return result;
    }
}
