package org.earshot.cluster;

import java.nio.charset.StandardCharsets;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournaledEntryTest {
    private static JsonObject entryData() {
        return JsonParser.parseString("{\"id\":\"s1-5-shout\",\"stage\":\"final\",\"sensor\":\"s1\",\"class\":\"shout\","
                + "\"confidence\":0.9,\"model\":\"m\",\"threshold\":0.5,\"off_threshold\":0.3,"
                + "\"cluster\":{\"topic\":\"t\",\"partition\":0,\"offset\":7,\"record_id\":\"detection/s1-5-shout\","
                + "\"node\":\"a\"}}").getAsJsonObject();
    }

    @Test
    void aJournaledDetectionIsPublishedAsASingleNodeWouldWithItsJournalSeq() {
        JournaledEntry e = JournaledEntry.of("detection", 42, entryData());
        assertEquals("s1", e.sensor());
        assertEquals("shout", e.label());
        assertEquals("s1", e.key());
        assertEquals(JsonParser.parseString("{\"id\":\"s1-5-shout\",\"stage\":\"final\",\"sensor\":\"s1\","
                + "\"class\":\"shout\",\"confidence\":0.9,\"model\":\"m\",\"journal_seq\":42}"), e.payload());
        // Field order is kept: the payload's text is the single node's, journal_seq last.
        assertTrue(e.payload().toString().startsWith("{\"id\":\"s1-5-shout\",\"stage\":\"final\""));
        assertFalse(entryData().has("journal_seq"));
    }

    @Test
    void entriesOfOtherTypesAreNotPublished() {
        assertNull(JournaledEntry.of("config", 1, new JsonObject()));
        assertNull(JournaledEntry.of("api_request", 1, new JsonObject()));
    }

    @Test
    void roundTripsAndRefusesWhatIsNotAnEntry() throws Exception {
        JournaledEntry e = JournaledEntry.of("alert", 3, entryData());
        assertEquals(e, JournaledEntry.parse(e.toBytes()));
        JsonObject cp = JsonParser.parseString("{\"tree_size\":9,\"root_hash\":\"ab\"}").getAsJsonObject();
        JournaledEntry c = JournaledEntry.checkpoint(9, cp);
        assertEquals("checkpoint", c.key());
        assertEquals(c, JournaledEntry.parse(c.toBytes()));
        for (String bad : new String[] {"[]", "{\"v\":2,\"kind\":\"detection\",\"seq\":1,\"payload\":{}}",
                "{\"v\":1,\"kind\":\"detection\",\"seq\":1,\"payload\":{}}",
                "{\"v\":1,\"kind\":\"level\",\"seq\":1,\"payload\":{}}",
                "{\"v\":1,\"kind\":\"checkpoint\",\"seq\":-1,\"payload\":{}}",
                "{\"v\":1,\"kind\":\"checkpoint\",\"seq\":1.5,\"payload\":{}}",
                "{\"v\":1,\"kind\":\"checkpoint\",\"seq\":1e30,\"payload\":{}}",
                "{\"v\":1,\"kind\":\"checkpoint\",\"seq\":1,\"payload\":{},\"extra\":1}",
                "{\"v\":1,\"kind\":\"checkpoint\",\"seq\":1,\"seq\":2,\"payload\":{}}", "not json"}) {
            assertThrows(BadRecordException.class, () -> JournaledEntry.parse(bad.getBytes(StandardCharsets.UTF_8)),
                    bad);
        }
        assertThrows(BadRecordException.class, () -> JournaledEntry.parse(null));
    }
}
