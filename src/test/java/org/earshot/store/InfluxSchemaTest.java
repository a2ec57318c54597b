package org.earshot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class InfluxSchemaTest {
    @Test
    void goDurationsAsInfluxPrintsThem() {
        assertEquals(Duration.ofDays(365), InfluxSchema.parseGoDuration("8760h0m0s"));
        assertEquals(Duration.ofMinutes(90), InfluxSchema.parseGoDuration("1h30m0s"));
        assertEquals(Duration.ofMillis(1500), InfluxSchema.parseGoDuration("1s500ms"));
        assertEquals(Duration.ZERO, InfluxSchema.parseGoDuration("0s"));
        assertThrows(IllegalArgumentException.class, () -> InfluxSchema.parseGoDuration("1 day"));
        assertThrows(IllegalArgumentException.class, () -> InfluxSchema.parseGoDuration("1h30x"));
    }

    @Test
    void statementsQuoteNamesAndGiveDurationsInSeconds() {
        assertEquals("CREATE RETENTION POLICY \"earshot_levels\" ON \"my db\" DURATION 2592000s REPLICATION 1"
                + " SHARD DURATION 86400s", InfluxSchema.createPolicy("my db", "earshot_levels", Duration.ofDays(30)));
        assertEquals("ALTER RETENTION POLICY \"earshot_detections\" ON \"e\" DURATION 7200s SHARD DURATION 3600s",
                InfluxSchema.alterPolicy("e", "earshot_detections", Duration.ofHours(2)));
        assertEquals("CREATE DATABASE \"earshot\"", InfluxSchema.createDatabase("earshot"));
    }

    @Test
    void shardDurationFollowsInfluxDefaults() {
        assertEquals(Duration.ofHours(1), InfluxSchema.shardDuration(Duration.ofHours(47)));
        assertEquals(Duration.ofDays(1), InfluxSchema.shardDuration(Duration.ofDays(2)));
        assertEquals(Duration.ofDays(1), InfluxSchema.shardDuration(Duration.ofDays(30)));
        assertEquals(Duration.ofDays(7), InfluxSchema.shardDuration(Duration.ofDays(365)));
    }
}
