package org.earshot.pipeline;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus-style cumulative histogram of durations in seconds, with fixed buckets; thread-safe. */
public final class LatencyHistogram {
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length);
    private final LongAdder count = new LongAdder();
    private final LongAdder sumMicros = new LongAdder();

    public void record(long nanos) {
        double seconds = nanos / 1e9;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                counts.incrementAndGet(i);
            }
        }
        count.increment();
        sumMicros.add(nanos / 1000);
    }

    public long count() {
        return count.sum();
    }

    double sumSeconds() {
        return sumMicros.sum() / 1e6;
    }

    long cumulative(int bucket) {
        return counts.get(bucket);
    }
}
