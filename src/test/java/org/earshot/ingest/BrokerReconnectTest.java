package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The waits between attempts to reach the broker: doubling from reconnect_seconds, capped, never zero. */
class BrokerReconnectTest {
    @Test
    void theWaitDoublesAfterEachFailedAttemptUpToTheCap() {
        assertEquals(200, BrokerIngestVerticle.reconnectDelayMillis(0.2, 30, 1));
        assertEquals(400, BrokerIngestVerticle.reconnectDelayMillis(0.2, 30, 2));
        assertEquals(800, BrokerIngestVerticle.reconnectDelayMillis(0.2, 30, 3));
        assertEquals(25_600, BrokerIngestVerticle.reconnectDelayMillis(0.2, 30, 8));
        assertEquals(30_000, BrokerIngestVerticle.reconnectDelayMillis(0.2, 30, 9));
        assertEquals(30_000, BrokerIngestVerticle.reconnectDelayMillis(0.2, 30, 1_000_000));
    }

    @Test
    void aReconnectWaitLongerThanTheCapIsKeptAsIs() {
        assertEquals(60_000, BrokerIngestVerticle.reconnectDelayMillis(60, 30, 1));
        assertEquals(60_000, BrokerIngestVerticle.reconnectDelayMillis(60, 30, 5));
    }

    @Test
    void theWaitIsNeverZero() {
        assertEquals(1, BrokerIngestVerticle.reconnectDelayMillis(0.0001, 30, 1));
    }

    @Test
    void theLoggedReasonIsOneLine() {
        assertEquals("Connection refused: /127.0.0.1:1 next", BrokerIngestVerticle.reason(
                new java.net.ConnectException("Connection refused: /127.0.0.1:1\nnext")));
        assertEquals("IllegalStateException", BrokerIngestVerticle.reason(new IllegalStateException()));
    }
}
