package org.earshot.ingest;

import java.util.Optional;

import org.earshot.pipeline.SensorProfile;

/**
 * The sensors the service knows, as ingest needs them: by credentials (MQTT CONNECT, WebSocket handshake) or, in
 * broker mode where the broker has authenticated the sensor, by id. Both return empty for unknown or disabled
 * sensors; implementations never log or keep the presented secret.
 */
public interface SensorDirectory {
    Optional<SensorProfile> authenticate(String sensorId, String token);

    Optional<SensorProfile> find(String sensorId);
}
