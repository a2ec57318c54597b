package org.earshot.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing the signing key (lost, compromised or rotated): with the old public key in {@code retired/}, the journal
 * opens, records a {@code key_change} entry and signs on with the new key; the verifier needs both keys.
 */
class JournalKeyChangeTest {
    @TempDir
    Path tmp;

    private static JsonObject data(int i) {
        JsonObject o = new JsonObject();
        o.addProperty("i", i);
        return o;
    }

    @Test
    void theJournalContinuesUnderANewKeyOnceTheOldPublicKeyIsRetired() throws Exception {
        Path journalDir = tmp.resolve("journal");
        Path keyFile = tmp.resolve("keys").resolve("journal-ed25519.pem");
        JournalKeys first = JournalKeys.loadOrCreate(keyFile);
        try (Journal journal = Journal.open(journalDir, Journal.Options.defaults(), first, () -> 1_000L, l -> { })) {
            for (int i = 0; i < 5; i++) {
                journal.append("note", data(i));
            }
        }
        // The private key is lost; its public key (published) is kept in retired/.
        Path retired = keyFile.resolveSibling(JournalKeys.RETIRED_DIR);
        Files.createDirectories(retired);
        Files.move(JournalKeys.publicKeyFile(keyFile), retired.resolve("first.pub"));
        Files.delete(keyFile);

        Path otherDir = tmp.resolve("other-keys");
        JournalKeys unrelated = JournalKeys.loadOrCreate(otherDir.resolve("k.pem"));
        JournalFormatException refused = assertThrows(JournalFormatException.class, () -> Journal.open(journalDir,
                Journal.Options.defaults(), unrelated, () -> 2_000L, l -> { }));
        assertTrue(refused.getMessage().contains("retired/"), refused.getMessage());

        JournalKeys second = JournalKeys.loadOrCreate(keyFile);
        assertEquals(1, second.retired().size());
        List<JournalLine> lines = new ArrayList<>();
        try (Journal journal = Journal.open(journalDir, Journal.Options.defaults(), second, () -> 2_000L,
                l -> { })) {
            journal.append("note", data(5));
            lines.addAll(journal.read(0, 100));
        }
        JournalLine change = lines.stream().filter(l -> l.type().equals(Journal.TYPE_KEY_CHANGE)).findFirst()
                .orElseThrow();
        assertEquals(JournalKeys.keyId(first.publicKey()), change.dataJson().get("previous_key_id").getAsString());
        assertEquals(JournalKeys.keyId(second.publicKey()), change.dataJson().get("key_id").getAsString());

        JournalVerifier.Report both = JournalVerifier.verify(journalDir, null,
                List.of(second.publicKey(), first.publicKey()), null);
        assertTrue(both.ok(), both.failure());
        assertEquals(2, both.checkpoints());
        JournalVerifier.Report newOnly = JournalVerifier.verify(journalDir, null, second.publicKey(), null);
        assertFalse(newOnly.ok());
        assertTrue(newOnly.failure().contains("it names key " + JournalKeys.keyId(first.publicKey())),
                newOnly.failure());
    }
}
