package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttQoS;
import org.earshot.pipeline.LevelReading;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.SensorProfile;
import org.junit.jupiter.api.Test;

/**
 * Fan-out runs on the pipeline's threads: its cost must not grow with the number of filters held that do not match
 * the topic. On the endpoint before the index, 200 readings against 200,000 filters took about 12 s (a match per
 * filter per reading); now they take well under a millisecond each.
 */
class MqttHubFanOutTest {
    @Test
    void aReadingCostsNothingLikeOneMatchPerFilterHeld() {
        MqttHub hub = new MqttHub(new Metrics(), "m", new MqttHub.Limits(1, 40, 10));
        // 5,000 connections holding 40 filters each, none of them for s1 (connections are not needed to subscribe).
        for (int c = 0; c < 5_000; c++) {
            MqttHub.Subscriber s = new MqttHub.Subscriber(null, null, "x");
            for (int i = 0; i < 40; i++) {
                assertTrue(hub.subscribe(s, "earshot/v1/levels/other-" + c + "-" + i, MqttQoS.AT_MOST_ONCE));
            }
        }
        SensorProfile s1 = SensorProfile.uncalibrated("s1");
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            hub.accept(new LevelReading(s1, i * 1_000_000L, -40, -20));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2000, "200 readings took " + millis + " ms");
    }

    @Test
    void aConnectionCannotHoldMoreFiltersThanItsLimitButMayRenewOne() {
        MqttHub hub = new MqttHub(new Metrics(), "m", new MqttHub.Limits(1, 2, 10));
        MqttHub.Subscriber s = new MqttHub.Subscriber(null, null, "x");
        assertTrue(hub.subscribe(s, "earshot/v1/levels/a", MqttQoS.AT_MOST_ONCE));
        assertTrue(hub.subscribe(s, "earshot/v1/levels/b", MqttQoS.AT_MOST_ONCE));
        assertFalse(hub.subscribe(s, "earshot/v1/levels/c", MqttQoS.AT_MOST_ONCE));
        assertTrue(hub.subscribe(s, "earshot/v1/levels/a", MqttQoS.AT_LEAST_ONCE), "renewing a held filter");
        hub.unsubscribe(s, "earshot/v1/levels/b");
        assertTrue(hub.subscribe(s, "earshot/v1/levels/c", MqttQoS.AT_MOST_ONCE));
        assertEquals(2, s.filters.size());
    }
}
