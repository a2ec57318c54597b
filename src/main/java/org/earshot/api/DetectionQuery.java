package org.earshot.api;

import java.util.Set;

/**
 * A detections query as {@link Records#detections} receives it, already validated: onset times in epoch
 * microseconds (from inclusive, to exclusive; null for unbounded), sensor ids and class names (empty for all), a
 * minimum confidence (null for any), the exclusive seq to continue after (-1 from the start) and the page size.
 */
public record DetectionQuery(Long fromMicros, Long toMicros, Set<String> sensors, Set<String> classes,
                             Double minConfidence, long afterSeq, int limit) {
    public DetectionQuery {
        sensors = Set.copyOf(sensors);
        classes = Set.copyOf(classes);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
    }
}
