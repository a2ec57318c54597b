package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** Token buckets per client: the burst, the refill, the Retry-After, the bounded table and IPv6 /64 keys. */
class RateLimiterTest {
    @Test
    void burstThenOnePerIntervalWithRetryAfter() {
        RateLimiter limiter = new RateLimiter(6, 100); // one every 10 s
        for (int i = 0; i < 6; i++) {
            assertEquals(OptionalLong.empty(), limiter.acquire("a", 0));
        }
        assertEquals(OptionalLong.of(10), limiter.acquire("a", 0));
        assertEquals(OptionalLong.of(1), limiter.acquire("a", 9_500_000));
        assertEquals(OptionalLong.empty(), limiter.acquire("a", 10_000_000));
        assertEquals(OptionalLong.empty(), limiter.acquire("b", 10_000_000), "another client has its own bucket");
    }

    @Test
    void theTableIsBoundedAndIdleClientsMakeRoom() {
        RateLimiter limiter = new RateLimiter(60, 3);
        for (String c : new String[] {"a", "b", "c"}) {
            assertEquals(OptionalLong.empty(), limiter.acquire(c, 0));
        }
        assertTrue(limiter.acquire("d", 0).isPresent(), "a full table of active clients refuses a new one");
        assertEquals(3, limiter.clients());
        assertEquals(OptionalLong.empty(), limiter.acquire("d", 2_000_000), "refilled buckets are dropped for it");
        assertTrue(limiter.clients() <= 3);
    }

    @Test
    void ipv6ClientsCountByTheirSlash64() {
        assertEquals("2001:db8:1:2::/64", RateLimiter.addressKey("2001:db8:1:2:aaaa::1"));
        assertEquals("2001:db8:1:2::/64", RateLimiter.addressKey("[2001:db8:1:2:ffff:ffff:ffff:ffff]"));
        assertEquals("192.0.2.1", RateLimiter.addressKey("192.0.2.1"));
        assertEquals("unknown", RateLimiter.addressKey(null));
    }
}
