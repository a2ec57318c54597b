package org.earshot.train.eval;

import org.earshot.detect.Detection;

/**
 * A labelled event in one recording, in seconds from its start: a ground-truth annotation or a detection reduced to
 * what event-based evaluation compares. The constructor rejects unknown classes, negative or non-finite times and
 * empty intervals, naming the field.
 */
public record Event(String label, double onset, double offset) {

    public Event {
        Detection.checkInterval(label, onset, offset);
    }

    public static Event of(Detection detection) {
        return new Event(detection.label(), detection.onset(), detection.offset());
    }
}
