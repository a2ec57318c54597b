package org.earshot.config;

/**
 * A configuration or sensors file, or an environment variable, that stops the service from starting. The message is
 * one line meant for the operator: it names the file or variable, the key, and what was wrong, and never contains a
 * password, token or token hash, so it can be printed and logged as it is.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
