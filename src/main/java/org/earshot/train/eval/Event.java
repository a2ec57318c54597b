package org.earshot.train.eval;

import org.earshot.detect.Detection;
import org.earshot.detect.Labels;

/**
 * A labelled event in one recording, in seconds from its start: a ground-truth annotation or a detection reduced to
 * what event-based evaluation compares. The constructor rejects unknown classes, negative or non-finite times and
 * empty intervals, naming the field.
 */
public record Event(String label, double onset, double offset) {

    public Event {
        if (label == null || Labels.indexOf(label) < 0) {
            throw new IllegalArgumentException("label must be one of " + Labels.CLASSES + ", got " + label);
        }
        if (!Double.isFinite(onset) || onset < 0) {
            throw new IllegalArgumentException("onset must be finite and >= 0, got " + onset);
        }
        if (!Double.isFinite(offset) || offset <= onset) {
            throw new IllegalArgumentException("offset must be finite and > onset (" + onset + "), got " + offset);
        }
    }

    public static Event of(Detection detection) {
        return new Event(detection.label(), detection.onset(), detection.offset());
    }
}
