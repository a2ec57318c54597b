package org.earshot.ingest;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/**
 * A sensor's status message (sensors/PROTOCOL.md, MQTT status): {@code {"state":"online"}} or {@code
 * {"state":"offline","reason":"..."}}, at most {@link #MAX_BYTES} bytes of strict JSON. {@code state} must be one of
 * the two strings and {@code reason}, when present, a string; fields the protocol does not name are ignored, as the
 * protocol asks of consumers so that later revisions may add some. Anything else is a refusal whose message quotes at
 * most a short escaped excerpt of what the sensor sent, so the errors topic and the log never echo the message.
 */
public record SensorStatus(boolean online, String refusal) {
    /** The largest status message taken: the protocol's are a few dozen bytes. */
    public static final int MAX_BYTES = 1024;
    /** The refusal reason of every bad status message. */
    public static final String REFUSAL_REASON = "bad_status";
    private static final Gson GSON = new Gson();

    private static SensorStatus refused(String why) {
        return new SensorStatus(false, why);
    }

    /** The status in {@code payload}, or a refusal saying what is wrong with it. */
    public static SensorStatus parse(byte[] payload) {
        if (payload.length > MAX_BYTES) {
            return refused("status message of " + payload.length + " bytes; at most " + MAX_BYTES);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return refused("status message is not UTF-8");
        }
        JsonObject o;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setLenient(false);
            JsonElement e = GSON.getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                return refused("status message has more than one JSON value");
            }
            if (!e.isJsonObject()) {
                return refused("status message must be a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            return refused("status message is not JSON; expected {\"state\":\"online\"|\"offline\"}");
        }
        JsonElement state = o.get("state");
        if (state == null) {
            return refused("status message has no field state");
        }
        if (!state.isJsonPrimitive() || !state.getAsJsonPrimitive().isString()) {
            return refused("field state must be a string, \"online\" or \"offline\"");
        }
        JsonElement reason = o.get("reason");
        if (reason != null && (!reason.isJsonPrimitive() || !reason.getAsJsonPrimitive().isString())) {
            return refused("field reason must be a string");
        }
        return switch (state.getAsString()) {
            case "online" -> new SensorStatus(true, null);
            case "offline" -> new SensorStatus(false, null);
            default -> refused("unknown state " + LogSafe.quote(state.getAsString())
                    + "; expected \"online\" or \"offline\"");
        };
    }
}
