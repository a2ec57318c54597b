package org.earshot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for the configuration loader ({@code bench/fuzz.sh} fuzzes it; a normal test run replays the seeds in
 * {@code ServeConfigFuzzTestInputs/}): a configuration file of any content, with one {@code EARSHOT_*} environment
 * variable of any value over it, either loads or is refused with a {@link ConfigException} whose message is one
 * line; nothing else is thrown (the service must stop with a message naming the key, never a stack trace). A
 * configuration that loads is stable: loading the same input again gives an equal one.
 *
 * <p>Input: a first line {@code NAME=value} (an environment variable; an empty line for none), then the file.
 */
class ServeConfigFuzzTest {
    private static final Path FILE;

    static {
        try {
            Path dir = Files.createTempDirectory("earshot-config-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("config.json");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void load(byte[] input) throws IOException {
        int newline = 0;
        while (newline < input.length && input[newline] != '\n') {
            newline++;
        }
        String first = new String(input, 0, newline, StandardCharsets.UTF_8);
        int eq = first.indexOf('=');
        Map<String, String> env = eq < 0 ? Map.of() : Map.of(first.substring(0, eq), first.substring(eq + 1));
        Files.write(FILE, Arrays.copyOfRange(input, Math.min(newline + 1, input.length), input.length));
        ServeConfig config;
        try {
            config = ServeConfig.load(Optional.of(FILE), env);
        } catch (ConfigException e) {
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().indexOf('\n') < 0 && e.getMessage().indexOf('\r') < 0,
                    "one line: " + e.getMessage());
            return;
        }
        try {
            assertEquals(config, ServeConfig.load(Optional.of(FILE), env));
        } catch (ConfigException e) {
            throw new AssertionError("loaded once, refused the second time: " + e.getMessage(), e);
        }
        assertNotNull(config.describe());
    }
}
