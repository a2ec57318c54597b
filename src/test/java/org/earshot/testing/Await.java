package org.earshot.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes. Meant for what offers no future or callback to wait on, such
 * as an external process becoming ready; wait on a future or latch wherever there is one.
 */
public final class Await {
    /** How often the condition is evaluated. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} is true (evaluated first at once, then every {@link #POLL_INTERVAL});
     * throws an {@link AssertionError} naming {@code describe}'s text when it is still false after {@code timeout}.
     * An exception thrown by the condition propagates at once.
     */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for: " + describe.get());
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, POLL_INTERVAL.toNanos()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for: " + describe.get(), e);
            }
        }
    }
}
