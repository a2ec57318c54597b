package org.earshot.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a configuration file into a Gson tree, strictly: Gson's own parser is lenient by default (comments, single
 * quotes, unquoted names) and keeps the last of two equal names, and a key written twice in a hand-edited file is
 * more likely a mistake than a choice, so both are errors here. Numbers keep their exact literal as a
 * {@link BigDecimal} so that integer keys can refuse fractions.
 */
final class StrictJson {
    private StrictJson() {}

    /** The parsed file; errors name the file and the JSON path. */
    static JsonElement read(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e, e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text", e);
        }
        return parse(text, file.toString());
    }

    static JsonElement parse(String text, String where) throws ConfigException {
        if (text.isBlank()) {
            throw new ConfigException(where + ": empty file, expected a JSON object");
        }
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = value(reader, where);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new ConfigException(where + ": malformed JSON: more after the end of the document at "
                        + reader.getPath());
            }
            return root;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson reports syntax errors as MalformedJsonException (an IOException) with line, column and path.
            throw new ConfigException(where + ": malformed JSON: " + e.getMessage(), e);
        }
    }

    private static JsonElement value(JsonReader reader, String where) throws IOException, ConfigException {
        switch (reader.peek()) {
            case BEGIN_OBJECT: {
                JsonObject object = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String name = reader.nextName();
                    if (object.has(name)) {
                        throw new ConfigException(
                                where + ": key \"" + name + "\" appears twice at " + reader.getPath());
                    }
                    object.add(name, value(reader, where));
                }
                reader.endObject();
                return object;
            }
            case BEGIN_ARRAY: {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    array.add(value(reader, where));
                }
                reader.endArray();
                return array;
            }
            case STRING:
                return new JsonPrimitive(reader.nextString());
            case NUMBER:
                return new JsonPrimitive(new BigDecimal(reader.nextString()));
            case BOOLEAN:
                return new JsonPrimitive(reader.nextBoolean());
            case NULL:
                reader.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new IOException("unexpected " + reader.peek() + " at " + reader.getPath());
        }
    }

    /** A JSON value's kind in words, for messages that must not repeat the value itself (secrets). */
    static String kind(JsonElement e) {
        if (e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number" : "a string";
    }
}
