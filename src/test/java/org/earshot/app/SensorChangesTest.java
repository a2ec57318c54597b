package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.junit.jupiter.api.Test;

/** Which connections a new version of the sensors file closes. */
class SensorChangesTest {
    private static SensorRecord sensor(String id, String token, Double calibration, Set<String> classes,
                                       boolean enabled, String location) {
        return new SensorRecord(id, SensorRegistry.tokenSha256(token), location, "", calibration, classes, enabled,
                null, null);
    }

    private static SensorRecord sensor(String id, String token) {
        return sensor(id, token, null, SensorRecord.DEFAULT_CLASSES, true, "");
    }

    @Test
    void removedDisabledAndReTokenedSensorsAreDisconnectedNewOnesAdded() {
        SensorRegistry before = new SensorRegistry(List.of(sensor("a", "ta"), sensor("b", "tb"), sensor("c", "tc"),
                sensor("d", "td"), sensor("off", "to", null, SensorRecord.DEFAULT_CLASSES, false, "")));
        SensorRegistry after = new SensorRegistry(List.of(
                sensor("a", "ta", null, SensorRecord.DEFAULT_CLASSES, true, "moved to Main St"),
                sensor("c", "tc-new"),
                sensor("d", "td", null, SensorRecord.DEFAULT_CLASSES, false, ""),
                sensor("off", "to"),
                sensor("new", "tn")));
        SensorChanges changes = SensorChanges.between(before, after);
        assertEquals(List.of("off", "new"), changes.added());
        assertEquals(List.of("b", "d"), changes.removed());
        assertEquals(List.of("c"), changes.changed());
        assertEquals(List.of("b", "d", "c"), changes.toDisconnect());
    }

    @Test
    void aNewCalibrationOrClassSetReconnectsTheSensor() {
        SensorRegistry before = new SensorRegistry(List.of(sensor("a", "ta"), sensor("b", "tb")));
        SensorRegistry after = new SensorRegistry(List.of(
                sensor("a", "ta", 94.0, SensorRecord.DEFAULT_CLASSES, true, ""),
                sensor("b", "tb", null, Set.of("shout"), true, "")));
        assertEquals(List.of("a", "b"), SensorChanges.between(before, after).changed());
        assertEquals(List.of(), SensorChanges.between(before, before).toDisconnect());
    }
}
