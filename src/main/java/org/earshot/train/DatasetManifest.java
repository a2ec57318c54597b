package org.earshot.train;

import org.earshot.detect.Labels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The clips of one dataset folder's {@code manifest.csv}, or of several folders read together. Columns
 * {@code path,label,group} are required; {@code use} defaults to {@code train}; the provenance columns
 * {@code source}, {@code original_label}, {@code license} and {@code quality} (how the label was obtained, e.g.
 * train-v2's "labelled by the source dataset") are kept when present; other columns are allowed and ignored. Rejects
 * rows with unknown labels or uses and paths that leave their dataset folder, naming the manifest and line.
 *
 * <p>{@link #sha256()} says exactly which data a model was trained on: for one folder read whole it is the SHA-256 of
 * its {@code manifest.csv} (so existing models' {@code datasetManifestSha256} still match); for several folders, or
 * with clips left out by quality, it is the SHA-256 of the text listing each folder's manifest SHA-256 in the order
 * given, one per line, then one line {@code exclude-quality VALUE} per excluded value in sorted order.
 */
public final class DatasetManifest {
    private static final Set<String> USES = Set.of("train", "augment");

    private final List<Path> roots;
    private final List<String> manifestSha256s;
    private final List<String> excludedQualities;
    private final List<ClipEntry> clips;
    private final String sha256;

    private DatasetManifest(List<Path> roots, List<String> manifestSha256s, List<String> excludedQualities,
            List<ClipEntry> clips) {
        this.roots = List.copyOf(roots);
        this.manifestSha256s = List.copyOf(manifestSha256s);
        this.excludedQualities = List.copyOf(excludedQualities);
        this.clips = List.copyOf(clips);
        this.sha256 = roots.size() == 1 && excludedQualities.isEmpty() ? manifestSha256s.get(0) : combinedSha256();
    }

    /** Reads one dataset folder (the folder holding {@code manifest.csv}). */
    public static DatasetManifest read(Path datasetDir) throws IOException {
        Parsed p = parse(datasetDir);
        return new DatasetManifest(List.of(datasetDir), List.of(p.sha256), List.of(), p.clips);
    }

    /**
     * Reads several dataset folders as one: their clips in the order given, each path resolved in its own folder.
     * A folder given twice is refused, and so is a group id that two folders use for recordings of different
     * sources (a real collision: the split would tie unrelated recordings together); the same group id with the
     * same source in two folders is one recording listed twice and stays one group, on one side of every split.
     */
    public static DatasetManifest read(List<Path> datasetDirs) throws IOException {
        if (datasetDirs.isEmpty()) {
            throw new IllegalArgumentException("no dataset folder given");
        }
        if (datasetDirs.size() == 1) {
            return read(datasetDirs.get(0));
        }
        Map<Path, Path> seen = new HashMap<>();
        Map<String, Origin> groups = new HashMap<>();
        List<ClipEntry> clips = new ArrayList<>();
        List<String> shas = new ArrayList<>();
        for (Path dir : datasetDirs) {
            Path key = dir.toAbsolutePath().normalize();
            if (seen.put(key, dir) != null) {
                throw new IOException("dataset folder " + dir + " is given twice");
            }
            Parsed p = parse(dir);
            Map<String, Origin> groupsHere = new HashMap<>();
            for (int i = 0; i < p.clips.size(); i++) {
                ClipEntry c = p.clips.get(i);
                Origin here = new Origin(p.manifest, p.lines.get(i), c.source());
                groupsHere.putIfAbsent(c.group(), here);
                Origin before = groups.get(c.group());
                if (before != null && !before.manifest.equals(p.manifest) && !before.source.equals(c.source())) {
                    throw new IOException(p.manifest + " line " + here.line + ": group '" + c.group() + "' (source '"
                            + c.source() + "') is also a group of source '" + before.source + "' in " + before.manifest
                            + " line " + before.line + ": group ids must be unique across datasets (prefix them "
                            + "with the source)");
                }
            }
            groupsHere.forEach(groups::putIfAbsent);
            clips.addAll(p.clips);
            shas.add(p.sha256);
        }
        return new DatasetManifest(datasetDirs, shas, List.of(), clips);
    }

    /**
     * These clips less those whose {@code quality} equals one of {@code qualities} (exactly). A value that no clip
     * has is refused, naming the values there are, since it is most likely mistyped.
     */
    public DatasetManifest excludingQualities(Collection<String> qualities) {
        if (qualities.isEmpty()) {
            return this;
        }
        Set<String> present = new TreeSet<>();
        clips.forEach(c -> present.add(c.quality()));
        for (String q : qualities) {
            if (!present.contains(q)) {
                throw new IllegalArgumentException("no clip of " + name() + " has quality '" + q + "'; the qualities "
                        + "are: " + String.join(" | ", present.stream()
                        .map(v -> v.isEmpty() ? "'' (clips without a quality column)" : "'" + v + "'").toList()));
            }
        }
        Set<String> excluded = new TreeSet<>(excludedQualities);
        excluded.addAll(qualities);
        return new DatasetManifest(roots, manifestSha256s, List.copyOf(excluded),
                clips.stream().filter(c -> !excluded.contains(c.quality())).toList());
    }

    private record Origin(Path manifest, int line, String source) {}

    private record Parsed(Path manifest, List<ClipEntry> clips, List<Integer> lines, String sha256) {}

    private static Parsed parse(Path datasetDir) throws IOException {
        Path manifest = datasetDir.resolve("manifest.csv");
        if (!Files.isRegularFile(manifest)) {
            throw new IOException("no manifest.csv in " + datasetDir);
        }
        byte[] bytes = Files.readAllBytes(manifest);
        List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        if (lines.isEmpty()) {
            throw new IOException(manifest + ": empty manifest");
        }
        List<String> header = Csv.split(lines.get(0).strip());
        Map<String, Integer> column = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            column.put(header.get(i).strip(), i);
        }
        for (String required : List.of("path", "label", "group")) {
            if (!column.containsKey(required)) {
                throw new IOException(manifest + ": header lacks column '" + required + "'");
            }
        }
        // A path such as "../x.wav" or "/etc/x" would make training or the demo read files outside the dataset.
        Path root = datasetDir.toAbsolutePath().normalize();
        List<ClipEntry> clips = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            List<String> f;
            try {
                f = Csv.split(line);
            } catch (IllegalArgumentException e) {
                throw new IOException(manifest + " line " + (n + 1) + ": " + e.getMessage());
            }
            if (f.size() < header.size()) {
                throw new IOException(manifest + " line " + (n + 1) + ": " + f.size() + " fields, header has "
                        + header.size());
            }
            String label = f.get(column.get("label"));
            if (Labels.indexOf(label) < 0 && !Labels.BACKGROUND.equals(label)) {
                throw new IOException(manifest + " line " + (n + 1) + ": unknown label '" + label + "'");
            }
            String use = column.containsKey("use") ? f.get(column.get("use")) : "train";
            if (!USES.contains(use)) {
                throw new IOException(manifest + " line " + (n + 1) + ": unknown use '" + use + "'");
            }
            String path = f.get(column.get("path"));
            Path file = datasetDir.resolve(path);
            if (!root.resolve(path).normalize().startsWith(root)) {
                throw new IOException(manifest + " line " + (n + 1) + ": path '" + path
                        + "' leaves the dataset folder");
            }
            try {
                clips.add(new ClipEntry(file, path, label, use, f.get(column.get("group")), get(f, column, "source"),
                        get(f, column, "original_label"), get(f, column, "license"), get(f, column, "quality")));
            } catch (IllegalArgumentException e) {
                throw new IOException(manifest + " line " + (n + 1) + ": " + e.getMessage());
            }
            lineNumbers.add(n + 1);
        }
        return new Parsed(manifest, clips, lineNumbers, sha256(bytes));
    }

    private static String get(List<String> f, Map<String, Integer> column, String name) {
        Integer i = column.get(name);
        return i == null ? "" : f.get(i);
    }

    private String combinedSha256() {
        StringBuilder text = new StringBuilder();
        manifestSha256s.forEach(s -> text.append(s).append('\n'));
        excludedQualities.stream().sorted().forEach(q -> text.append("exclude-quality ").append(q).append('\n'));
        return sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** The dataset folders, in the order read. */
    public List<Path> roots() {
        return roots;
    }

    /** The first (for one folder, the only) dataset folder. */
    public Path root() {
        return roots.get(0);
    }

    /** Each folder's {@code manifest.csv} SHA-256, in the order of {@link #roots()}. */
    public List<String> manifestSha256s() {
        return manifestSha256s;
    }

    /** The quality values left out by {@link #excludingQualities}, sorted; empty when none. */
    public List<String> excludedQualities() {
        return excludedQualities;
    }

    public List<ClipEntry> clips() {
        return clips;
    }

    public String sha256() {
        return sha256;
    }

    /** The folders' names joined with '+', e.g. {@code train-v1+train-v2}. */
    public String name() {
        return String.join("+", roots.stream().map(DatasetManifest::folderName).toList());
    }

    /**
     * {@link #name()} and, when clips were left out by quality, the values: what a model manifest's
     * {@code training.dataset} records.
     */
    public String describe() {
        return excludedQualities.isEmpty() ? name() : name() + " excluding quality "
                + String.join(", ", excludedQualities.stream().map(q -> "'" + q + "'").toList());
    }

    /** Clips per quality value ("" for clips without one), in first-seen order. */
    public Map<String, Integer> qualityCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        clips.forEach(c -> counts.merge(c.quality(), 1, Integer::sum));
        return counts;
    }

    private static String folderName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }
}
