package org.earshot.pipeline;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.earshot.audio.SensorFrame;
import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.Labels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live analysis of every sensor. Ingest hands each accepted frame to {@link #offer}, which never blocks: the
 * frame joins its sensor's queue, bounded in seconds of audio; when a sensor's queue is full its oldest frames are
 * dropped and counted (the stream then restarts cleanly after the hole), so an overloaded service keeps its memory
 * and stays current instead of falling further behind. Each sensor's queue is worked by one worker at a time, in
 * order, a few frames per turn so that busy sensors cannot starve the others; workers share one
 * {@link BatchingClassifier}, which batches windows across sensors. A sensor that stops sending for
 * {@code idleFlushSeconds}, ends its stream or disconnects has its stream flushed, so its events are final.
 * Outputs go to the sinks on the worker thread, in order per sensor.
 */
public final class Pipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    /** Frames a worker takes from one sensor before giving the other sensors a turn. */
    private static final int FRAMES_PER_TURN = 4;
    /**
     * Longest a sensor's queued audio may wait for a worker before {@link #progressing()} says the analysis is stuck:
     * far more than a turn takes even when overloaded (the queues hold seconds of audio, and the oldest is dropped).
     */
    public static final long STALL_SECONDS = 30;

    /** Sizes and policies of the pipeline, validated here. */
    public record Options(int workers, int inferenceThreads, int maxBatch, double queueSeconds, int reorderFrames,
                          double idleFlushSeconds) {
        public Options {
            if (workers < 1 || inferenceThreads < 1 || maxBatch < 1) {
                throw new IllegalArgumentException("workers, inference threads and max batch must be >= 1");
            }
            if (!(queueSeconds > 0) || reorderFrames < 0 || !(idleFlushSeconds > 0)) {
                throw new IllegalArgumentException("queue seconds and idle flush seconds must be > 0, reorder frames "
                        + ">= 0");
            }
        }
    }

    private record Item(SensorFrame frame, long receivedMicros, boolean afterDrop) {}

    private final class Slot implements SensorStream.Outputs {
        final SensorProfile sensor;
        final SensorMetrics metrics;
        final ArrayDeque<Item> queue = new ArrayDeque<>();
        SensorStream stream;
        long queuedMicros;
        boolean scheduled;
        boolean dropped;
        boolean flushRequested;
        boolean flushedSinceFrame = true;
        long lastFrameNanos;
        /** When a worker last took a frame from this queue, or when the queue last became non-empty. */
        long progressNanos = System.nanoTime();

        Slot(SensorProfile sensor) {
            this.sensor = sensor;
            this.metrics = Pipeline.this.metrics.sensor(sensor.id());
            this.stream = newStream();
        }

        SensorStream newStream() {
            return new SensorStream(sensor, batching, config, options.reorderFrames(), metrics, this);
        }

        @Override
        public void detection(SensorDetection d) {
            int c = Labels.indexOf(d.detection().label());
            (d.stage() == SensorDetection.Stage.FINAL ? metrics.detections : metrics.alerts)[c].increment();
            for (DetectionSink sink : detectionSinks) {
                try {
                    sink.accept(d);
                } catch (RuntimeException | Error e) {
                    // An output that fails (out of heap, say) misses this detection; the analysis goes on.
                    Pipeline.this.metrics.sinkError();
                    LOG.error("detection sink {} failed for {}: {}", sink.getClass().getSimpleName(), d.id(),
                            e.toString());
                }
            }
        }

        @Override
        public void level(LevelReading reading) {
            for (LevelSink sink : levelSinks) {
                try {
                    sink.accept(reading);
                } catch (RuntimeException | Error e) {
                    Pipeline.this.metrics.sinkError();
                    LOG.error("level sink {} failed for sensor {}: {}", sink.getClass().getSimpleName(),
                            reading.sensor().id(), e.toString());
                }
            }
        }
    }

    private final DetectorConfig config;
    private final Options options;
    private final Metrics metrics;
    private final List<DetectionSink> detectionSinks;
    private final List<LevelSink> levelSinks;
    private final BatchingClassifier batching;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final long queueLimitMicros;
    private volatile boolean closed;

    public Pipeline(Classifier classifier, DetectorConfig config, Options options, Metrics metrics,
                    List<DetectionSink> detectionSinks, List<LevelSink> levelSinks) {
        this.config = config;
        this.options = options;
        this.metrics = metrics;
        this.detectionSinks = new CopyOnWriteArrayList<>(detectionSinks);
        this.levelSinks = new CopyOnWriteArrayList<>(levelSinks);
        this.batching = new BatchingClassifier(classifier, options.inferenceThreads(), options.maxBatch(),
                options.workers(), metrics);
        this.queueLimitMicros = Math.round(options.queueSeconds() * 1e6);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemon(r, "earshot-worker-" + n.getAndIncrement()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "earshot-idle-flush"));
        long periodMillis = Math.max(50, Math.round(options.idleFlushSeconds() * 1000 / 4));
        timer.scheduleAtFixedRate(this::flushIdle, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        metrics.gauge("earshot_inference_waiting_requests", batching::waiting);
        metrics.gauge("earshot_worker_backlog", () -> workers.getQueue().size());
        metrics.gauge("earshot_inference_failures_total", batching::failures);
    }

    /** For the health check: every inference thread is running. */
    public boolean inferenceThreadsAlive() {
        return batching.allAlive();
    }

    /**
     * For the health check: no sensor's queued audio has waited longer than {@link #STALL_SECONDS} without a worker
     * taking a frame of it. False when the analysis is stuck (frames are still accepted, and acknowledged, but not
     * analysed), whatever the cause.
     */
    public boolean progressing() {
        return progressing(STALL_SECONDS * 1_000_000_000L);
    }

    boolean progressing(long stallNanos) {
        long now = System.nanoTime();
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                if (!slot.queue.isEmpty() && now - slot.progressNanos > stallNanos) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Adds an output (transports that publish are deployed after the pipeline is built). */
    public void addSink(DetectionSink sink) {
        detectionSinks.add(sink);
    }

    public void addSink(LevelSink sink) {
        levelSinks.add(sink);
    }

    public Metrics metrics() {
        return metrics;
    }

    /**
     * Accepts a frame of an authenticated sensor into its queue. Never blocks; if the queue is over its bound, the
     * oldest queued frames are dropped and counted. Returns false only after {@link #close()}.
     */
    public boolean offer(SensorProfile sensor, SensorFrame frame, long receivedMicros) {
        if (closed) {
            return false;
        }
        Slot slot = slots.computeIfAbsent(sensor.id(), id -> new Slot(sensor));
        long micros = Math.round(frame.durationSeconds() * 1e6);
        boolean schedule;
        synchronized (slot) {
            if (slot.queue.isEmpty()) {
                slot.progressNanos = System.nanoTime();
            }
            slot.queue.addLast(new Item(frame, receivedMicros, slot.dropped));
            slot.dropped = false;
            slot.queuedMicros += micros;
            while (slot.queuedMicros > queueLimitMicros && slot.queue.size() > 1) {
                Item old = slot.queue.pollFirst();
                long oldMicros = Math.round(old.frame().durationSeconds() * 1e6);
                slot.queuedMicros -= oldMicros;
                slot.metrics.droppedFrames.increment();
                slot.metrics.droppedAudioMicros.add(oldMicros);
                Item next = slot.queue.pollFirst();
                slot.queue.addFirst(new Item(next.frame(), next.receivedMicros(), true));
            }
            slot.lastFrameNanos = System.nanoTime();
            slot.flushedSinceFrame = false;
            slot.metrics.framesAccepted.increment();
            slot.metrics.lastSeenMillis.set(System.currentTimeMillis());
            slot.metrics.queuedFrames.set(slot.queue.size());
            slot.metrics.queuedAudioMicros.set(slot.queuedMicros);
            schedule = !slot.scheduled;
            slot.scheduled = true;
        }
        if (schedule) {
            submit(slot);
        }
        return true;
    }

    /** The sensor ended its stream or disconnected: once its queue is worked off, its stream is flushed. */
    public void endStream(String sensorId) {
        Slot slot = slots.get(sensorId);
        if (slot == null) {
            return;
        }
        requestFlush(slot);
    }

    private void flushIdle() {
        try {
            flushIdleSensors();
        } catch (RuntimeException | Error e) {
            // Nothing may escape a periodic task: the scheduler would cancel it, silently, for good.
            LOG.error("idle flush failed, tried again at the next period: {}", e.toString());
        }
    }

    private void flushIdleSensors() {
        long idleNanos = Math.round(options.idleFlushSeconds() * 1e9);
        long now = System.nanoTime();
        for (Slot slot : slots.values()) {
            boolean idle;
            synchronized (slot) {
                idle = !slot.flushedSinceFrame && now - slot.lastFrameNanos > idleNanos;
            }
            if (idle) {
                requestFlush(slot);
            }
        }
    }

    private void requestFlush(Slot slot) {
        boolean schedule;
        synchronized (slot) {
            slot.flushRequested = true;
            slot.flushedSinceFrame = true;
            schedule = !slot.scheduled;
            slot.scheduled = true;
        }
        if (schedule) {
            submit(slot);
        }
    }

    private void submit(Slot slot) {
        if (!trySubmit(slot)) {
            synchronized (slot) {
                slot.scheduled = false;
            }
        }
    }

    /**
     * One turn of a sensor. Should anything escape {@link #work} (restarting a failed stream can fail again while
     * the heap is exhausted), the sensor must not stay marked as scheduled, or it would never get a turn again and
     * its frames would be acknowledged and queued but never analysed.
     */
    private void turn(Slot slot) {
        try {
            work(slot);
        } catch (RuntimeException | Error e) {
            slot.metrics.errors.increment();
            LOG.error("sensor {}: a turn of analysis failed, it gets the next one: {}", slot.sensor.id(),
                    e.toString());
            boolean again;
            synchronized (slot) {
                again = !slot.queue.isEmpty() || slot.flushRequested;
                slot.scheduled = again;
            }
            if (again) {
                submit(slot);
            }
        }
    }

    private void work(Slot slot) {
        // While closing there is no next turn to wait for: work the queue off in one go.
        for (int turn = 0; closed || turn < FRAMES_PER_TURN; turn++) {
            Item item;
            boolean flush = false;
            synchronized (slot) {
                item = slot.queue.pollFirst();
                if (item != null) {
                    slot.progressNanos = System.nanoTime();
                    slot.queuedMicros -= Math.round(item.frame().durationSeconds() * 1e6);
                    slot.metrics.queuedFrames.set(slot.queue.size());
                    slot.metrics.queuedAudioMicros.set(slot.queuedMicros);
                } else if (slot.flushRequested) {
                    slot.flushRequested = false;
                    flush = true;
                } else {
                    slot.scheduled = false;
                    return;
                }
            }
            try {
                if (flush) {
                    slot.stream.flush();
                } else {
                    slot.stream.accept(item.frame(), item.receivedMicros(), item.afterDrop());
                }
            } catch (RuntimeException | Error e) {
                // One sensor's failure must not stop the others, nor this sensor's later audio: an Error too (the
                // heap exhausted elsewhere in the process) restarts its analysis, and the sensor keeps its turns.
                slot.metrics.errors.increment();
                LOG.error("sensor {}: analysis failed, stream restarted: {}", slot.sensor.id(), e.toString());
                slot.stream = slot.newStream();
            }
        }
        // The next turn goes to the back of the workers' queue. Once close() has shut the workers down it is
        // refused; close() set `closed` before that, so working on here drains this queue in one go instead of
        // abandoning its frames and its flush.
        if (!trySubmit(slot)) {
            work(slot);
        }
    }

    private boolean trySubmit(Slot slot) {
        try {
            workers.execute(() -> turn(slot));
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    /** Stops taking frames, works off every queue, flushes every stream (so pending events are final), stops. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        for (Slot slot : slots.values()) {
            requestFlush(slot);
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("pipeline workers did not finish within 30 s; stopping them");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        batching.close();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
