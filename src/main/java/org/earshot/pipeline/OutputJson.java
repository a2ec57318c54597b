package org.earshot.pipeline;

import java.time.Instant;

import com.google.gson.JsonObject;

/**
 * The JSON of what the service publishes (schema in {@code sensors/PROTOCOL.md}; field names are stable within
 * protocol v1, new fields may be added). Times on the sensor's capture clock are ISO-8601 UTC with microseconds as
 * integers alongside; stream times are seconds from the start of the sensor's current stream, as {@code earshot
 * detect} reports them for a file.
 */
public final class OutputJson {
    private OutputJson() {}

    public static JsonObject detection(SensorDetection d, String modelName) {
        JsonObject o = new JsonObject();
        o.addProperty("id", d.id());
        o.addProperty("stage", d.stage() == SensorDetection.Stage.FINAL ? "final" : "started");
        o.addProperty("sensor", d.sensor().id());
        o.addProperty("class", d.detection().label());
        o.addProperty("onset", iso(d.onsetMicros()));
        o.addProperty("offset", iso(d.offsetMicros()));
        o.addProperty("onset_us", d.onsetMicros());
        o.addProperty("offset_us", d.offsetMicros());
        o.addProperty("stream_onset", round(d.detection().onset(), 3));
        o.addProperty("stream_offset", round(d.detection().offset(), 3));
        o.addProperty("confidence", round(d.detection().confidence(), 3));
        double peak = d.detection().peakDbfs();
        if (Double.isFinite(peak)) {
            o.addProperty("peak_dbfs", round(peak, 1));
            if (d.sensor().calibrationOffsetDb() != null) {
                o.addProperty("peak_db", round(peak + d.sensor().calibrationOffsetDb(), 1));
            }
        }
        o.addProperty("received", iso(d.receivedMicros()));
        o.addProperty("model", modelName);
        return o;
    }

    public static JsonObject level(LevelReading r) {
        JsonObject o = new JsonObject();
        o.addProperty("sensor", r.sensor().id());
        o.addProperty("time", iso(r.startMicros()));
        addLevel(o, "laeq_dbfs", r.laeqDbfs());
        addLevel(o, "peak_dbfs", r.peakDbfs());
        Double offset = r.sensor().calibrationOffsetDb();
        if (offset != null) {
            addLevel(o, "laeq_db", r.laeqDbfs() + offset);
            addLevel(o, "peak_db", r.peakDbfs() + offset);
        }
        return o;
    }

    /** Microseconds since 1970 (UTC) of an instant, truncated: the unit of every time the service publishes. */
    public static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /** The service's clock now, in {@link #micros(Instant)}. */
    public static long nowMicros() {
        return micros(Instant.now());
    }

    public static String iso(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1000L).toString();
    }

    /** Digital silence has no level in dB: the field is null rather than -Infinity, which JSON cannot carry. */
    private static void addLevel(JsonObject o, String key, double db) {
        if (Double.isFinite(db)) {
            o.addProperty(key, round(db, 1));
        } else {
            o.add(key, com.google.gson.JsonNull.INSTANCE);
        }
    }

    /**
     * Rounds a published number to {@code digits} decimals; {@code earshot detect} rounds with it too, so that its
     * lines and the live detections of the same audio agree to the digit.
     */
    public static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
