package org.earshot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogLimiterTest {
    @Test
    void oneLinePerKeyPerIntervalAndTheHeldBackCountWhenItResumes() {
        LogLimiter l = new LogLimiter(10_000, 100);
        assertEquals(0, l.admit("10.0.0.1", 0));
        assertEquals(-1, l.admit("10.0.0.1", 1));
        assertEquals(-1, l.admit("10.0.0.1", 9_999));
        assertEquals(0, l.admit("10.0.0.2", 5_000), "another address is not held back");
        assertEquals(2, l.admit("10.0.0.1", 10_000));
        assertEquals(0, l.admit("10.0.0.1", 20_000));
        assertEquals(" (2 similar line(s) held back)", LogLimiter.heldBack(2));
        assertEquals("", LogLimiter.heldBack(0));
    }

    @Test
    void manyAddressesShareOneKeyBeyondTheBound() {
        LogLimiter l = new LogLimiter(10_000, 2);
        assertEquals(0, l.admit("a", 0));
        assertEquals(0, l.admit("b", 0));
        assertEquals(0, l.admit("c", 1), "the first beyond the bound logs under the shared key");
        assertEquals(-1, l.admit("d", 2), "further ones are held back together");
        assertEquals(0, l.admit("e", 10_001), "stale keys are dropped once the interval has passed");
    }
}
