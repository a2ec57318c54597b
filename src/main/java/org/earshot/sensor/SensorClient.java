package org.earshot.sensor;

import io.vertx.core.Future;

/**
 * A sensor's connection to Earshot: one implementation per transport of protocol v1 (MQTT, WebSocket). Methods are
 * called on the context that created the client. {@link #send} completes when the service has acknowledged the
 * frame (MQTT QoS 1) or it has been written (WebSocket, where TCP carries the backpressure).
 */
public interface SensorClient {
    Future<Void> connect();

    Future<Void> send(byte[] frame);

    /** Whether the connection is up (after {@link #connect} succeeded, until it is closed or lost). */
    boolean isConnected();

    /** Frames sent but not yet acknowledged. */
    int inFlight();

    Future<Void> close();
}
