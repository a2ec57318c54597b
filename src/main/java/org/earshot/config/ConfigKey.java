package org.earshot.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One leaf key of the service configuration: its dotted name ({@code ingest.queue_seconds}), the rule its values
 * follow, its default (a {@code DEFAULT_*} constant of the records) and how to read it back from a
 * {@link ServeConfig}, and what it does (the documentation's text for it). The environment variable is derived from
 * the name, so the two cannot drift apart.
 */
record ConfigKey<T>(String name, Rule<T> rule, T defaultValue, Function<ServeConfig, T> get, String description) {
    static final String ENV_PREFIX = "EARSHOT_";

    ConfigKey {
        rule.check(name, defaultValue);
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("configuration key " + name + " needs a description");
        }
    }

    /** {@code EARSHOT_} + the name upper-cased, dots as underscores: {@code EARSHOT_INGEST_QUEUE_SECONDS}. */
    String envVariable() {
        return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The dotted path of the object holding this key ({@code ingest}), or "" at the top level. */
    String section() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(0, dot);
    }

    T check(T value) {
        return rule.check(name, value);
    }

    /** The default as the documentation writes it. */
    String defaultText() {
        return rule.show(defaultValue);
    }

    /** The key's value in {@code config} as {@code describe()} prints it; secrets only say whether they are set. */
    String show(ServeConfig config) {
        T value = get.apply(config);
        if (rule.secret) {
            return value == null ? "<not set>" : "<set>";
        }
        return rule.show(value);
    }
}
