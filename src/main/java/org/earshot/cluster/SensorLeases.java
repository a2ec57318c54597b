package org.earshot.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which sensors this node holds, by lease: a node claims a sensor when the sensor connects to it, and loses it when
 * a newer claim of another node arrives (the newest connection wins, so a sensor that reconnected elsewhere through
 * the balancer is analysed only there). Claims are ordered by time, then by node id, so every node agrees. Pure;
 * one thread at a time.
 */
public final class SensorLeases {
    /** A claim: {@code node} took {@code sensor}'s connection at {@code sinceMicros}. */
    public record Lease(String sensor, String node, long sinceMicros) {
        /** Whether this claim wins over {@code other}. */
        public boolean newerThan(Lease other) {
            return sinceMicros != other.sinceMicros ? sinceMicros > other.sinceMicros
                    : node.compareTo(other.node) > 0;
        }
    }

    private final String node;
    private final Map<String, Lease> held = new HashMap<>();

    public SensorLeases(String node) {
        this.node = node;
    }

    /** This node's claim of a sensor that just connected. */
    public Lease claim(String sensor, long nowMicros) {
        Lease lease = new Lease(sensor, node, nowMicros);
        held.put(sensor, lease);
        return lease;
    }

    /**
     * A claim read from the lease topic; returns the sensor this node lost to it (its connections must close), or
     * empty when it changes nothing here (its own claim, an older claim, or a sensor not held here).
     */
    public Optional<String> observe(Lease claim) {
        if (claim.node().equals(node)) {
            return Optional.empty();
        }
        Lease mine = held.get(claim.sensor());
        if (mine == null || !claim.newerThan(mine)) {
            return Optional.empty();
        }
        held.remove(claim.sensor());
        return Optional.of(claim.sensor());
    }

    public boolean holds(String sensor) {
        return held.containsKey(sensor);
    }
}
