package org.earshot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

class InfluxSettingsTest {
    private static final Path POSITION = Path.of("data/influx.position");

    private static InfluxSettings valid() {
        return InfluxSettings.defaults("http://127.0.0.1:8086", "earshot", POSITION);
    }

    private static void assertRejected(String expectedInMessage, Supplier<InfluxSettings> settings) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, settings::get);
        assertTrue(e.getMessage().contains(expectedInMessage), "message: " + e.getMessage());
    }

    @Test
    void defaultsAreValid() {
        InfluxSettings s = valid();
        assertEquals(Duration.ofDays(365), s.detectionsRetention());
        assertEquals(Duration.ofDays(30), s.levelsRetention());
    }

    @Test
    void urlMustBeHttpWithHostAndWithoutCredentials() {
        assertRejected("url is missing", () -> InfluxSettings.defaults(" ", "earshot", POSITION));
        assertRejected("http:// or https://", () -> InfluxSettings.defaults("udp://h:8089", "earshot", POSITION));
        assertRejected("must not contain credentials",
                () -> InfluxSettings.defaults("http://admin:secret@h:8086", "earshot", POSITION));
        assertRejected("no host", () -> InfluxSettings.defaults("http:///x", "earshot", POSITION));
        assertRejected("not a URL", () -> InfluxSettings.defaults("http://h:80 86", "earshot", POSITION));
    }

    @Test
    void databaseMustBeAPlainName() {
        assertRejected("database is missing", () -> InfluxSettings.defaults("http://h:8086", "", POSITION));
        assertRejected("quotes", () -> InfluxSettings.defaults("http://h:8086", "a\"b", POSITION));
    }

    @Test
    void credentialsComeInPairs() {
        assertRejected("both or neither", () -> valid().withCredentials("user", null));
        assertRejected("both or neither", () -> valid().withCredentials(null, "token"));
        assertEquals("user", valid().withCredentials("user", "pw").username());
    }

    @Test
    void retentionMustBeAtLeastAnHourInWholeSeconds() {
        assertRejected("detectionsRetention must be at least 1 hour",
                () -> valid().withRetention(Duration.ofMinutes(59), Duration.ofDays(1)));
        assertRejected("levelsRetention must be whole seconds",
                () -> valid().withRetention(Duration.ofDays(1), Duration.ofHours(2).plusMillis(1)));
        assertRejected("levelsRetention is missing", () -> valid().withRetention(Duration.ofDays(1), null));
    }

    @Test
    void batchingValuesAreChecked() {
        assertRejected("batchSize", () -> valid().withBatching(0, Duration.ofSeconds(1), 10));
        assertRejected("flushInterval must be positive", () -> valid().withBatching(10, Duration.ZERO, 10));
        assertRejected("levelBufferBound must be >= batchSize", () -> valid().withBatching(10, Duration.ofSeconds(1), 9));
        assertRejected("healthInterval must be positive", () -> valid().withHealthInterval(Duration.ofSeconds(-1)));
    }

    @Test
    void toStringHidesThePassword() {
        String text = valid().withCredentials("user", "s3cret-token").toString();
        assertFalse(text.contains("s3cret-token"), text);
        assertTrue(text.contains("user"), text);
    }

    @Test
    void loggedUrlHasNoCredentialsOrQuery() {
        assertEquals("https://influx.example:8086/api", InfluxWriter.withoutCredentials("https://influx.example:8086/api"));
        assertEquals("http://h", InfluxWriter.withoutCredentials("http://h"));
    }
}
