package org.earshot.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;

/**
 * What a new version of the sensors file changes for the sensors that may stream: ids that became able to connect
 * ({@code added}: new, or enabled again), ids that no longer may ({@code removed}: gone from the file, or disabled),
 * and ids still enabled whose connection depends on something that changed ({@code changed}: token, calibration
 * offset or classes). The connections of {@code removed} and {@code changed} are closed, so that each sensor
 * reconnects under the record now in force (or is refused). Location, description and position changes keep the
 * connection. Pure.
 */
record SensorChanges(List<String> added, List<String> removed, List<String> changed) {
    static SensorChanges between(SensorRegistry before, SensorRegistry after) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (SensorRecord old : before.sensors()) {
            Optional<SensorRecord> now = after.find(old.id());
            boolean enabledNow = now.isPresent() && now.get().enabled();
            if (old.enabled() && !enabledNow) {
                removed.add(old.id());
            } else if (old.enabled() && connectionDiffers(old, now.get())) {
                changed.add(old.id());
            }
        }
        for (SensorRecord r : after.sensors()) {
            if (r.enabled() && before.find(r.id()).filter(SensorRecord::enabled).isEmpty()) {
                added.add(r.id());
            }
        }
        return new SensorChanges(List.copyOf(added), List.copyOf(removed), List.copyOf(changed));
    }

    private static boolean connectionDiffers(SensorRecord a, SensorRecord b) {
        return !a.tokenSha256().equals(b.tokenSha256()) || !java.util.Objects.equals(a.calibrationOffsetDb(),
                b.calibrationOffsetDb()) || !a.classes().equals(b.classes());
    }

    /** The ids whose connections must close. */
    List<String> toDisconnect() {
        List<String> out = new ArrayList<>(removed);
        out.addAll(changed);
        return out;
    }
}
