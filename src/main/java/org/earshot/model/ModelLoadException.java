package org.earshot.model;

/**
 * A model could not be loaded: a file of the model directory is missing, unreadable or not a model the engine
 * accepts. The message names the file, so that start-up fails with something an operator can act on.
 */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
