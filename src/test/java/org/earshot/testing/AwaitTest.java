package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
    @Test
    void returnsAsSoonAsTheConditionHolds() {
        AtomicInteger calls = new AtomicInteger();
        Await.until(() -> calls.incrementAndGet() == 3, Duration.ofSeconds(10), () -> "three calls");
        assertEquals(3, calls.get());
    }

    @Test
    void failsWithTheDescriptionAfterTheTimeout() {
        AtomicInteger calls = new AtomicInteger();
        long start = System.nanoTime();
        AssertionError failure = assertThrows(AssertionError.class,
                () -> Await.until(() -> calls.incrementAndGet() < 0, Duration.ofMillis(200), () -> "the impossible"));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(failure.getMessage().contains("the impossible"), failure.getMessage());
        assertTrue(elapsedMs >= 200, elapsedMs + " ms");
        assertTrue(calls.get() >= 2, "polled " + calls.get() + " times");
    }

    @Test
    void anExceptionFromTheConditionEndsTheWait() {
        IllegalStateException died = new IllegalStateException("process died");
        assertSame(died, assertThrows(IllegalStateException.class, () -> Await.until(() -> {
            throw died;
        }, Duration.ofSeconds(10), () -> "never")));
    }
}
