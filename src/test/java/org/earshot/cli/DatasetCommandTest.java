package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.earshot.audio.TestFlacs;
import org.earshot.testing.SyntheticDataset;
import org.earshot.train.DatasetFetch;
import org.earshot.train.DatasetManifest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code earshot dataset fetch|verify} against a fixture mirror made here: a synthetic dataset of WAV clips and a
 * multi-frame FLAC clip with its manifest, its checksum list written by {@code scripts/dataset-checksums.sh} (the
 * documented command), served from a folder and over HTTP, with a file missing and a file corrupted.
 */
class DatasetCommandTest {
    @TempDir
    Path dir;
    Path original;
    Path checksums;

    @BeforeEach
    void fixture() throws Exception {
        original = SyntheticDataset.write(dir.resolve("original"));
        Files.createDirectories(original.resolve("extra"));
        Files.write(original.resolve("extra/tone.flac"), TestFlacs.flac(TestFlacs.pattern(1, 16, 16_000))
                .blockSize(4096).build());
        Files.writeString(original.resolve("manifest.csv"), "extra/tone.flac,background,train,flac0,synthetic,tone,"
                + "1.0,CC0\n", java.nio.file.StandardOpenOption.APPEND);
        checksums = dir.resolve("fixture.sha256");
        Process p = new ProcessBuilder("bash", "scripts/dataset-checksums.sh", original.toString())
                .redirectOutput(checksums.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals(26, DatasetFetch.readChecksums(checksums).size(), Files.readString(checksums));
    }

    private Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    private void assertSameFiles(Path expected, Path actual) throws IOException {
        for (DatasetFetch.Entry e : DatasetFetch.readChecksums(checksums)) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(e.path())), Files.readAllBytes(actual.resolve(e.path())),
                    e.path());
        }
        try (Stream<Path> files = Files.walk(actual)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".part")), "a .part file was left behind");
        }
    }

    @Test
    void fetchRebuildsTheFolderFromAMirrorInstallingOnlyVerifiedFiles() throws Exception {
        Path mirror = copy(original, dir.resolve("mirror"));
        Files.delete(mirror.resolve("shout-0-0.wav"));
        byte[] corrupt = Files.readAllBytes(mirror.resolve("extra/tone.flac"));
        corrupt[corrupt.length / 2] ^= 0x01;
        Files.write(mirror.resolve("extra/tone.flac"), corrupt);
        Path out = dir.resolve("out");

        CliRunner.Run first = CliRunner.run("dataset", "fetch", "--checksums", checksums.toString(), "--mirror",
                mirror.toString(), "--out", out.toString());
        assertEquals(1, first.exitCode(), first.err());
        assertEquals("", first.out());
        assertTrue(first.err().contains("dataset: missing: shout-0-0.wav: not in the mirror ("
                + mirror.resolve("shout-0-0.wav") + ")"), first.err());
        assertTrue(first.err().contains("dataset: checksum mismatch: extra/tone.flac: SHA-256 "), first.err());
        assertTrue(first.err().contains("26 files: 24 fetched"), first.err());
        assertTrue(first.err().contains("0 already present, 1 missing, 1 checksum mismatch(es), 0 failed"),
                first.err());
        assertFalse(Files.exists(out.resolve("shout-0-0.wav")));
        assertFalse(Files.exists(out.resolve("extra/tone.flac")), "a file that does not verify is not installed");

        // The mirror repaired: the second run fetches the two, keeps the rest, and the folder is a dataset again.
        Files.copy(original.resolve("shout-0-0.wav"), mirror.resolve("shout-0-0.wav"));
        Files.copy(original.resolve("extra/tone.flac"), mirror.resolve("extra/tone.flac"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRunner.Run second = CliRunner.run("dataset", "fetch", "--checksums", checksums.toString(), "--mirror",
                mirror.toString(), "--out", out.toString());
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(second.err().contains("26 files: 2 fetched"), second.err());
        assertTrue(second.err().contains("24 already present, 0 missing, 0 checksum mismatch(es), 0 failed"),
                second.err());
        assertTrue(second.err().contains("complete: " + out), second.err());
        assertSameFiles(original, out);
        assertEquals(25, DatasetManifest.read(out).clips().size());
        assertEquals(DatasetManifest.read(original).sha256(), DatasetManifest.read(out).sha256());
    }

    @Test
    void fetchReplacesAFileThatWasAlteredInPlace() throws Exception {
        Path out = copy(original, dir.resolve("out"));
        Files.writeString(out.resolve("impact-2-1.wav"), "not audio");
        CliRunner.Run run = CliRunner.run("dataset", "fetch", "--checksums", checksums.toString(), "--mirror",
                original.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("26 files: 1 fetched"), run.err());
        assertSameFiles(original, out);
    }

    @Test
    void fetchDownloadsFromAnHttpMirror() throws Exception {
        Path served = copy(original, dir.resolve("served"));
        Files.delete(served.resolve("glass_break-1-0.wav"));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/data/", exchange -> {
            Path file = served.resolve(exchange.getRequestURI().getPath().substring("/data/".length()));
            byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/data";
            Path out = dir.resolve("out");
            CliRunner.Run run = CliRunner.run("dataset", "fetch", "--checksums", checksums.toString(), "--mirror", url,
                    "--out", out.toString());
            assertEquals(1, run.exitCode(), run.err());
            assertTrue(run.err().contains("dataset: missing: glass_break-1-0.wav: not in the mirror (" + url
                    + "/glass_break-1-0.wav)"), run.err());
            assertTrue(run.err().contains("26 files: 25 fetched"), run.err());

            Files.copy(original.resolve("glass_break-1-0.wav"), served.resolve("glass_break-1-0.wav"));
            run = CliRunner.run("dataset", "fetch", "--checksums", checksums.toString(), "--mirror", url + "/",
                    "--out", out.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertSameFiles(original, out);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void verifyChecksAFolderAndChangesNothing() throws Exception {
        CliRunner.Run ok = CliRunner.run("dataset", "verify", "--checksums", checksums.toString(), "--dataset",
                original.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.err().contains("26 files: 0 fetched (0.0 MB), 26 already present"), ok.err());

        byte[] bytes = Files.readAllBytes(original.resolve("manifest.csv"));
        String relabelledManifest = new String(bytes, StandardCharsets.UTF_8).replace("impact,train", "shout,train");
        Files.writeString(original.resolve("manifest.csv"), relabelledManifest);
        CliRunner.Run relabelled = CliRunner.run("dataset", "verify", "--checksums", checksums.toString(), "--dataset",
                original.toString());
        assertEquals(1, relabelled.exitCode(), relabelled.err());
        assertTrue(relabelled.err().contains("dataset: checksum mismatch: manifest.csv"), relabelled.err());
        assertEquals(relabelledManifest, Files.readString(original.resolve("manifest.csv")), "verify changes nothing");
    }

    @Test
    void aManifestNamingUnlistedFilesIsNotComplete() throws Exception {
        Files.writeString(original.resolve("manifest.csv"), "unlisted.wav,impact,train,u0,synthetic,x,1.0,CC0\n",
                java.nio.file.StandardOpenOption.APPEND);
        Files.copy(original.resolve("impact-0-0.wav"), original.resolve("unlisted.wav"));
        Path list = dir.resolve("stale.sha256");
        Files.writeString(list, Files.readString(checksums).lines()
                .map(l -> l.endsWith("  manifest.csv") ? hash(original.resolve("manifest.csv")) + "  manifest.csv" : l)
                .reduce("", (a, b) -> a + b + "\n"));
        CliRunner.Run run = CliRunner.run("dataset", "verify", "--checksums", list.toString(), "--dataset",
                original.toString());
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("manifest.csv lists unlisted.wav, which the checksum list does not"), run.err());
    }

    private static String hash(Path file) {
        try {
            return DatasetFetch.sha256(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void badChecksumListsAndMirrorsAreRefusedWithTheLine() throws Exception {
        String good = "0".repeat(64);
        for (String[] c : List.of(
                new String[] {good + "  ../outside.wav", ":1: path must stay inside the dataset folder", ""},
                new String[] {good + "  /etc/passwd", ":1: path must be relative", ""},
                new String[] {"# comment\n" + good + "  a.wav\n" + good + "  a.wav", "3: a.wav is listed twice", ""},
                new String[] {"abc  a.wav", "1: not a sha256sum line", ""},
                new String[] {"\\" + good + "  a\\nb.wav", "escaped file names", ""})) {
            Path list = dir.resolve("bad.sha256");
            Files.writeString(list, c[0] + "\n");
            CliRunner.Run run = CliRunner.run("dataset", "fetch", "--checksums", list.toString(), "--mirror",
                    original.toString(), "--out", dir.resolve("out").toString());
            run.assertRejected(c[1]);
            assertTrue(run.err().contains(c[2]), run.err());
        }
        CliRunner.run("dataset", "fetch", "--checksums", checksums.toString(), "--mirror",
                dir.resolve("nowhere").toString(), "--out", dir.resolve("out").toString())
                .assertRejected("mirror folder not found");
        CliRunner.run("dataset", "fetch", "--checksums", dir.resolve("none.sha256").toString(), "--mirror",
                original.toString(), "--out", dir.resolve("out").toString()).assertRejected("checksum list not found");
        assertFalse(Files.exists(dir.resolve("outside.wav")));
    }

    /** The shipped lists hold each dataset's manifest; train-v1's is the one the shipped model was trained on. */
    @Test
    void theShippedChecksumListsNameTheManifestTheModelWasTrainedOn() throws Exception {
        for (String name : List.of("train-v1", "train-v2")) {
            List<DatasetFetch.Entry> entries = DatasetFetch.readChecksums(Path.of("datasets", name + ".sha256"));
            assertTrue(entries.stream().anyMatch(e -> e.path().equals("manifest.csv")), name);
            assertTrue(entries.size() > 1000, name + ": " + entries.size());
        }
        String trainedOn = JsonParser.parseString(Files.readString(Path.of("models/earshot-v2/manifest.json")))
                .getAsJsonObject().getAsJsonObject("training").get("datasetManifestSha256").getAsString();
        assertTrue(DatasetFetch.readChecksums(Path.of("datasets/train-v1.sha256")).contains(
                new DatasetFetch.Entry(trainedOn, "manifest.csv", lineOf("datasets/train-v1.sha256", "manifest.csv"))),
                "datasets/train-v1.sha256 lists another manifest.csv than models/earshot-v2 was trained on");
    }

    private static int lineOf(String list, String path) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(list));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith("  " + path)) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Where the datasets are here (.ci/run sets both): the lists match them file for file. */
    @Test
    void theShippedChecksumListsMatchTheDatasets() {
        for (String[] d : List.of(new String[] {"EARSHOT_DATASET", "train-v1"},
                new String[] {"EARSHOT_DATASET_V2", "train-v2"})) {
            String folder = System.getenv(d[0]);
            Assumptions.assumeTrue(folder != null && Files.isDirectory(Path.of(folder)),
                    d[0] + " is not set: the shipped checksum lists are not compared with the data");
            CliRunner.Run run = CliRunner.run("dataset", "verify", "--checksums", "datasets/" + d[1] + ".sha256",
                    "--dataset", folder);
            assertEquals(0, run.exitCode(), run.err());
        }
    }
}
