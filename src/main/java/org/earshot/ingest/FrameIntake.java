package org.earshot.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.google.gson.JsonObject;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.FrameFormatException;
import org.earshot.audio.SensorFrame;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.Pipeline;
import org.earshot.pipeline.SensorProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path from an authenticated sensor's message to the pipeline, shared by every transport: decode and
 * validate the frame, hand it to the {@link Pipeline}, or refuse it with a reason that is counted per sensor and
 * logged (at most one line per sensor every {@link #LOG_INTERVAL_MILLIS}, so a broken sensor cannot flood the log).
 * Cheap enough for an event loop: the header is checked and the PCM bytes are kept as they are.
 */
public final class FrameIntake {
    private static final Logger LOG = LoggerFactory.getLogger(FrameIntake.class);
    /** The refusal reason of a frame whose capture time is too far from the receive clock. */
    public static final String CLOCK_OFFSET = "clock_offset";
    static final long LOG_INTERVAL_MILLIS = 10_000;

    /** The outcome for one message: accepted, or refused with a fixed reason name and a message naming the problem. */
    public record Result(boolean accepted, String reason, String message, long sequence) {
        static final Result ACCEPTED = new Result(true, null, null, -1);

        /** The refusal as the JSON sent back to the sensor (MQTT errors topic, WebSocket text message). */
        public String errorJson() {
            JsonObject o = new JsonObject();
            o.addProperty("error", reason);
            o.addProperty("message", message);
            if (sequence >= 0) {
                o.addProperty("sequence", sequence);
            }
            return o.toString();
        }
    }

    private final Pipeline pipeline;
    private final Metrics metrics;
    private final int maxFrameBytes;
    private final long maxClockOffsetMicros;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    /** @param maxClockOffsetMicros how far a frame's capture time may be from the receive clock */
    public FrameIntake(Pipeline pipeline, int maxFrameBytes, long maxClockOffsetMicros) {
        if (maxClockOffsetMicros <= 0) {
            throw new IllegalArgumentException("the clock offset allowed must be positive");
        }
        this.pipeline = pipeline;
        this.metrics = pipeline.metrics();
        this.maxFrameBytes = maxFrameBytes;
        this.maxClockOffsetMicros = maxClockOffsetMicros;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public Result accept(String transport, SensorProfile sensor, byte[] message, long receivedMicros) {
        SensorFrame frame;
        try {
            frame = FrameCodec.decode(message, maxFrameBytes);
        } catch (FrameFormatException e) {
            return refuse(transport, sensor, e.reason().wireName(), e.getMessage(), e.sequence().orElse(-1));
        }
        // A stream is timed from its first frame's capture time: a sensor clock far off (or wrapped near 2^63 us)
        // would put every event of the stream at a false time, or overflow it. Both times are in 0..2^63, so the
        // difference cannot overflow.
        long offset = frame.captureMicros() - receivedMicros;
        if (Math.abs(offset) > maxClockOffsetMicros) {
            return refuse(transport, sensor, CLOCK_OFFSET, "frame has capture time " + frame.captureMicros()
                    + " us, " + (offset / 1_000_000) + " s from the service's clock; accepted within "
                    + maxClockOffsetMicros / 1_000_000 + " s (ingest.max_clock_offset_seconds): check the sensor's"
                    + " clock", frame.sequence());
        }
        if (!pipeline.offer(sensor, frame, receivedMicros)) {
            return refuse(transport, sensor, "shutting_down", "the service is shutting down", frame.sequence());
        }
        return Result.ACCEPTED;
    }

    /** Refuses a message of a known sensor for a reason found by the transport (another sensor's topic...). */
    public Result refuse(String transport, SensorProfile sensor, String reason, String message, long sequence) {
        metrics.sensor(sensor.id()).rejected(reason);
        long now = System.currentTimeMillis();
        Long last = lastLogged.get(sensor.id());
        if (last == null || now - last >= LOG_INTERVAL_MILLIS) {
            lastLogged.put(sensor.id(), now);
            LOG.warn("{}: refused a message of sensor {}: {} ({}); further refusals of this sensor are counted in "
                    + "earshot_rejected_frames_total and logged at most every {} s", transport, sensor.id(), reason,
                    message, LOG_INTERVAL_MILLIS / 1000);
        }
        return new Result(false, reason, message, sequence);
    }
}
