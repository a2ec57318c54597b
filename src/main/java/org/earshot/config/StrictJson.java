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
 * Reads JSON into a Gson tree, strictly (configuration files here; JWTs through {@link #parseStrict}): Gson's own parser is lenient by default (comments, single
 * quotes, unquoted names) and keeps the last of two equal names, and a key written twice in a hand-edited file is
 * more likely a mistake than a choice, so both are errors here. Numbers keep their exact literal as a
 * {@link BigDecimal} so that integer keys can refuse fractions.
 */
public final class StrictJson {
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
        try {
            return parseStrict(text, Integer.MAX_VALUE);
        } catch (Problem p) {
            String message = switch (p.kind()) {
                case DUPLICATE_NAME -> where + ": key " + new JsonPrimitive(p.name()) + " appears twice at "
                        + p.path();
                case TRAILING_DATA -> where + ": malformed JSON: more after the end of the document at " + p.path();
                case MALFORMED, TOO_DEEP -> where + ": malformed JSON: " + p.getMessage();
            };
            throw new ConfigException(message, p);
        }
    }

    /**
     * What a strict reading found wrong. The message is Gson's or names the JSON path; it may quote the text, so a
     * caller reading secrets (a token's claims) words its own message from {@link #kind()} alone.
     */
    public static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;

        /** Not JSON (Gson's message); an object name written twice; nested beyond the limit; more after the end. */
        public enum Kind { MALFORMED, DUPLICATE_NAME, TOO_DEEP, TRAILING_DATA }

        private final Kind kind;
        private final String name;
        private final String path;

        Problem(Kind kind, String message, String name, String path, Throwable cause) {
            super(message, cause);
            this.kind = kind;
            this.name = name;
            this.path = path;
        }

        public Kind kind() {
            return kind;
        }

        /** The name written twice, for {@link Kind#DUPLICATE_NAME}; else null. */
        public String name() {
            return name;
        }

        /** Where in the document (a JSON path such as {@code $.mqtt.port}). */
        public String path() {
            return path;
        }
    }

    /**
     * Parses exactly one JSON value by strict RFC 8259 rules, refusing what Gson would let through (comments, single
     * quotes, an object name written twice, anything after the value) and values nested deeper than
     * {@code maxDepth}. Numbers keep their exact literal as {@link BigDecimal}. The one strict reader of the project:
     * configuration files and JWTs use it.
     */
    public static JsonElement parseStrict(String text, int maxDepth) throws Problem {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = value(reader, 0, maxDepth);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new Problem(Problem.Kind.TRAILING_DATA, "more after the end of the document at "
                        + printable(reader.getPath()), null, printable(reader.getPath()), null);
            }
            return root;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson reports syntax errors as MalformedJsonException (an IOException) with line, column and path.
            throw new Problem(Problem.Kind.MALFORMED, gsonProblem(e), null, null, e);
        }
    }

    /** Gson's own advice about its API, which would mislead whoever edits the file. */
    private static final String GSON_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";

    /**
     * Gson's message as one line for a person editing the file: its first line only (the second is a link to Gson's
     * troubleshooting page), without its advice to parse leniently, control characters escaped (found by
     * ServeConfigFuzzTest: a configuration error came out on two lines, telling the operator to change the parser).
     */
    private static String gsonProblem(Exception e) {
        String m = String.valueOf(e.getMessage());
        int newline = m.indexOf('\n');
        if (newline >= 0) {
            m = m.substring(0, newline);
        }
        if (m.startsWith(GSON_ADVICE)) {
            m = "not strict JSON (unquoted text, a comment, single quotes or the like)"
                    + m.substring(GSON_ADVICE.length());
        }
        return printable(m);
    }

    /**
     * {@code s} as it may go into a one-line message: unchanged unless it holds a control character, then quoted
     * and escaped as a JSON string.
     */
    static String printable(String s) {
        return s.chars().anyMatch(Character::isISOControl) ? new JsonPrimitive(s).toString() : s;
    }

    private static JsonElement value(JsonReader reader, int depth, int maxDepth) throws IOException, Problem {
        if (depth > maxDepth) {
            throw new Problem(Problem.Kind.TOO_DEEP, "nested more than " + maxDepth + " deep at "
                    + printable(reader.getPath()), null, printable(reader.getPath()), null);
        }
        switch (reader.peek()) {
            case BEGIN_OBJECT: {
                JsonObject object = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String name = reader.nextName();
                    if (object.has(name)) {
                        throw new Problem(Problem.Kind.DUPLICATE_NAME, new JsonPrimitive(name) + " appears twice at "
                                + printable(reader.getPath()), name, printable(reader.getPath()), null);
                    }
                    object.add(name, value(reader, depth + 1, maxDepth));
                }
                reader.endObject();
                return object;
            }
            case BEGIN_ARRAY: {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    array.add(value(reader, depth + 1, maxDepth));
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

    /**
     * The list of a file {@code {"version": N, "<listKey>": [...]}} (the sensors file, the API keys file), with the
     * checks every such file gets: an object, no other key, this build's version, an array. Messages name the file.
     */
    static JsonArray readVersionedList(Path file, int formatVersion, String listKey) throws ConfigException {
        JsonElement root = read(file);
        if (!root.isJsonObject()) {
            throw new ConfigException(file + ": must hold a JSON object, got " + kind(root));
        }
        JsonObject top = root.getAsJsonObject();
        for (String key : top.keySet()) {
            if (!key.equals("version") && !key.equals(listKey)) {
                throw new ConfigException(file + ": unknown key " + quote(key) + " (known: version, " + listKey + ")");
            }
        }
        JsonElement version = top.get("version");
        if (version == null) {
            throw new ConfigException(file + ": missing key version (this build reads version " + formatVersion
                    + ")");
        }
        if (!(version.isJsonPrimitive() && version.getAsJsonPrimitive().isNumber()
                && version.getAsBigDecimal().compareTo(BigDecimal.valueOf(formatVersion)) == 0)) {
            throw new ConfigException(file + ": version must be " + formatVersion + ", got " + version);
        }
        JsonElement list = top.get(listKey);
        if (list == null || !list.isJsonArray()) {
            throw new ConfigException(file + ": " + listKey + " must be an array, got "
                    + (list == null ? "nothing" : kind(list)));
        }
        return list.getAsJsonArray();
    }

    /** A name as JSON writes it (quoted, control characters escaped), safe to put in a message. */
    static String quote(String name) {
        return new JsonPrimitive(name).toString();
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
