package org.earshot.app;

import java.util.Optional;

import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.ingest.SensorDirectory;
import org.earshot.pipeline.SensorProfile;

/** The sensors file seen by ingest: enabled sensors only, as the pipeline's {@link SensorProfile}s. */
final class RegistryDirectory implements SensorDirectory {
    private final SensorRegistry registry;

    RegistryDirectory(SensorRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Optional<SensorProfile> authenticate(String sensorId, String token) {
        return registry.authenticate(sensorId, token).map(RegistryDirectory::profile);
    }

    @Override
    public Optional<SensorProfile> find(String sensorId) {
        return registry.find(sensorId).filter(SensorRecord::enabled).map(RegistryDirectory::profile);
    }

    static SensorProfile profile(SensorRecord r) {
        return new SensorProfile(r.id(), r.calibrationOffsetDb(), r.classes());
    }
}
