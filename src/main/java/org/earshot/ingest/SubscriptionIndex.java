package org.earshot.ingest;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * The topic filters of the embedded endpoint's subscribers, as a tree of topic levels ({@code +} and {@code #} are
 * children like any other level), so that finding the subscribers of a topic walks the topic's few levels instead
 * of testing every filter: the fan-out runs on the pipeline's threads, and its cost must not grow with the number of
 * filters held, however many a client adds. Matching follows MQTT 3.1.1 ({@link Topics#matches}): {@code +} is one
 * level, {@code #} the rest including the level above it. Subscribe and unsubscribe take a write lock, matching a
 * read lock; branches left empty are removed, so the tree holds nothing beyond the filters in it.
 *
 * @param <S> what identifies a subscriber (a connection)
 */
final class SubscriptionIndex<S> {
    private static final class Node<S> {
        final Node<S> parent;
        final String level;
        final Map<String, Node<S>> children = new HashMap<>(4);
        /** The subscribers whose filter ends at this node, with the QoS they were granted. */
        final Map<S, MqttQoS> subscribers = new HashMap<>(2);

        Node(Node<S> parent, String level) {
            this.parent = parent;
            this.level = level;
        }
    }

    private final Node<S> root = new Node<>(null, null);
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private int size;

    /** Adds or replaces (same subscriber, same filter) a subscription; the filter must be valid. */
    void put(S subscriber, String filter, MqttQoS qos) {
        lock.writeLock().lock();
        try {
            Node<S> node = root;
            for (String level : filter.split("/", -1)) {
                Node<S> parent = node;
                node = node.children.computeIfAbsent(level, l -> new Node<>(parent, l));
            }
            if (node.subscribers.put(subscriber, qos) == null) {
                size++;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes one subscription; nothing happens when the subscriber does not hold the filter. */
    void remove(S subscriber, String filter) {
        lock.writeLock().lock();
        try {
            Node<S> node = root;
            for (String level : filter.split("/", -1)) {
                node = node.children.get(level);
                if (node == null) {
                    return;
                }
            }
            if (node.subscribers.remove(subscriber) != null) {
                size--;
            }
            while (node != root && node.subscribers.isEmpty() && node.children.isEmpty()) {
                node.parent.children.remove(node.level);
                node = node.parent;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every subscriber with a filter matching {@code topic} (a topic name, without wildcards), at its highest QoS. */
    Map<S, MqttQoS> match(String topic) {
        Map<S, MqttQoS> out = new HashMap<>();
        String[] levels = topic.split("/", -1);
        lock.readLock().lock();
        try {
            collect(root, levels, 0, out);
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    private static <S> void collect(Node<S> node, String[] levels, int depth, Map<S, MqttQoS> out) {
        Node<S> rest = node.children.get("#");
        if (rest != null) {
            addAll(rest, out);
        }
        if (depth == levels.length) {
            addAll(node, out);
            return;
        }
        Node<S> exact = node.children.get(levels[depth]);
        if (exact != null) {
            collect(exact, levels, depth + 1, out);
        }
        Node<S> any = node.children.get("+");
        if (any != null) {
            collect(any, levels, depth + 1, out);
        }
    }

    private static <S> void addAll(Node<S> node, Map<S, MqttQoS> out) {
        node.subscribers.forEach((s, qos) -> out.merge(s, qos, (a, b) -> a.value() >= b.value() ? a : b));
    }

    /** Subscriptions held, over every subscriber. */
    int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Nodes below the root: what the tree costs beyond its subscriptions (none once every filter is removed). */
    int nodes() {
        lock.readLock().lock();
        try {
            return count(root) - 1;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static int count(Node<?> node) {
        int n = 1;
        for (Node<?> child : node.children.values()) {
            n += count(child);
        }
        return n;
    }
}
