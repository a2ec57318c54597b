package org.earshot.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.earshot.detect.Classifier;
import org.junit.jupiter.api.Test;

/**
 * The inference threads outlive any failure of a batch: an {@link Error} thrown by the network (as when the heap is
 * exhausted elsewhere in the process) fails that batch only, and later windows are classified.
 */
class BatchingClassifierTest {
    /** Fails its first call with an Error that is not an OutOfMemoryError, then scores every patch 0.5. */
    static final class FailingOnce implements Classifier {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public float[][] classify(float[][] patches) {
            if (calls.getAndIncrement() == 0) {
                throw new InternalError("injected failure of the native runtime");
            }
            float[][] out = new float[patches.length][];
            for (int i = 0; i < out.length; i++) {
                out[i] = new float[] {0.5f, 0.5f, 0.5f};
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anErrorInABatchFailsThatBatchAndTheOnlyInferenceThreadServesTheNextOne() throws Exception {
        try (BatchingClassifier batching = new BatchingClassifier(new FailingOnce(), 1, 4, 2, new Metrics())) {
            CompletableFuture<float[][]> first = CompletableFuture.supplyAsync(
                    () -> batching.classify(new float[][] {{1f}}));
            ExecutionException failed = assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertNotNull(failed.getCause());
            CompletableFuture<float[][]> second = CompletableFuture.supplyAsync(
                    () -> batching.classify(new float[][] {{1f}}));
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, second.get(30, TimeUnit.SECONDS)[0]);
        }
    }
}
