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
}
