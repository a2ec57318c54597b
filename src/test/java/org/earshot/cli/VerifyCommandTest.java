package org.earshot.cli;

import org.earshot.journal.Journal;
import org.earshot.journal.JournalFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code earshot verify} as an auditor runs it: exit 0 and "verified" on a good journal, exit 1 naming the entry on
 * a tampered one, exit 2 with one line naming the file on bad input, and a saved checkpoint that the next run holds
 * the journal to (so a rollback fails).
 */
class VerifyCommandTest {
    @TempDir
    Path root;
    private JournalFixture f;

    @BeforeEach
    void writeJournal() throws Exception {
        f = new JournalFixture(root);
        f.write(20, 8);
    }

    private CliRunner.Run verify(String... extra) {
        return CliRunner.run(Stream.concat(Stream.of("verify", f.dir.toString(), "--public-key",
                f.publicKeyFile().toString()), Stream.of(extra)).toArray(String[]::new));
    }

    @Test
    void aGoodJournalVerifies() {
        CliRunner.Run run = verify();
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("entries: 20 (0 with data deleted by retention)"), run.out());
        assertTrue(run.out().contains("detection: 20"), run.out());
        assertTrue(run.out().contains("newest checkpoint: size 20"), run.out());
        assertTrue(run.out().strip().endsWith("verified"), run.out());
    }

    @Test
    void aTamperedJournalFailsNamingTheEntry() throws Exception {
        Path segment = f.segment(0);
        String text = Files.readString(segment, StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        String five = lines.get(5).replace("\"sensor\":\"sensor-5\"", "\"sensor\":\"sensor-6\"");
        assertFalse(five.equals(lines.get(5)));
        Files.writeString(segment, text.replace(lines.get(5), five), StandardCharsets.UTF_8);
        CliRunner.Run run = verify();
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("FAILED: segment-00000000000000000000.jsonl line 6: entry 5: its data does not"
                + " match data_sha256"), run.out());
        assertFalse(run.out().contains("verified"), run.out());
    }

    @Test
    void aMissingKeyFileIsBadInput() {
        CliRunner.Run run = CliRunner.run("verify", f.dir.toString(), "--public-key",
                root.resolve("nope.pub").toString());
        run.assertRejected("nope.pub: no such key file");
    }

    @Test
    void aKeyFileThatIsNotAKeyIsBadInput() throws Exception {
        Path notAKey = Files.writeString(root.resolve("text.pub"), "hello\n");
        CliRunner.Run run = CliRunner.run("verify", f.dir.toString(), "--public-key", notAKey.toString());
        run.assertRejected("text.pub: expected a PEM file");
    }

    @Test
    void aBadOrMissingCheckpointFileIsBadInput() throws Exception {
        Path bad = Files.writeString(root.resolve("bad-checkpoint.json"), "{\"tree_size\":3}\n");
        verify("--checkpoint", bad.toString()).assertRejected("bad-checkpoint.json: checkpoint: missing field root");
        verify("--checkpoint", root.resolve("none.json").toString())
                .assertRejected("none.json: no such checkpoint file");
        verify("--checkpoints", root.resolve("none.jsonl").toString())
                .assertRejected("none.jsonl: no such checkpoints file");
    }

    @Test
    void aMissingJournalIsBadInput() {
        CliRunner.Run run = CliRunner.run("verify", root.resolve("elsewhere").toString(), "--public-key",
                f.publicKeyFile().toString());
        run.assertRejected("elsewhere: no such file or directory");
    }

    @Test
    void aSavedCheckpointHoldsTheNextRunToTheJournalItSaw() throws Exception {
        Path old = root.resolve("old-copy");
        Files.createDirectories(old);
        try (Stream<Path> files = Files.list(f.dir)) {
            for (Path file : files.toList()) {
                Files.copy(file, old.resolve(file.getFileName()));
            }
        }
        Path saved = root.resolve("saved-checkpoint.json");
        CliRunner.Run first = verify("--save-checkpoint", saved.toString());
        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertTrue(first.err().contains("saved checkpoint of size 20"), first.err());

        try (Journal journal = f.open(JournalFixture.options(8, 1000))) {
            for (int i = 20; i < 25; i++) {
                journal.append("detection", JournalFixture.detection(i));
            }
        }
        CliRunner.Run second = verify("--checkpoint", saved.toString(), "--save-checkpoint", saved.toString());
        assertEquals(0, second.exitCode(), second.out() + second.err());
        assertTrue(second.out().contains("consistent with the saved checkpoint of size 20"), second.out());
        assertTrue(Files.readString(saved).contains("\"tree_size\":25"), "the newer checkpoint replaces it");

        CliRunner.Run rolledBack = CliRunner.run("verify", old.toString(), "--public-key",
                f.publicKeyFile().toString(), "--checkpoint", saved.toString());
        assertEquals(1, rolledBack.exitCode(), rolledBack.out() + rolledBack.err());
        assertTrue(rolledBack.out().contains("FAILED: the saved checkpoint (size 25) covers 25 entries but the"
                + " journal has only 20: entries from 20 on were removed (truncated or rolled back)"), rolledBack.out());
    }

    @Test
    void anExportFileVerifiesWithItsCheckpoints() throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path segment : f.segments()) {
            all.writeBytes(Files.readAllBytes(segment));
        }
        Path export = Files.write(root.resolve("export.jsonl"), all.toByteArray());
        Path checkpoints = f.dir.resolve(Journal.CHECKPOINTS_FILE);
        CliRunner.Run run = CliRunner.run("verify", export.toString(), "--public-key", f.publicKeyFile().toString(),
                "--checkpoints", checkpoints.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("signed checkpoints checked: 1"), run.out());

        Path saved = root.resolve("nothing-to-save.json");
        CliRunner.Run unsigned = CliRunner.run("verify", export.toString(), "--public-key",
                f.publicKeyFile().toString(), "--save-checkpoint", saved.toString());
        assertEquals(0, unsigned.exitCode(), unsigned.out() + unsigned.err());
        assertTrue(unsigned.out().contains("entries after the newest checkpoint (chained, not yet signed): 20"),
                unsigned.out());
        assertTrue(unsigned.err().contains("no signed checkpoint to save"), unsigned.err());
        assertFalse(Files.exists(saved));
    }

    @Test
    void theReadmeRoutineWorksTheFirstTimeWhenNothingIsSavedYet() throws Exception {
        Path saved = root.resolve("saved.json");
        CliRunner.Run first = verify("--checkpoint", saved.toString(), "--save-checkpoint", saved.toString());
        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertTrue(first.err().contains("no saved checkpoint yet; first run"), first.err());
        assertTrue(Files.readString(saved).contains("\"tree_size\":20"));
        CliRunner.Run second = verify("--checkpoint", saved.toString(), "--save-checkpoint", saved.toString());
        assertEquals(0, second.exitCode(), second.out() + second.err());
        assertTrue(second.out().contains("consistent with the saved checkpoint of size 20"), second.out());
        // Only that routine: a missing checkpoint file that is not also the one to save stays bad input.
        verify("--checkpoint", root.resolve("typo.json").toString(), "--save-checkpoint", saved.toString())
                .assertRejected("typo.json: no such checkpoint file");
    }

    @Test
    void deletedCheckpointsOfAJournalWithStopsFailWithOneLine() throws Exception {
        try (Journal journal = f.open(JournalFixture.options(8, 1000))) {
            journal.append("start", new com.google.gson.JsonObject());
            journal.append("stop", new com.google.gson.JsonObject());
        }
        try (Journal journal = f.open(JournalFixture.options(8, 1000))) {
            journal.append("start", new com.google.gson.JsonObject());
        }
        assertEquals(0, verify().exitCode());
        Files.delete(f.dir.resolve(Journal.CHECKPOINTS_FILE));
        CliRunner.Run run = verify();
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("FAILED: signed history missing: stop entry 21 is followed by entry 22"),
                run.out());
    }

    /** The last 5 entries cut off with their checkpoint: only a checkpoint saved elsewhere shows it. */
    @Test
    void checkpointsFromAFileOrTheApiCatchACutTheJournalAloneCannotShow() throws Exception {
        Path old = root.resolve("old-copy");
        Files.createDirectories(old);
        try (Stream<Path> files = Files.list(f.dir)) {
            for (Path file : files.toList()) {
                Files.copy(file, old.resolve(file.getFileName()));
            }
        }
        try (Journal journal = f.open(JournalFixture.options(8, 1000))) {
            for (int i = 20; i < 25; i++) {
                journal.append("detection", JournalFixture.detection(i));
            }
        }
        String newest = Files.readAllLines(f.dir.resolve(Journal.CHECKPOINTS_FILE)).get(1);
        org.earshot.journal.Checkpoint c = org.earshot.journal.Checkpoint.parse(newest);
        // As GET /api/v1/journal/checkpoints answers (one page), and as checkpoints.jsonl holds them.
        String apiPage = "{\"items\":[{\"tree_size\":" + c.treeSize() + ",\"root_hash\":\""
                + java.util.HexFormat.of().formatHex(c.rootHash()) + "\",\"time\":\"2026-11-01T00:00:00Z\","
                + "\"key_id\":\"" + c.keyId() + "\",\"signature\":\""
                + java.util.Base64.getEncoder().encodeToString(c.signature()) + "\",\"signed_text\":"
                + new com.google.gson.Gson().toJson(c.signedText()) + "}],\"next_after\":null}";
        Path fromApi = Files.writeString(root.resolve("from-api.jsonl"), apiPage + "\n");
        Path lines = Files.writeString(root.resolve("lines.jsonl"), newest + "\n");

        CliRunner.Run alone = CliRunner.run("verify", old.toString(), "--public-key", f.publicKeyFile().toString());
        assertEquals(0, alone.exitCode(), alone.out() + alone.err());
        assertTrue(alone.out().contains("cannot be told from a crash"), alone.out());
        for (Path saved : new Path[] {fromApi, lines}) {
            CliRunner.Run run = CliRunner.run("verify", old.toString(), "--public-key", f.publicKeyFile().toString(),
                    "--checkpoints-from", saved.toString());
            assertEquals(1, run.exitCode(), run.out() + run.err());
            assertTrue(run.out().contains("FAILED: saved checkpoint of size 25"), run.out());
            assertTrue(run.out().contains("truncated or rolled back"), run.out());
            CliRunner.Run good = verify("--checkpoints-from", saved.toString());
            assertEquals(0, good.exitCode(), good.out() + good.err());
            assertTrue(good.out().contains("consistent with 1 checkpoints saved elsewhere (largest size 25)"),
                    good.out());
        }

        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.createContext("/api/v1/journal/checkpoints", exchange -> {
            asked.add(exchange.getRequestURI().getQuery() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = apiPage.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/journal/checkpoints?after=0";
            CliRunner.Run run = CliRunner.run("verify", old.toString(), "--public-key", f.publicKeyFile().toString(),
                    "--checkpoints-from", url);
            assertEquals(1, run.exitCode(), run.out() + run.err());
            assertTrue(run.out().contains("FAILED: saved checkpoint of size 25"), run.out());
            assertEquals(1, asked.size(), asked.toString());
            CliRunner.Run missing = CliRunner.run("verify", old.toString(), "--public-key",
                    f.publicKeyFile().toString(), "--checkpoints-from", "http://127.0.0.1:"
                            + server.getAddress().getPort() + "/nothing");
            missing.assertRejected("HTTP 404");
        } finally {
            server.stop(0);
        }
        verify("--checkpoints-from", root.resolve("none.jsonl").toString())
                .assertRejected("none.jsonl: no such checkpoints file");
    }

    @Test
    void theAfterParameterIsReplacedOrAdded() {
        assertEquals("http://h/c?after=7", SavedCheckpoints.withAfter("http://h/c", 7));
        assertEquals("http://h/c?after=7", SavedCheckpoints.withAfter("http://h/c?after=0", 7));
        assertEquals("http://h/c?limit=5&after=7", SavedCheckpoints.withAfter("http://h/c?after=0&limit=5", 7));
    }
}
