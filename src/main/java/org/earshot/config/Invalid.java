package org.earshot.config;

/**
 * A bad value for one configuration key, thrown by the records' constructors. It is an
 * {@link IllegalArgumentException} to code that builds records directly; the loader reads {@link #key} to say where
 * the value came from (the file or the environment variable) before turning it into a {@link ConfigException}.
 */
final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    final String key;

    Invalid(String key, String message) {
        super(message);
        this.key = key;
    }
}
