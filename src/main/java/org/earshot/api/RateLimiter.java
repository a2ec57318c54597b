package org.earshot.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Token buckets per client: {@code perMinute} requests a minute, with a burst of the same size, refilled evenly.
 * Keys are client addresses (IPv6 by their /64, which one client usually holds whole) or credentials. The table is
 * bounded: when full, buckets that have refilled completely (idle clients) are dropped; when none has, a new
 * client is refused until one has, so that many addresses cannot exhaust memory. Pure (time from the caller) and
 * thread-safe.
 */
public final class RateLimiter {
    /** Most clients tracked at once. */
    public static final int MAX_CLIENTS = 10_000;

    private final double perMicro;
    private final double capacity;
    private final int maxClients;
    private final Map<String, double[]> buckets = new HashMap<>();

    /** @param perMinute requests a minute and the burst, at least 1 */
    public RateLimiter(int perMinute, int maxClients) {
        if (perMinute < 1 || maxClients < 1) {
            throw new IllegalArgumentException("a rate limit needs perMinute >= 1 and maxClients >= 1");
        }
        this.capacity = perMinute;
        this.perMicro = perMinute / 60e6;
        this.maxClients = maxClients;
    }

    public RateLimiter(int perMinute) {
        this(perMinute, MAX_CLIENTS);
    }

    /**
     * Takes one request of {@code client} at {@code nowMicros}: empty when allowed, otherwise the whole seconds to
     * wait before the next one will be (at least 1), for {@code Retry-After}.
     */
    public synchronized OptionalLong acquire(String client, long nowMicros) {
        double[] bucket = buckets.get(client);
        if (bucket == null) {
            if (buckets.size() >= maxClients) {
                evictIdle(nowMicros);
            }
            if (buckets.size() >= maxClients) {
                return OptionalLong.of(Math.max(1, (long) Math.ceil(1 / perMicro / 1e6)));
            }
            bucket = new double[] {capacity, nowMicros};
            buckets.put(client, bucket);
        }
        refill(bucket, nowMicros);
        if (bucket[0] >= 1) {
            bucket[0] -= 1;
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(1, (long) Math.ceil((1 - bucket[0]) / perMicro / 1e6)));
    }

    /** Clients tracked now (for tests and metrics). */
    public synchronized int clients() {
        return buckets.size();
    }

    private void refill(double[] bucket, long nowMicros) {
        double elapsed = Math.max(0, nowMicros - bucket[1]);
        bucket[0] = Math.min(capacity, bucket[0] + elapsed * perMicro);
        bucket[1] = Math.max(bucket[1], nowMicros);
    }

    private void evictIdle(long nowMicros) {
        for (Iterator<double[]> it = buckets.values().iterator(); it.hasNext(); ) {
            double[] bucket = it.next();
            refill(bucket, nowMicros);
            if (bucket[0] >= capacity) {
                it.remove();
            }
        }
    }

    /**
     * The key of a client address: an IPv4 address as it is, an IPv6 address by its /64 (one client holds a whole
     * /64 and could otherwise take a fresh address per request), anything unparsable as it is.
     */
    public static String addressKey(String address) {
        if (address == null || address.isEmpty()) {
            return "unknown";
        }
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            // A literal: InetAddress parses it without a name lookup.
            byte[] b = InetAddress.getByName(address.startsWith("[") ? address.substring(1, address.length() - 1)
                    : address).getAddress();
            if (b.length != 16) {
                return address;
            }
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                out.append(Integer.toHexString((b[i] & 0xff) << 8 | b[i + 1] & 0xff)).append(':');
            }
            return out.append(":/64").toString();
        } catch (UnknownHostException | RuntimeException e) {
            return address;
        }
    }
}
