package org.earshot.cli;

/** A problem with what the user gave us (a file, an option): reported in one line, exit code 2. */
final class BadInputException extends RuntimeException {
    BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    BadInputException(String message) {
        super(message);
    }
}
