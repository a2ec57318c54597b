package org.earshot.journal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A signed statement that the journal had {@code treeSize} entries with Merkle root {@code rootHash} at {@code
 * timeMicros}. The signature is Ed25519 over {@link #signedText()}, a small fixed text (in the spirit of C2SP signed
 * notes) that anyone can rebuild from the four fields. An auditor keeps one checkpoint; any later journal must be
 * consistent with it (same first {@code treeSize} entries), which is what detects a rollback or a rewritten past.
 */
public record Checkpoint(long treeSize, byte[] rootHash, long timeMicros, String keyId, byte[] signature) {
    public static final String HEADER = "earshot journal checkpoint v1";
    private static final HexFormat HEX = HexFormat.of();

    public String signedText() {
        return signedText(treeSize, rootHash, timeMicros, keyId);
    }

    static String signedText(long treeSize, byte[] rootHash, long timeMicros, String keyId) {
        return HEADER + "\n" + keyId + "\n" + treeSize + "\n" + Base64.getEncoder().encodeToString(rootHash) + "\n"
                + timeMicros + "\n";
    }

    public static Checkpoint sign(long treeSize, byte[] rootHash, long timeMicros, JournalKeys keys) {
        String keyId = JournalKeys.keyId(keys.publicKey());
        return new Checkpoint(treeSize, rootHash.clone(), timeMicros, keyId,
                sign(keys.privateKey(), signedText(treeSize, rootHash, timeMicros, keyId)));
    }

    /** Whether the signature is this public key's over these fields. */
    public boolean verify(PublicKey key) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(signedText().getBytes(StandardCharsets.UTF_8));
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("tree_size", treeSize);
        o.addProperty("root", HEX.formatHex(rootHash));
        o.addProperty("time_us", timeMicros);
        o.addProperty("key_id", keyId);
        o.addProperty("signature", Base64.getEncoder().encodeToString(signature));
        return o;
    }

    /** Reads a checkpoint written by {@link #toJson()}; the message names the missing or malformed field. */
    public static Checkpoint parse(String json) throws JournalFormatException {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            for (String field : new String[] {"tree_size", "root", "time_us", "key_id", "signature"}) {
                if (!o.has(field) || !o.get(field).isJsonPrimitive()) {
                    throw new JournalFormatException(-1, "checkpoint: missing field " + field);
                }
            }
            byte[] root = HEX.parseHex(o.get("root").getAsString());
            if (root.length != MerkleTree.HASH_LENGTH) {
                throw new JournalFormatException(-1, "checkpoint: root must be 64 hex digits");
            }
            long size = o.get("tree_size").getAsLong();
            if (size < 0) {
                throw new JournalFormatException(-1, "checkpoint: tree_size is negative");
            }
            return new Checkpoint(size, root, o.get("time_us").getAsLong(), o.get("key_id").getAsString(),
                    Base64.getDecoder().decode(o.get("signature").getAsString()));
        } catch (RuntimeException e) {
            throw new JournalFormatException(-1, "checkpoint: not a checkpoint JSON object (" + e.getMessage() + ")");
        }
    }

    /**
     * Reads saved checkpoints, one JSON value per line (blank lines skipped): a checkpoint in the journal's format
     * ({@link #toJson()}), one as the API shows it ({@code root_hash}, {@code signed_text}: {@code GET
     * /api/v1/journal/checkpoints}, {@code /detections/{id}}'s proof), or a page of the API ({@code {"items":[...]}})
     * as {@code curl} saves it. The message of a failure names the line.
     */
    public static java.util.List<Checkpoint> readAll(String text) throws JournalFormatException {
        java.util.List<Checkpoint> out = new java.util.ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                com.google.gson.JsonElement value;
                try {
                    value = JsonParser.parseString(line);
                } catch (RuntimeException e) {
                    throw new JournalFormatException(-1, "checkpoint: not JSON (" + e.getMessage() + ")");
                }
                if (value.isJsonObject() && value.getAsJsonObject().has("items")
                        && value.getAsJsonObject().get("items").isJsonArray()) {
                    for (com.google.gson.JsonElement item : value.getAsJsonObject().getAsJsonArray("items")) {
                        out.add(parseAny(item));
                    }
                } else {
                    out.add(parseAny(value));
                }
            } catch (JournalFormatException e) {
                throw new JournalFormatException(-1, "line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** A checkpoint in the journal's format or the API's (whose time is in its signed text, in µs). */
    private static Checkpoint parseAny(com.google.gson.JsonElement value) throws JournalFormatException {
        if (!value.isJsonObject()) {
            throw new JournalFormatException(-1, "checkpoint: not a JSON object");
        }
        JsonObject o = value.getAsJsonObject();
        if (o.has("root") || !o.has("root_hash")) {
            return parse(o.toString());
        }
        try {
            String[] signed = o.get("signed_text").getAsString().split("\n");
            if (signed.length < 5 || !signed[0].equals(HEADER)) {
                throw new JournalFormatException(-1, "checkpoint: signed_text is not an " + HEADER + " text");
            }
            JsonObject j = new JsonObject();
            j.add("tree_size", o.get("tree_size"));
            j.add("root", o.get("root_hash"));
            j.addProperty("time_us", Long.parseLong(signed[4].strip()));
            j.add("key_id", o.get("key_id"));
            j.add("signature", o.get("signature"));
            return parse(j.toString());
        } catch (RuntimeException e) {
            throw new JournalFormatException(-1, "checkpoint: not a checkpoint as the API shows it ("
                    + e.getMessage() + ")");
        }
    }

    private static byte[] sign(PrivateKey key, String text) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(text.getBytes(StandardCharsets.UTF_8));
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}
