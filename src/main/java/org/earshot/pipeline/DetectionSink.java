package org.earshot.pipeline;

/**
 * Where detections go (MQTT, logs; next the journal and InfluxDB). Called on a pipeline worker thread, in order for
 * each sensor; an implementation must not block for long (hand off to its own context or queue) and must not
 * throw for a single bad delivery: the pipeline logs and counts what a sink throws and carries on.
 */
@FunctionalInterface
public interface DetectionSink {
    void accept(SensorDetection detection);
}
