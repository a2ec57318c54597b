package org.earshot.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A partition of a dataset's sources into named folds, for leave-one-source-out validation: each fold's sources are
 * held out together (their events and their background), so that a fold model is judged on collections, microphones
 * and rooms it never trained on. Read from a CSV file with the columns {@code source,fold}; folds are numbered in the
 * order they first appear. Tiny sources, and sources that have events but no background of their own, are put in a
 * fold with others by whoever writes the file, so that every fold has background to mix its events into.
 */
public record SourceFolds(List<String> names, Map<String, Integer> foldOfSource) {
    public SourceFolds {
        names = List.copyOf(names);
        foldOfSource = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(foldOfSource));
        if (names.size() < 2) {
            throw new IllegalArgumentException("source folds need at least 2 folds, got " + names.size());
        }
        for (Map.Entry<String, Integer> e : foldOfSource.entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= names.size()) {
                throw new IllegalArgumentException("source " + e.getKey() + " in fold " + e.getValue() + " of "
                        + names.size());
            }
        }
    }

    public static SourceFolds read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("source folds file not found: " + file);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !Csv.split(lines.get(0).strip()).equals(List.of("source", "fold"))) {
            throw new IOException(file + ": the header must be 'source,fold'");
        }
        List<String> names = new ArrayList<>();
        Map<String, Integer> fold = new LinkedHashMap<>();
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> f;
            try {
                f = Csv.split(line);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + (n + 1) + ": " + e.getMessage());
            }
            if (f.size() != 2 || f.get(0).isBlank() || f.get(1).isBlank()) {
                throw new IOException(file + " line " + (n + 1) + ": expected 'source,fold', got '" + line + "'");
            }
            if (!names.contains(f.get(1))) {
                names.add(f.get(1));
            }
            if (fold.put(f.get(0), names.indexOf(f.get(1))) != null) {
                throw new IOException(file + " line " + (n + 1) + ": source '" + f.get(0) + "' appears twice");
            }
        }
        try {
            return new SourceFolds(names, fold);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Each fold's name and its sources, in fold order (how a model manifest records the partition). */
    public Map<String, List<String>> bySourceList() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(name, new ArrayList<>());
        }
        foldOfSource.forEach((source, f) -> out.get(names.get(f)).add(source));
        return out;
    }

    /** The inverse of {@link #bySourceList}. */
    public static SourceFolds of(Map<String, List<String>> folds) {
        List<String> names = new ArrayList<>(folds.keySet());
        Map<String, Integer> fold = new LinkedHashMap<>();
        folds.forEach((name, sources) -> sources.forEach(src -> fold.put(src, names.indexOf(name))));
        return new SourceFolds(names, fold);
    }

    public int size() {
        return names.size();
    }

    /**
     * The fold of each field recording's source; {@code augment} clips (designed effects) always train.
     *
     * @throws IllegalArgumentException naming the sources of the clips that no fold holds
     */
    public GroupSplit apply(List<ClipEntry> clips, int fold) {
        if (fold < 0 || fold >= names.size()) {
            throw new IllegalArgumentException("fold must be between 0 and " + (names.size() - 1) + ", got " + fold);
        }
        TreeSet<String> missing = new TreeSet<>();
        List<ClipEntry> train = new ArrayList<>();
        List<ClipEntry> validation = new ArrayList<>();
        for (ClipEntry c : clips) {
            if (c.isAugmentOnly()) {
                train.add(c);
                continue;
            }
            Integer f = foldOfSource.get(c.source());
            if (f == null) {
                missing.add(c.source().isEmpty() ? "(no source)" : c.source());
            } else if (f == fold) {
                validation.add(c);
            } else {
                train.add(c);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("sources in no fold of the source folds: " + String.join(", ", missing));
        }
        return new GroupSplit(train, validation);
    }
}
