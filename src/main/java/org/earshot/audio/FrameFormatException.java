package org.earshot.audio;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * A sensor frame that breaks protocol version 1, with the rule it breaks as a {@link Reason} (for per-sensor counters
 * and the error reply to the sensor) and a message naming the offending value and what is accepted. Where the header
 * got far enough to carry a valid sequence number, the exception carries it too, so the reply can say which frame was
 * refused. A refused frame is the sensor's fault, not the service's, so no stack trace is captured: a misconfigured
 * sensor sending ten bad frames a second should cost little.
 */
public final class FrameFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The rule a refused frame breaks; {@link #wireName()} is its stable name in metrics and error replies. */
    public enum Reason {
        TRUNCATED,
        BAD_MAGIC,
        UNSUPPORTED_VERSION,
        BAD_FORMAT,
        BAD_CHANNELS,
        BAD_SAMPLE_RATE,
        BAD_SEQUENCE,
        BAD_TIMESTAMP,
        BAD_SAMPLE_COUNT,
        LENGTH_MISMATCH,
        BAD_FLAGS,
        OVERSIZED,
        BAD_SAMPLES;

        /** Lower-case name such as {@code bad_sample_rate}, for metric labels and error replies. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;
    private final long sequence;

    public FrameFormatException(Reason reason, String message) {
        this(reason, message, -1);
    }

    /** {@code sequence} is the refused frame's sequence number, or negative when unknown. */
    public FrameFormatException(Reason reason, String message, long sequence) {
        super(message, null, false, false);
        if (reason == null) {
            throw new NullPointerException("reason");
        }
        this.reason = reason;
        this.sequence = sequence;
    }

    public Reason reason() {
        return reason;
    }

    /** The refused frame's sequence number, when its header was readable that far and the number valid. */
    public OptionalLong sequence() {
        return sequence < 0 ? OptionalLong.empty() : OptionalLong.of(sequence);
    }
}
