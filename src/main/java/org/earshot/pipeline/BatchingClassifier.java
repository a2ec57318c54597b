package org.earshot.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.earshot.detect.Classifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches the windows of many sensors into one classifier call. Pipeline workers call {@link #classify} as if it
 * were the network and wait; {@code threads} inference threads each take the first waiting request and every other
 * one already queued, up to {@code maxBatch} windows, and run them together, which amortises the per-call cost of
 * the runtime. The queue holds at most one request per worker, so it is bounded by the worker count. The delegate
 * must be safe to call from several threads (the ONNX classifier keeps one predictor per thread). Every worker
 * waits on these threads, so they must not die: any failure, an {@link Error} such as an exhausted heap included,
 * fails the batch at hand (its sensors' streams restart) and is counted, and the thread takes the next one.
 * {@link #allAlive()} is for the health check all the same.
 */
final class BatchingClassifier implements Classifier {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingClassifier.class);
    private record Request(float[][] patches, CompletableFuture<float[][]> result) {}

    private final Classifier delegate;
    private final int maxBatch;
    private final Metrics metrics;
    private final BlockingQueue<Request> queue;
    private final List<Thread> threads = new ArrayList<>();
    private final LongAdder failures = new LongAdder();
    private volatile boolean closed;

    BatchingClassifier(Classifier delegate, int threads, int maxBatch, int maxWaiting, Metrics metrics) {
        if (threads < 1 || maxBatch < 1 || maxWaiting < 1) {
            throw new IllegalArgumentException("threads, maxBatch and maxWaiting must be >= 1");
        }
        this.delegate = delegate;
        this.maxBatch = maxBatch;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(maxWaiting);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::run, "earshot-inference-" + i);
            t.setDaemon(true);
            t.start();
            this.threads.add(t);
        }
    }

    int waiting() {
        return queue.size();
    }

    /** Batches that failed (the network threw, or the inference thread met an error around it). */
    long failures() {
        return failures.sum();
    }

    /** Whether every inference thread is running (until {@link #close()}). */
    boolean allAlive() {
        return closed || threads.stream().allMatch(Thread::isAlive);
    }

    @Override
    public float[][] classify(float[][] patches) {
        if (closed) {
            throw new IllegalStateException("the classifier is closed");
        }
        Request request = new Request(patches, new CompletableFuture<>());
        try {
            queue.put(request);
            // Interruptible, unlike join(): a stopping pipeline must be able to get its workers back.
            return request.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the classifier", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new IllegalStateException("classifier failed: " + e.getCause(), e.getCause());
        }
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        Request carried = null;
        while (!closed) {
            try {
                Request first = carried != null ? carried : queue.poll(200, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int windows = first.patches().length;
                // poll, not peek-then-poll: the other inference threads take from the same queue.
                Request next;
                while (windows < maxBatch && (next = queue.poll()) != null) {
                    if (windows + next.patches().length > maxBatch) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    windows += next.patches().length;
                }
                runBatch(batch, windows);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // Whatever failed around the network (it ran out of heap collecting the batch, say): this batch
                // and the one carried over fail, the thread goes on.
                failures.increment();
                LOG.error("{}: a batch failed, its sensors' streams restart: {}", Thread.currentThread().getName(),
                        e.toString());
                if (carried != null) {
                    carried.result().completeExceptionally(e);
                    carried = null;
                }
            } finally {
                for (Request r : batch) {
                    r.result().completeExceptionally(new IllegalStateException("classifier stopped"));
                }
                batch.clear();
            }
        }
        if (carried != null) {
            carried.result().completeExceptionally(new IllegalStateException("classifier stopped"));
        }
    }

    private void runBatch(List<Request> batch, int windows) {
        float[][] all = new float[windows][];
        int i = 0;
        for (Request r : batch) {
            for (float[] p : r.patches()) {
                all[i++] = p;
            }
        }
        long start = System.nanoTime();
        float[][] scores;
        try {
            scores = delegate.classify(all);
        } catch (RuntimeException | Error e) {
            // The batch fails (its sensors' streams restart); the inference thread must live on, or every sensor
            // would wait for it for ever. Running out of (direct) memory under overload is one way a batch fails,
            // an error of the native runtime another.
            failures.increment();
            if (e instanceof Error) {
                // Exceptions are logged by the workers, whose streams restart; an Error is worth a line of its own.
                LOG.error("{}: classifier batch of {} windows failed, its sensors' streams restart: {}",
                        Thread.currentThread().getName(), windows, e.toString());
            }
            RuntimeException failure = e instanceof RuntimeException r ? r
                    : new IllegalStateException("classifier batch of " + windows + " windows failed: " + e, e);
            for (Request r : batch) {
                r.result().completeExceptionally(failure);
            }
            return;
        }
        metrics.inference().record(System.nanoTime() - start);
        metrics.batch(windows);
        int row = 0;
        for (Request r : batch) {
            float[][] mine = new float[r.patches().length][];
            for (int k = 0; k < mine.length; k++) {
                mine[k] = scores[row++];
            }
            r.result().complete(mine);
        }
    }

    /** Stops the inference threads; the delegate belongs to the caller and is not closed. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Request r;
        while ((r = queue.poll()) != null) {
            r.result().completeExceptionally(new IllegalStateException("classifier stopped"));
        }
    }
}
