package org.earshot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The key table against itself and against docs/CONFIGURATION.md (tests run from the repository root). */
class ConfigKeysTest {
    private static final Path DOC = Path.of("docs/CONFIGURATION.md");

    @TempDir
    Path tmp;

    private static List<String> docLines() throws Exception {
        return Files.readAllLines(DOC);
    }

    /** The cells of the table row of the doc that documents {@code key}, or null. */
    private static String[] row(List<String> lines, String key) {
        String start = "| `" + key + "` |";
        String[] found = null;
        for (String line : lines) {
            if (line.startsWith(start)) {
                assertTrue(found == null, key + " has two rows in " + DOC);
                found = line.split("\\|");
            }
        }
        return found;
    }

    @Test
    void theDocListsEveryKeyWithItsDefaultAndVariable() throws Exception {
        List<String> lines = docLines();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            String[] cells = row(lines, key.name());
            assertNotNull(cells, DOC + " has no row for " + key.name());
            assertEquals("`" + key.defaultText() + "`", cells[2].trim(), "default of " + key.name() + " in " + DOC);
            assertEquals("`" + key.envVariable() + "`", cells[3].trim(), "variable of " + key.name() + " in " + DOC);
            assertFalse(cells[4].isBlank(), key.name() + " is not explained in " + DOC);
        }
    }

    @Test
    void theDocListsNoKeyThatDoesNotExist() throws Exception {
        Set<String> known = new HashSet<>();
        ConfigKeys.ALL.forEach(k -> known.add(k.name()));
        Pattern keyRow = Pattern.compile("\\| `([^`]+)` \\| `[^`]*` \\| `EARSHOT_[A-Z_]+` \\|.*");
        int rows = 0;
        for (String line : docLines()) {
            Matcher m = keyRow.matcher(line);
            if (m.matches()) {
                rows++;
                assertTrue(known.contains(m.group(1)), DOC + " documents " + m.group(1) + ", which is not a key");
            }
        }
        assertEquals(ConfigKeys.ALL.size(), rows);
    }

    @Test
    void theDocExamplesLoad() throws Exception {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)```json\\n(.*?)```").matcher(Files.readString(DOC));
        while (m.find()) {
            blocks.add(m.group(1));
        }
        String serve = blocks.stream().filter(b -> b.contains("\"ingest\"")).findFirst().orElseThrow();
        Path file = tmp.resolve("config.json");
        Files.writeString(file, serve);
        assertEquals(ServeConfig.defaults(), ServeConfig.load(Optional.of(file), Map.of()),
                "the example in " + DOC + " shows the defaults");

        String sensors = blocks.stream().filter(b -> b.contains("\"sensors\"")).findFirst().orElseThrow();
        Path sensorsFile = tmp.resolve("sensors.json");
        Files.writeString(sensorsFile, sensors);
        assertFalse(SensorRegistry.load(sensorsFile).sensors().isEmpty());
    }

    @Test
    void variablesAreDistinctAndPrefixed() {
        Set<String> seen = new HashSet<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertTrue(seen.add(key.envVariable()), key.envVariable() + " twice");
            assertTrue(key.envVariable().matches("EARSHOT_[A-Z0-9_]+"), key.envVariable());
        }
        assertEquals("EARSHOT_INGEST_QUEUE_SECONDS", ConfigKeys.INGEST_QUEUE_SECONDS.envVariable());
        assertEquals("EARSHOT_DATA_DIR", ConfigKeys.DATA_DIR.envVariable());
    }

    /** A key declared but left out of ALL would be neither read, printed nor documented. */
    @Test
    void everyDeclaredKeyIsInTheList() throws Exception {
        int declared = 0;
        for (Field field : ConfigKeys.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigKey.class) {
                declared++;
                assertTrue(ConfigKeys.ALL.contains(field.get(null)), field.getName() + " is not in ConfigKeys.ALL");
            }
        }
        assertEquals(declared, ConfigKeys.ALL.size());
        assertEquals(declared, new HashSet<>(ConfigKeys.ALL.stream().map(ConfigKey::name).toList()).size());
    }
}
