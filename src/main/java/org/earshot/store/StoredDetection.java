package org.earshot.store;

import java.util.Objects;

/**
 * A detection as the journal holds it, read back for the InfluxDB writer: its journal position, its stable id
 * (sensor, capture-clock onset and class), the sensor, class label, onset and offset on the sensor's capture clock
 * in microseconds, confidence, peak level in dBFS and in dB SPL (null when unknown or the sensor is not calibrated),
 * the model that produced it (null when unknown) and the service's clock in microseconds when the audio arrived.
 */
public record StoredDetection(long position, String id, String sensor, String label, long onsetMicros,
        long offsetMicros, double confidence, Double peakDbfs, Double peakDb, String model, long receivedMicros) {
    public StoredDetection {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(label, "label");
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new IllegalArgumentException("detection " + id + ": confidence must be in [0, 1], got " + confidence);
        }
        if (offsetMicros < onsetMicros) {
            throw new IllegalArgumentException("detection " + id + ": offset " + offsetMicros + " us is before onset "
                    + onsetMicros + " us");
        }
    }
}
