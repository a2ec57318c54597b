package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.config.ApiKeyRegistry;
import org.earshot.config.SensorRegistry;
import org.earshot.journal.Checkpoint;
import org.earshot.journal.JournalKeys;
import org.earshot.journal.JournalVerifier;
import org.earshot.journal.MerkleTree;
import org.earshot.sensor.MqttSensorClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query API over the real journal of a running service: the detections it lists are the ones published, each
 * comes with an inclusion proof that verifies against a signed checkpoint, roles are enforced, every request
 * (refused ones too) is journaled, the transparency figures count without showing events, and an export of the
 * journal through the API verifies offline with {@code JournalVerifier}.
 */
class QueryApiServiceIT {
    static final String HOST = "127.0.0.1";
    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newHttpClient();
    int port;

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + path)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject json(String path, String key) throws Exception {
        HttpResponse<String> r = get(path, key);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void auditorsQueryVerifyAndExportTheJournalOfARunningService() throws Exception {
        String auditor = ApiKeyRegistry.add(dir.resolve("api-keys.json"), "audit-office", "auditor");
        String operator = ApiKeyRegistry.add(dir.resolve("api-keys.json"), "control-room", "operator");
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("s1", SensorRegistry.newToken());
        tokens.put("watcher", SensorRegistry.newToken());
        String config = LiveHarness.embeddedConfig().replace("\"ingest\"",
                "\"journal\": {\"checkpoint_seconds\": 0.2}, \"api\": {\"transparency_min_count\": 1},"
                        + " \"ingest\"");
        List<String> publishedIds = new ArrayList<>();
        try (LiveHarness live = new LiveHarness(dir, config, tokens)) {
            port = live.service.httpPort();
            LiveHarness.Monitor monitor = live.reader(HOST, live.service.mqttPort(),
                    "earshot/v1/detections/#");
            MqttSensorClient s1 = new MqttSensorClient(live.clients, HOST, live.service.mqttPort(), "s1",
                    tokens.get("s1"), 100, null);
            LiveHarness.await(s1.connect());
            LiveHarness.await(LiveHarness.sendAll(s1, LiveHarness.demoFrames(0, LiveHarness.T0)));
            int expected = LiveHarness.detectCommandOutput().size();
            monitor.awaitCount("earshot/v1/detections/", expected)
                    .forEach(d -> publishedIds.add(d.get("id").getAsString()));
            LiveHarness.await(s1.close());

            // Detections, one page at a time (limit 1), are exactly those published.
            List<String> listed = new ArrayList<>();
            String cursor = null;
            do {
                JsonObject page = json("/api/v1/detections?limit=1" + (cursor == null ? "" : "&cursor=" + cursor),
                        operator);
                page.getAsJsonArray("items").forEach(i -> listed.add(i.getAsJsonObject().get("id").getAsString()));
                JsonElement next = page.get("next_cursor");
                cursor = next == null || next.isJsonNull() ? null : next.getAsString();
            } while (cursor != null);
            assertEquals(new TreeSet<>(publishedIds), new TreeSet<>(listed));
            assertEquals(publishedIds.size(), listed.size());

            // Each has a proof against a signed checkpoint (they are signed every 0.2 s here).
            JournalKeys keys = JournalKeys.loadOrCreate(dir.resolve("keys").resolve("journal-ed25519.pem"));
            for (String id : publishedIds) {
                JsonObject body = null;
                for (int attempt = 0; attempt < 100; attempt++) {
                    body = json("/api/v1/detections/" + id, auditor);
                    if (!body.getAsJsonObject("proof").get("checkpoint").isJsonNull()) {
                        break;
                    }
                    Thread.sleep(100); // the next checkpoint is at most 0.2 s away
                }
                assertProofVerifies(body.getAsJsonObject("proof"), keys);
            }

            // Roles: an operator reads detections, not the journal; nobody without a key reads detections.
            assertEquals(403, get("/api/v1/journal/entries", operator).statusCode());
            assertEquals(401, get("/api/v1/detections", null).statusCode());
            assertEquals(401, get("/api/v1/detections", "esk_not-a-key").statusCode());
            // T0 is 2026-11-28: a closed day by now.
            JsonObject transparency = json("/api/v1/transparency?from=2026-01-01&to=2026-11-30", null);
            assertEquals(publishedIds.size(), transparency.get("total").getAsLong());
            assertFalse(transparency.toString().contains(publishedIds.get(0)), "no individual events");

            // Export the journal through the API and verify it offline.
            // Checkpoints first: every request is journaled and checkpoints are signed every 0.2 s, so checkpoints
            // fetched after the entries can cover the last page's own request entry, which the export lacks.
            StringBuilder checkpoints = new StringBuilder();
            for (JsonElement c : json("/api/v1/journal/checkpoints?limit=1000", auditor).getAsJsonArray("items")) {
                JsonObject o = c.getAsJsonObject();
                Checkpoint cp = new Checkpoint(o.get("tree_size").getAsLong(),
                        HexFormat.of().parseHex(o.get("root_hash").getAsString()), signedTime(o), o.get("key_id")
                        .getAsString(), java.util.Base64.getDecoder().decode(o.get("signature").getAsString()));
                checkpoints.append(cp.toJson()).append('\n');
            }
            StringBuilder lines = new StringBuilder();
            String after = null;
            int requests = 0;
            do {
                JsonObject page = json("/api/v1/journal/entries?limit=7" + (after == null ? "" : "&after=" + after),
                        auditor);
                requests++;
                for (JsonElement e : page.getAsJsonArray("items")) {
                    lines.append(e.getAsJsonObject().get("entry_json").getAsString()).append('\n');
                }
                JsonElement next = page.get("next_after");
                after = next == null || next.isJsonNull() ? null : next.getAsString();
            } while (after != null);
            assertTrue(requests > 1);
            Path export = Files.writeString(dir.resolve("export.jsonl"), lines);
            Path cps = Files.writeString(dir.resolve("export-checkpoints.jsonl"), checkpoints);
            JournalVerifier.Report report = JournalVerifier.verify(export, cps, keys.publicKey(), null);
            assertTrue(report.ok(), report.failure());
            assertTrue(report.checkpoints() > 0);

            // A key added while the service runs works without a restart.
            String late = ApiKeyRegistry.add(dir.resolve("api-keys.json"), "late-auditor", "auditor");
            org.earshot.testing.Await.until(() -> {
                try {
                    return get("/api/v1/journal/checkpoints", late).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            }, java.time.Duration.ofSeconds(30), () -> "the new key was not accepted");
        }

        // Every request above, allowed or refused, is in the journal.
        List<JsonObject> requests = new ArrayList<>();
        List<JsonObject> refusals = new ArrayList<>();
        for (String line : readJournalLines(dir.resolve("journal"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.get("type").getAsString().equals("api_request")) {
                requests.add(o.getAsJsonObject("data"));
            } else if (o.get("type").getAsString().equals("api_refusals")) {
                refusals.add(o.getAsJsonObject("data"));
            }
        }
        assertTrue(requests.stream().anyMatch(r -> r.get("status").getAsInt() == 403
                && r.get("principal").getAsString().equals("control-room")
                && r.get("path").getAsString().equals("/api/v1/journal/entries")), requests.toString());
        // Anonymous refusals (the two 401s) are counted in a summary, written at the latest when the service stops.
        assertTrue(refusals.stream().flatMap(r -> r.getAsJsonArray("rows").asList().stream())
                .filter(r -> r.getAsJsonObject().get("status").getAsInt() == 401)
                .mapToLong(r -> r.getAsJsonObject().get("count").getAsLong()).sum() >= 2, refusals.toString());
        assertTrue(requests.stream().anyMatch(r -> r.get("credential").getAsString().equals("api_key")
                && r.get("key_id").getAsString().equals(ApiKeyRegistry.keySha256(operator).substring(0, 16))));
        assertTrue(requests.stream().anyMatch(r -> r.get("path").getAsString().equals("/api/v1/transparency")));
        assertFalse(requests.toString().contains(auditor) || requests.toString().contains(operator),
                "no API key in the journal");
        assertTrue(readJournalLines(dir.resolve("journal")).stream().anyMatch(l -> l.contains("\"access_config\"")
                && l.contains("late-auditor")), "the change of API keys is journaled");
    }

    /** The checkpoint's time as signed: the last line of signed_text. */
    private static long signedTime(JsonObject checkpoint) {
        String[] lines = checkpoint.get("signed_text").getAsString().split("\n");
        return Long.parseLong(lines[lines.length - 1]);
    }

    static void assertProofVerifies(JsonObject p, JournalKeys keys) throws Exception {
        byte[] line = p.get("entry_json").getAsString().getBytes(StandardCharsets.UTF_8);
        String text = new String(line, StandardCharsets.UTF_8);
        int cut = text.indexOf(",\"data\":");
        byte[] header = (text.substring(0, cut) + "}").getBytes(StandardCharsets.UTF_8);
        byte[] data = text.substring(cut + 8, text.length() - 1).getBytes(StandardCharsets.UTF_8);
        assertEquals(JsonParser.parseString(new String(header, StandardCharsets.UTF_8)).getAsJsonObject()
                .get("data_sha256").getAsString(), HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(data)));
        byte[] leaf = MerkleTree.leafHash(header);
        assertEquals(p.get("leaf_hash").getAsString(), HexFormat.of().formatHex(leaf));
        List<byte[]> path = new ArrayList<>();
        p.getAsJsonArray("audit_path").forEach(h -> path.add(HexFormat.of().parseHex(h.getAsString())));
        byte[] root = HexFormat.of().parseHex(p.get("root_hash").getAsString());
        assertTrue(MerkleTree.verifyInclusion(leaf, p.get("leaf_index").getAsLong(), p.get("tree_size").getAsLong(),
                path, root));
        JsonObject c = p.getAsJsonObject("checkpoint");
        assertNotNull(c);
        Checkpoint cp = new Checkpoint(c.get("tree_size").getAsLong(), HexFormat.of().parseHex(
                c.get("root_hash").getAsString()), signedTime(c), c.get("key_id").getAsString(),
                java.util.Base64.getDecoder().decode(c.get("signature").getAsString()));
        assertEquals(p.get("tree_size").getAsLong(), cp.treeSize());
        assertTrue(java.util.Arrays.equals(root, cp.rootHash()));
        assertTrue(cp.verify(keys.publicKey()), "checkpoint signature");
    }

    private static List<String> readJournalLines(Path journal) throws Exception {
        List<String> out = new ArrayList<>();
        try (var files = Files.list(journal)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().toList()) {
                out.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
