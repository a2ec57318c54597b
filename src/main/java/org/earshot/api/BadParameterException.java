package org.earshot.api;

/**
 * A query parameter the API refuses (400). The message is the reason shown to the client; it names the parameter and
 * says what was expected, and never repeats a credential.
 */
public final class BadParameterException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadParameterException(String reason) {
        super(reason);
    }
}
