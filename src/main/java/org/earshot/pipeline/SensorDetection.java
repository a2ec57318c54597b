package org.earshot.pipeline;

import java.util.Objects;

import org.earshot.detect.Detection;

/**
 * A detection of one sensor's stream as it leaves the pipeline. {@link Stage#STARTED} is the early alert sent when
 * an event opens (its offset is the end of the first active window); {@link Stage#FINAL} is the record, with
 * refined times after merging, and equals what {@code earshot detect} reports for the same audio. The detection's
 * onset and offset are seconds from the start of the sensor's current stream, which began at {@code
 * streamStartMicros} on the sensor's capture clock; {@code receivedMicros} is the service's clock when the frame that
 * produced this output arrived.
 */
public record SensorDetection(SensorProfile sensor, Stage stage, Detection detection, long streamStartMicros,
                              long receivedMicros) {
    /** Whether an event has just opened (alert) or is final (record). */
    public enum Stage { STARTED, FINAL }

    public SensorDetection {
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(detection, "detection");
    }

    public long onsetMicros() {
        return Math.addExact(streamStartMicros, Math.round(detection.onset() * 1e6));
    }

    public long offsetMicros() {
        return Math.addExact(streamStartMicros, Math.round(detection.offset() * 1e6));
    }

    /** Stable id of the event: sensor, capture-clock onset and class (a started alert and its record share it). */
    public String id() {
        return sensor.id() + "-" + onsetMicros() + "-" + detection.label();
    }
}
