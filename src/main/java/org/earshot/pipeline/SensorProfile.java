package org.earshot.pipeline;

import java.util.Objects;
import java.util.Set;

import org.earshot.detect.Labels;

/**
 * What the pipeline needs to know about a sensor: its id, its calibration offset (dB SPL = dBFS + offset; null when
 * the sensor is not calibrated) and the classes its operator enabled. Detections of other classes are still
 * computed (the network scores all classes at once) but never leave the pipeline.
 */
public record SensorProfile(String id, Double calibrationOffsetDb, Set<String> classes) {
    public SensorProfile {
        Objects.requireNonNull(id, "id");
        classes = Set.copyOf(Objects.requireNonNull(classes, "classes"));
        for (String c : classes) {
            if (Labels.indexOf(c) < 0) {
                throw new IllegalArgumentException("sensor " + id + ": unknown class " + c + ", expected one of "
                        + Labels.CLASSES);
            }
        }
        if (calibrationOffsetDb != null && !Double.isFinite(calibrationOffsetDb)) {
            throw new IllegalArgumentException("sensor " + id + ": calibration offset must be finite");
        }
    }

    /** A sensor with every class enabled and no calibration. */
    public static SensorProfile uncalibrated(String id) {
        return new SensorProfile(id, null, Set.copyOf(Labels.CLASSES));
    }
}
