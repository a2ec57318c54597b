package org.earshot.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebuilds a dataset folder (as {@code earshot train}, {@code evaluate} and {@code make-streams} take it) from a
 * mirror, and verifies it: every file of a checksum list ({@code datasets/train-v1.sha256}, in the format of
 * {@code sha256sum}, generated from the folder the figures were measured on) is read from the mirror, a local folder
 * or an http(s) URL holding the dataset in its stored layout, checked against its SHA-256 while it is written, and
 * moved into place only when it matches. Files already in place with the right checksum are kept, so an interrupted
 * run resumes. A missing or mismatching file is reported by name and counted, never installed, and does not stop the
 * others. The checksum list's paths must stay inside the folder (no absolute paths, no {@code ..}).
 */
public final class DatasetFetch {
    /** A file that verifies by its checksum and the mirror it came from; "present": it already did. */
    public enum Outcome { FETCHED, PRESENT, MISSING, MISMATCH, FAILED }

    /** One line of a checksum list. */
    public record Entry(String sha256, String path, int line) {}

    /** What became of one file. {@code detail} says why for the three failures. */
    public record Result(Entry entry, Outcome outcome, String detail) {}

    /** Where the files come from. */
    public interface Mirror {
        /** The file's bytes, or null when the mirror does not have it. */
        InputStream open(String path) throws IOException;

        /** Where the file is looked for, for messages. */
        String where(String path);
    }

    /** The totals of a run; {@link #ok()} when every file verified. */
    public record Report(List<Result> results, long bytesFetched) {
        public long count(Outcome outcome) {
            return results.stream().filter(r -> r.outcome() == outcome).count();
        }

        public List<Result> problems() {
            return results.stream().filter(r -> r.outcome() != Outcome.FETCHED && r.outcome() != Outcome.PRESENT)
                    .toList();
        }

        public boolean ok() {
            return problems().isEmpty();
        }

        /** One line: the counts of each outcome. */
        public String summary() {
            return String.format(Locale.ROOT, "%d files: %d fetched (%.1f MB), %d already present, %d missing, "
                            + "%d checksum mismatch(es), %d failed", results.size(), count(Outcome.FETCHED),
                    bytesFetched / 1e6, count(Outcome.PRESENT), count(Outcome.MISSING), count(Outcome.MISMATCH),
                    count(Outcome.FAILED));
        }
    }

    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64}) [ *](.+)");
    private static final long PROGRESS_NANOS = 5_000_000_000L;

    private DatasetFetch() {}

    /**
     * Reads a checksum list in {@code sha256sum}'s format ({@code HEX  PATH}, one file a line; blank lines and lines
     * starting with {@code #} are skipped). Refuses malformed lines, escaped names, paths that leave the folder and
     * paths listed twice, naming the file and line.
     */
    public static List<Entry> readChecksums(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            if (line.startsWith("\\")) {
                throw new IllegalArgumentException(where + "escaped file names (a backslash or newline in the "
                        + "name) are not supported");
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException(where + "not a sha256sum line (64 lower-case hex digits, two "
                        + "spaces, a path): " + shorten(line));
            }
            String path = m.group(2);
            checkRelative(path, where);
            if (!seen.add(path)) {
                throw new IllegalArgumentException(where + path + " is listed twice");
            }
            entries.add(new Entry(m.group(1), path, i + 1));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(file + ": no files listed");
        }
        return entries;
    }

    private static void checkRelative(String path, String where) {
        if (path.startsWith("/") || path.contains("\\") || path.contains(":") || path.endsWith("/")) {
            throw new IllegalArgumentException(where + "path must be relative to the dataset folder, with '/': "
                    + path);
        }
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException(where + "path must stay inside the dataset folder: " + path);
            }
        }
    }

    /** A local folder, or an http(s) URL under which each file is at its path. */
    public static Mirror mirror(String folderOrUrl) {
        Objects.requireNonNull(folderOrUrl, "folderOrUrl");
        String lower = folderOrUrl.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return new HttpMirror(folderOrUrl.endsWith("/") ? folderOrUrl : folderOrUrl + "/");
        }
        Path root = Path.of(folderOrUrl);
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("mirror folder not found: " + folderOrUrl + " (give a folder holding "
                    + "the dataset in its stored layout, or an http(s) URL)");
        }
        return new Mirror() {
            @Override
            public InputStream open(String path) throws IOException {
                try {
                    return Files.newInputStream(root.resolve(path));
                } catch (NoSuchFileException | FileNotFoundException e) {
                    return null;
                }
            }

            @Override
            public String where(String path) {
                return root.resolve(path).toString();
            }
        };
    }

    /**
     * Fetches every listed file into {@code out} from {@code mirror}; {@code progress} gets a line every few seconds
     * and one per problem.
     */
    public static Report fetch(List<Entry> entries, Mirror mirror, Path out, Consumer<String> progress)
            throws IOException {
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        long bytes = 0;
        long next = System.nanoTime() + PROGRESS_NANOS;
        for (Entry e : entries) {
            Path target = out.resolve(e.path());
            Result r;
            if (Files.isRegularFile(target) && sha256(target).equals(e.sha256())) {
                r = new Result(e, Outcome.PRESENT, "");
            } else {
                Path part = target.resolveSibling(target.getFileName() + ".part");
                try {
                    Files.createDirectories(target.getParent());
                    String got;
                    long size;
                    try (InputStream in = mirror.open(e.path())) {
                        if (in == null) {
                            r = new Result(e, Outcome.MISSING, "not in the mirror (" + mirror.where(e.path()) + ")");
                            results.add(report(r, progress));
                            continue;
                        }
                        MessageDigest digest = sha256();
                        try (OutputStream o = new DigestOutputStream(Files.newOutputStream(part), digest)) {
                            size = in.transferTo(o);
                        }
                        got = HexFormat.of().formatHex(digest.digest());
                    }
                    if (got.equals(e.sha256())) {
                        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        bytes += size;
                        r = new Result(e, Outcome.FETCHED, "");
                    } else {
                        Files.delete(part);
                        r = new Result(e, Outcome.MISMATCH, "SHA-256 " + got + ", expected " + e.sha256() + " ("
                                + mirror.where(e.path()) + ", " + size + " bytes; not installed)");
                    }
                } catch (IOException ex) {
                    Files.deleteIfExists(part);
                    r = new Result(e, Outcome.FAILED, ex.getClass().getSimpleName() + ": " + ex.getMessage() + " ("
                            + mirror.where(e.path()) + ")");
                }
            }
            results.add(report(r, progress));
            if (System.nanoTime() - next >= 0) {
                progress.accept(String.format(Locale.ROOT, "%d of %d files checked, %.1f MB fetched",
                        results.size(), entries.size(), bytes / 1e6));
                next = System.nanoTime() + PROGRESS_NANOS;
            }
        }
        return new Report(results, bytes);
    }

    /** Checks the files of {@code dir} against the list without changing anything (a folder such as ../shared's). */
    public static Report verify(List<Entry> entries, Path dir, Consumer<String> progress) throws IOException {
        List<Result> results = new ArrayList<>();
        long next = System.nanoTime() + PROGRESS_NANOS;
        for (Entry e : entries) {
            Path file = dir.resolve(e.path());
            Result r;
            if (!Files.isRegularFile(file)) {
                r = new Result(e, Outcome.MISSING, "not in " + dir);
            } else {
                String got = sha256(file);
                r = got.equals(e.sha256()) ? new Result(e, Outcome.PRESENT, "")
                        : new Result(e, Outcome.MISMATCH, "SHA-256 " + got + ", expected " + e.sha256());
            }
            results.add(report(r, progress));
            if (System.nanoTime() - next >= 0) {
                progress.accept(results.size() + " of " + entries.size() + " files checked");
                next = System.nanoTime() + PROGRESS_NANOS;
            }
        }
        return new Report(results, 0);
    }

    /**
     * Problems of a rebuilt folder as a dataset: its manifest must load ({@link DatasetManifest}) and list only files
     * of the checksum list, so that nothing the commands read is unverified. Empty when it is usable.
     */
    public static List<String> checkManifest(Path dir, List<Entry> entries) {
        Set<String> listed = new HashSet<>();
        entries.forEach(e -> listed.add(e.path()));
        if (!listed.contains("manifest.csv")) {
            return List.of("the checksum list has no manifest.csv");
        }
        List<String> problems = new ArrayList<>();
        try {
            for (ClipEntry clip : DatasetManifest.read(dir).clips()) {
                if (!listed.contains(clip.path())) {
                    problems.add("manifest.csv lists " + clip.path() + ", which the checksum list does not");
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add("manifest.csv does not load: " + e.getMessage());
        }
        return problems;
    }

    private static Result report(Result r, Consumer<String> progress) {
        switch (r.outcome()) {
            case MISSING -> progress.accept("missing: " + r.entry().path() + ": " + r.detail());
            case MISMATCH -> progress.accept("checksum mismatch: " + r.entry().path() + ": " + r.detail());
            case FAILED -> progress.accept("failed: " + r.entry().path() + ": " + r.detail());
            default -> { }
        }
        return r;
    }

    /** The SHA-256 of a file, in lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file);
             OutputStream o = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            in.transferTo(o);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Files under a base URL; 404 and 410 mean the mirror does not have the file. */
    private static final class HttpMirror implements Mirror {
        private final URI base;
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL).build();

        HttpMirror(String base) {
            try {
                this.base = new URI(base);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("bad mirror URL " + base + ": " + e.getMessage(), e);
            }
            if (this.base.getRawAuthority() == null || this.base.getRawQuery() != null) {
                throw new IllegalArgumentException("bad mirror URL " + base + ": give http(s)://HOST/PATH/");
            }
        }

        @Override
        public InputStream open(String path) throws IOException {
            HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(5)).GET().build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int status = response.statusCode();
            if (status == 200) {
                return response.body();
            }
            response.body().close();
            if (status == 404 || status == 410) {
                return null;
            }
            throw new IOException("HTTP " + status);
        }

        @Override
        public String where(String path) {
            return uri(path).toString();
        }

        private URI uri(String path) {
            try {
                // The multi-argument constructor percent-encodes what a path may not hold (spaces, '#', '?').
                return new URI(base.getScheme(), base.getRawAuthority(), base.getPath() + path, null, null);
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot form a URL for " + path + " under " + base, e);
            }
        }
    }
}
