package org.earshot.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What one configuration key accepts: its type, its range and the words that say so. The same rule reads the JSON
 * file, reads the environment variable and checks the value in the record's constructor, so the three can never
 * disagree about what is valid or how the error reads ({@code "mqtt.port must be an integer 0..65535, got 70000"}).
 * Values of secret keys are never repeated in a message, only their kind.
 */
final class Rule<T> {
    final String expected;
    final boolean nullable;
    /** Secret values are shown as {@code <set>} and never repeated in messages. */
    final boolean secret;
    private final Class<T> type;
    private final Function<JsonPrimitive, T> fromJson;
    private final Function<String, T> fromText;
    private final Predicate<T> valid;
    private final Function<T, String> show;

    private Rule(String expected, boolean nullable, boolean secret, Class<T> type, Function<JsonPrimitive, T> fromJson,
            Function<String, T> fromText, Predicate<T> valid, Function<T, String> show) {
        this.expected = expected;
        this.nullable = nullable;
        this.secret = secret;
        this.type = type;
        this.fromJson = fromJson;
        this.fromText = fromText;
        this.valid = valid;
        this.show = show;
    }

    static Rule<Integer> ints(int min, int max) {
        return new Rule<>("an integer " + min + ".." + max, false, false, Integer.class,
                p -> p.isNumber() ? intOrNull(p.getAsBigDecimal()) : null,
                s -> {
                    try {
                        return Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        return null;
                    }
                },
                v -> v >= min && v <= max, String::valueOf);
    }

    /** A finite number accepted by {@code valid}, described by {@code range} ("> 0 and <= 60"). */
    static Rule<Double> doubles(String range, Predicate<Double> valid) {
        return new Rule<>("a number " + range, false, false, Double.class,
                p -> p.isNumber() ? p.getAsBigDecimal().doubleValue() : null,
                s -> {
                    try {
                        // BigDecimal rather than Double.parseDouble, which also takes "NaN", "1d" and hex floats.
                        return new BigDecimal(s).doubleValue();
                    } catch (NumberFormatException e) {
                        return null;
                    }
                },
                v -> Double.isFinite(v) && valid.test(v), String::valueOf);
    }

    static Rule<Boolean> bools() {
        return new Rule<>("true or false", false, false, Boolean.class,
                p -> p.isBoolean() ? p.getAsBoolean() : null,
                s -> s.equals("true") ? Boolean.TRUE : s.equals("false") ? Boolean.FALSE : null,
                v -> true, String::valueOf);
    }

    /** Host names, user names, client ids: these end up in logs, so no control characters (no forged log lines). */
    static Rule<String> strings(boolean nullable) {
        return new Rule<>("a non-empty string without control characters" + (nullable ? ", or null" : ""), nullable,
                false, String.class, p -> p.isString() ? p.getAsString() : null, s -> s,
                v -> !v.isEmpty() && v.chars().noneMatch(Character::isISOControl), v -> v);
    }

    /** Names that end up in identifiers (a node id, a topic prefix): the whole value matches {@code pattern}. */
    static Rule<String> matching(String expected, java.util.regex.Pattern pattern, boolean nullable) {
        return new Rule<>(expected + (nullable ? ", or null" : ""), nullable, false, String.class,
                p -> p.isString() ? p.getAsString() : null, s -> s, v -> pattern.matcher(v).matches(), v -> v);
    }

    /** Passwords: any non-empty string, never shown. */
    static Rule<String> secrets() {
        return new Rule<>("a non-empty string, or null", true, true, String.class,
                p -> p.isString() ? p.getAsString() : null, s -> s, v -> !v.isEmpty(), v -> "<set>");
    }

    static Rule<Path> paths(boolean nullable) {
        return new Rule<>("a non-empty path without control characters" + (nullable ? ", or null" : ""), nullable,
                false, Path.class, p -> p.isString() ? pathOrNull(p.getAsString()) : null, Rule::pathOrNull,
                v -> !v.toString().isEmpty() && v.toString().chars().noneMatch(Character::isISOControl),
                Path::toString);
    }

    /** An enum spelled in lower case ({@code embedded}), as configuration values are. */
    static <E extends Enum<E>> Rule<E> enums(Class<E> type) {
        String names = Arrays.stream(type.getEnumConstants()).map(Rule::name).collect(Collectors.joining(", "));
        Function<String, E> parse = s -> Arrays.stream(type.getEnumConstants())
                .filter(c -> name(c).equals(s)).findFirst().orElse(null);
        return new Rule<>("one of " + names, false, false, type,
                p -> p.isString() ? parse.apply(p.getAsString()) : null, parse, v -> true, Rule::name);
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The value itself, checked: for records' constructors. */
    T check(String key, T value) {
        if (value == null ? !nullable : !valid.test(value)) {
            throw new Invalid(key, key + " must be " + expected + ", got " + got(value));
        }
        return value;
    }

    /** A value from the JSON file; {@code null} stays null for nullable keys. */
    T fromJson(String key, JsonElement element) {
        if (element.isJsonNull() && nullable) {
            return null;
        }
        T value = element.isJsonPrimitive() ? fromJson.apply(element.getAsJsonPrimitive()) : null;
        if (value == null || !valid.test(value)) {
            throw new Invalid(key, key + " must be " + expected + ", got "
                    + (secret ? StrictJson.kind(element) : element.toString()));
        }
        return value;
    }

    /** A value from an environment variable, where the empty string is the only way to say "not set". */
    T fromText(String key, String text) {
        if (text.isEmpty() && nullable) {
            return null;
        }
        T value = fromText.apply(text);
        if (value == null || !valid.test(value)) {
            throw new Invalid(key, key + " must be " + expected + ", got " + (secret ? "a string" : quote(text)));
        }
        return value;
    }

    /** A value as the documentation and {@code describe()} print it; null is {@code null}. */
    String show(Object value) {
        return value == null ? "null" : show.apply(type.cast(value));
    }

    private String got(T value) {
        if (value == null) {
            return "null";
        }
        if (secret) {
            return ((String) value).isEmpty() ? "an empty string" : "a string";
        }
        return value instanceof String || value instanceof Path ? quote(value.toString()) : show(value);
    }

    private static Integer intOrNull(BigDecimal d) {
        try {
            return d.intValueExact();
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static Path pathOrNull(String s) {
        try {
            return s.isEmpty() ? null : Path.of(s);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static String quote(String s) {
        return new JsonPrimitive(s).toString();
    }
}
