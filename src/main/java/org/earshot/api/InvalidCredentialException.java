package org.earshot.api;

/**
 * A key or token that does not authenticate. The message is the reason, for the 401 body and the audit journal; it
 * never contains the credential or any part of it.
 */
public final class InvalidCredentialException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidCredentialException(String reason) {
        super(reason);
    }
}
