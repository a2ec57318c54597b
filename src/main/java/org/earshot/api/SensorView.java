package org.earshot.api;

import java.util.List;

/**
 * A sensor as auditors see it: id, declared location and purpose, the classes it reports, whether it may connect and
 * its calibration offset in dB (null while uncalibrated), and its declared position (WGS 84 degrees; null when not
 * declared). Never its token or token hash.
 */
public record SensorView(String id, String location, String purpose, List<String> classes, boolean enabled,
                         Double calibrationOffsetDb, Double latitude, Double longitude) {
    public SensorView {
        classes = List.copyOf(classes);
    }
}
