package org.earshot.train;

import org.earshot.detect.Labels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a dataset folder's {@code manifest.csv} (columns {@code path,label,use,group,...}; the provenance columns
 * {@code source}, {@code original_label} and {@code license} are kept when present). Rejects rows with unknown labels
 * or uses and paths that leave the dataset folder, naming the line, and records the manifest's SHA-256 so a model can
 * say exactly which data it was trained on.
 */
public final class DatasetManifest {
    private static final Set<String> USES = Set.of("train", "augment");

    private final Path root;
    private final List<ClipEntry> clips;
    private final String sha256;

    private DatasetManifest(Path root, List<ClipEntry> clips, String sha256) {
        this.root = root;
        this.clips = List.copyOf(clips);
        this.sha256 = sha256;
    }

    public static DatasetManifest read(Path datasetDir) throws IOException {
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
        Map<String, Integer> column = new java.util.HashMap<>();
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
            clips.add(new ClipEntry(file, path, label, use, f.get(column.get("group")), get(f, column, "source"),
                    get(f, column, "original_label"), get(f, column, "license")));
        }
        return new DatasetManifest(datasetDir, clips, sha256(bytes));
    }

    private static String get(List<String> f, Map<String, Integer> column, String name) {
        Integer i = column.get(name);
        return i == null ? "" : f.get(i);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    public Path root() {
        return root;
    }

    public List<ClipEntry> clips() {
        return clips;
    }

    public String sha256() {
        return sha256;
    }
}
