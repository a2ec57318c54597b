package org.earshot.cli;

import java.nio.file.Path;

import org.earshot.sensor.TrustStore;
import picocli.CommandLine.Option;

/**
 * How a sensor-side command reaches a running service: transport, port (defaulting per transport) and an optional
 * trust store for TLS. Shared by {@code earshot sensor} and {@code earshot simulate}; each command keeps its own
 * {@code --host}, since the reference agent must be told where the service is while the simulator defaults to this
 * machine.
 */
final class ServiceConnectionOptions {
    static final int DEFAULT_MQTT_PORT = 1883;
    static final int DEFAULT_WEBSOCKET_PORT = 8081;

    @Option(names = "--transport", description = "mqtt or websocket (default: ${DEFAULT-VALUE})")
    String transport = "mqtt";

    @Option(names = "--port", description = "Service port (default: 1883 for mqtt, 8081 for websocket)")
    Integer port;

    @Option(names = "--truststore", paramLabel = "FILE.p12", description = "PKCS#12 trust store: connect with TLS")
    Path truststore;

    @Option(names = "--truststore-password", description = "Password of the trust store")
    String truststorePassword = "";

    /** True for MQTT, false for WebSocket; anything else is bad input. */
    boolean mqtt() {
        return switch (transport) {
            case "mqtt" -> true;
            case "websocket" -> false;
            default -> throw new BadInputException("--transport must be mqtt or websocket, got '" + transport + "'");
        };
    }

    int port() {
        int p = port != null ? port : mqtt() ? DEFAULT_MQTT_PORT : DEFAULT_WEBSOCKET_PORT;
        if (p < 1 || p > 65535) {
            throw new BadInputException("--port must be 1..65535, got " + p);
        }
        return p;
    }

    /** The trust store, or null for a plain connection. */
    TrustStore trust() {
        return truststore == null ? null
                : new TrustStore(Paths.requireFile(truststore, "trust store"), truststorePassword);
    }
}
