package org.earshot.store;

import java.util.Map;
import java.util.Objects;

/**
 * The service's accountability figures at the moment they were sampled, for the {@code service_status} and
 * {@code api_access} measurements: the model in force, the journal's size and health, its newest signed checkpoint
 * (size and time, 0 before the first), and API requests since start by role, with how many of them were refused.
 * Counters are cumulative since the service started.
 */
public record ServiceStatus(String model, long journalEntries, boolean journalHealthy, long checkpointTreeSize,
                            long checkpointTimeMicros, Map<String, Long> apiRequestsByRole,
                            Map<String, Long> apiRefusedByRole) {
    public ServiceStatus {
        Objects.requireNonNull(model, "model");
        apiRequestsByRole = Map.copyOf(apiRequestsByRole);
        apiRefusedByRole = Map.copyOf(apiRefusedByRole);
    }
}
