package org.earshot.detect;

/**
 * One detected event of a stream, as published live and printed by {@code earshot detect}: its class, onset and
 * offset in seconds from the start of the stream (or file), its confidence (the highest class probability over the
 * event's windows) and the peak per-frame level during the event in dBFS, which is NaN when no frame levels were
 * available. The constructor rejects values that cannot describe an event, naming the field.
 */
public record Detection(String label, double onset, double offset, double confidence, double peakDbfs) {

    public Detection {
        checkInterval(label, onset, offset);
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new IllegalArgumentException("confidence must be in [0, 1], got " + confidence);
        }
        if (Double.isInfinite(peakDbfs)) {
            throw new IllegalArgumentException("peakDbfs must be finite or NaN (unknown), got " + peakDbfs);
        }
    }

    public double durationSeconds() {
        return offset - onset;
    }

    /** What every labelled event interval must satisfy (detections here, ground truth in evaluation). */
    public static void checkInterval(String label, double onset, double offset) {
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
}
