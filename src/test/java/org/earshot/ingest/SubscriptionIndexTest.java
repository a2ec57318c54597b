package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.Test;

/** The index finds exactly the subscribers that {@link Topics#matches} finds, and forgets removed filters. */
class SubscriptionIndexTest {
    static final String[] LEVELS = {"earshot", "v1", "levels", "alerts", "s1", "s2", "shout", "+", "#"};

    static String randomFilter(Random random) {
        int n = 1 + random.nextInt(6);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String level = LEVELS[random.nextInt(LEVELS.length)];
            if (level.equals("#") && i < n - 1) {
                level = "+";
            }
            parts.add(level);
        }
        return String.join("/", parts);
    }

    static String randomTopic(Random random) {
        int n = 1 + random.nextInt(6);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parts.add(LEVELS[random.nextInt(LEVELS.length - 2)]);
        }
        return String.join("/", parts);
    }

    @Test
    void matchesAsTopicsMatchesDoesWithTheHighestQosPerSubscriber() {
        Random random = new Random(11);
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        Map<Integer, Map<String, MqttQoS>> held = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            int subscriber = random.nextInt(40);
            String filter = randomFilter(random);
            if (random.nextInt(4) == 0) {
                index.remove(subscriber, filter);
                held.computeIfAbsent(subscriber, k -> new HashMap<>()).remove(filter);
            } else {
                MqttQoS qos = random.nextBoolean() ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
                index.put(subscriber, filter, qos);
                held.computeIfAbsent(subscriber, k -> new HashMap<>()).put(filter, qos);
            }
        }
        assertEquals(held.values().stream().mapToInt(Map::size).sum(), index.size());
        for (int t = 0; t < 2000; t++) {
            String topic = randomTopic(random);
            Map<Integer, MqttQoS> expected = new HashMap<>();
            held.forEach((s, filters) -> filters.forEach((f, qos) -> {
                if (Topics.matches(f, topic)) {
                    expected.merge(s, qos, (a, b) -> a.value() >= b.value() ? a : b);
                }
            }));
            assertEquals(expected, index.match(topic), topic);
        }
        held.forEach((s, filters) -> filters.keySet().forEach(f -> index.remove(s, f)));
        assertEquals(0, index.size());
        assertEquals(0, index.nodes(), "no empty branches are left behind");
    }

    @Test
    void hashAlsoMatchesTheLevelAboveIt() {
        SubscriptionIndex<String> index = new SubscriptionIndex<>();
        index.put("a", "earshot/v1/alerts/#", MqttQoS.AT_LEAST_ONCE);
        index.put("b", "earshot/v1/alerts/+", MqttQoS.AT_MOST_ONCE);
        assertEquals(Map.of("a", MqttQoS.AT_LEAST_ONCE), index.match("earshot/v1/alerts"));
        assertEquals(Map.of("a", MqttQoS.AT_LEAST_ONCE, "b", MqttQoS.AT_MOST_ONCE),
                index.match("earshot/v1/alerts/s1"));
        assertEquals(Map.of("a", MqttQoS.AT_LEAST_ONCE), index.match("earshot/v1/alerts/s1/shout"));
        assertEquals(Map.of(), index.match("earshot/v1/levels/s1"));
    }
}
