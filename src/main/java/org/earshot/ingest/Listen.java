package org.earshot.ingest;

/** Where a server listens: host, port (0 = any free port, for tests) and optional TLS (null = plain). */
public record Listen(String host, int port, Tls tls) {
    public Listen {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
    }

    /**
     * Why {@code listener} could not start, naming the address and the configuration key of its port, e.g. "cannot
     * listen for MQTT on 0.0.0.0:1883 (mqtt.port): Address already in use".
     */
    public IllegalStateException bindFailure(String listener, String portKey, Throwable cause) {
        String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return new IllegalStateException("cannot listen for " + listener + " on " + host + ":" + port + " ("
                + portKey + "): " + reason + (reason.toLowerCase(java.util.Locale.ROOT).contains("in use")
                ? " (another process listens there: stop it or choose another port)" : ""), cause);
    }
}
