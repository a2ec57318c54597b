package org.earshot.store;

import java.util.Objects;

/**
 * One sensor's health at the moment it was sampled, as written to the {@code sensor_health} measurement: whether it
 * is connected, counters since the service started (frames received, gaps in its frame sequence, frames dropped by
 * a full queue, samples at full scale), how much audio waits in its queue (frames and seconds), when it was last heard
 * from on the service's clock in microseconds (0 when never), and its declared location and position (null when not
 * declared; for the operators' map). Counters are cumulative so that Grafana can derive rates with
 * {@code non_negative_derivative} across restarts of the writer.
 */
public record SensorHealth(String sensor, boolean connected, long frames, long gaps, long dropped, long queueDepth,
        double queueSeconds, long lastSeenMicros, long clippedSamples, String location, Double latitude,
        Double longitude) {
    /** Health without clipping or a declared position. */
    public SensorHealth(String sensor, boolean connected, long frames, long gaps, long dropped, long queueDepth,
                        double queueSeconds, long lastSeenMicros) {
        this(sensor, connected, frames, gaps, dropped, queueDepth, queueSeconds, lastSeenMicros, 0, null, null, null);
    }

    public SensorHealth {
        Objects.requireNonNull(sensor, "sensor");
        if (frames < 0 || gaps < 0 || dropped < 0 || queueDepth < 0 || lastSeenMicros < 0 || clippedSamples < 0) {
            throw new IllegalArgumentException("sensor " + sensor + ": counters must be >= 0, got frames=" + frames
                    + " gaps=" + gaps + " dropped=" + dropped + " queueDepth=" + queueDepth + " lastSeenMicros="
                    + lastSeenMicros);
        }
        if (!(queueSeconds >= 0) || Double.isInfinite(queueSeconds)) {
            throw new IllegalArgumentException("sensor " + sensor + ": queueSeconds must be finite and >= 0, got "
                    + queueSeconds);
        }
    }
}
