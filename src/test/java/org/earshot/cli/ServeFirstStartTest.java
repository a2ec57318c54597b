package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.earshot.config.ServeConfig;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the quick start leaves on disk: the data folder, the journal and its segments, the sensors file and the first
 * sensor's credentials are all readable by their owner only (the journal holds remote addresses, the credentials a
 * token), as docs/CONFIGURATION.md says.
 */
class ServeFirstStartTest {
    @TempDir
    Path dir;

    @Test
    void dataFolderJournalAndCredentialsAreOwnerOnly() throws Exception {
        Path data = dir.resolve("data");
        JsonObject config = new JsonObject();
        config.addProperty("data_dir", data.toString());
        config.addProperty("sensors_file", data.resolve("sensors.json").toString());
        Path configFile = dir.resolve("config.json");
        Files.writeString(configFile, config.toString());
        ServeConfig cfg = ServeConfig.load(Optional.of(configFile), Map.of());
        ServeCommand.openSensors(cfg);
        Path credentials = data.resolve("sensor-1.credentials.csv");
        assertTrue(Files.readString(credentials).contains("sensor-1,"), "the first sensor's token is stored there");
        JournalKeys keys = JournalKeys.loadOrCreate(data.resolve("keys").resolve("journal-ed25519.pem"));
        try (Journal journal = Journal.open(data.resolve("journal"), Journal.Options.defaults(), keys,
                () -> 0L, line -> { })) {
            JsonObject entry = new JsonObject();
            entry.addProperty("remote", "192.0.2.7:50000");
            journal.append("access", entry);
        }
        assertEquals("rwx------", permissions(data));
        assertEquals("rwx------", permissions(data.resolve("journal")));
        assertEquals("rw-------", permissions(data.resolve("sensors.json")));
        assertEquals("rw-------", permissions(credentials));
        List<Path> journalFiles;
        try (Stream<Path> files = Files.list(data.resolve("journal"))) {
            journalFiles = files.toList();
        }
        assertTrue(journalFiles.size() >= 2, journalFiles.toString());
        for (Path file : journalFiles) {
            assertEquals("rw-------", permissions(file), file.toString());
        }
    }

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
