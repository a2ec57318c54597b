package org.earshot.audio;

import java.util.Objects;

/**
 * A mono audio signal held in memory: samples nominally in [-1, 1] (full scale) at a given sample rate. Samples
 * decoded from floating-point sources may exceed full scale and are kept as they are rather than clipped, so that a
 * level meter can report the overload; non-finite samples are rejected. The clip takes ownership of the array
 * without copying it (clips can be hours long), so callers must not modify it afterwards.
 */
public record AudioClip(float[] samples, int sampleRate) {

    public AudioClip {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        for (int i = 0; i < samples.length; i++) {
            if (!Float.isFinite(samples[i])) {
                throw new IllegalArgumentException("sample " + i + " is not finite: " + samples[i]);
            }
        }
    }

    /** Length of the clip in seconds. */
    public double durationSeconds() {
        return samples.length / (double) sampleRate;
    }

    @Override
    public String toString() {
        // Never print audio content (DESIGN.md: logs never contain audio).
        return "AudioClip[" + samples.length + " samples at " + sampleRate + " Hz]";
    }
}
