package org.earshot.app;

import java.util.Optional;
import java.util.function.Supplier;

import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.ingest.SensorDirectory;
import org.earshot.pipeline.SensorProfile;

/**
 * The sensors file seen by ingest: enabled sensors only, as the pipeline's {@link SensorProfile}s, from the sensors
 * in force (the file is read again when it changes, see {@link WatchedFile}).
 */
final class RegistryDirectory implements SensorDirectory {
    private final Supplier<SensorRegistry> registry;

    RegistryDirectory(Supplier<SensorRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Optional<SensorProfile> authenticate(String sensorId, String token) {
        return registry.get().authenticate(sensorId, token).map(RegistryDirectory::profile);
    }

    @Override
    public Optional<SensorProfile> find(String sensorId) {
        return registry.get().find(sensorId).filter(SensorRecord::enabled).map(RegistryDirectory::profile);
    }

    static SensorProfile profile(SensorRecord r) {
        return new SensorProfile(r.id(), r.calibrationOffsetDb(), r.classes());
    }
}
