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
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    public FrameIntake(Pipeline pipeline, int maxFrameBytes) {
        this.pipeline = pipeline;
        this.metrics = pipeline.metrics();
        this.maxFrameBytes = maxFrameBytes;
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
