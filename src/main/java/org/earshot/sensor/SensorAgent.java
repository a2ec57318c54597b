package org.earshot.sensor;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.SensorFrame;

/**
 * The sending half of a real sensor: takes the frames a capture device produces ({@link #offer}, from any thread),
 * sends them in order over a {@link SensorClient}, and keeps the audio flowing through connection trouble.
 *
 * <ul>
 *   <li>A capture device cannot be paused, so frames are always accepted. Those not yet acknowledged wait in a
 *       bounded buffer of {@link Settings#bufferFrames()} frames (in flight included); when it is full the oldest
 *       waiting frame is dropped and counted. Their sequence numbers show the service the gap.</li>
 *   <li>At most {@link Settings#maxInFlight()} frames await their acknowledgement at once; the others wait in the
 *       buffer (the service pushes back by acknowledging slowly).</li>
 *   <li>When the connection is lost (the client reports it, a send fails, or no acknowledgement comes for {@link
 *       Settings#stallMillis()}), the frames in flight go back to the front of the buffer, and the agent reconnects
 *       every {@link Settings#reconnectMillis()} and then sends the buffer in order. A frame that was in flight may
 *       thus arrive twice; the service drops the copy.</li>
 *   <li>A backlog is sent at most {@link Settings#catchUpSpeed()} times faster than real time (after a first {@link
 *       Settings#catchUpBurstMillis()} of audio at once): the service keeps only a few seconds of a sensor's audio
 *       waiting for detection and drops the oldest beyond, so a backlog sent all at once would be mostly lost
 *       there.</li>
 *   <li>The stream ends with a frame carrying the end-of-stream flag: the reader's last frame at the end of the
 *       input, or one made by {@link #stop()}. The agent then sends what it holds, waits for the acknowledgements (at
 *       most {@link Settings#drainMillis()}), closes the connection cleanly and completes {@link #done()}.</li>
 * </ul>
 *
 * It logs one line per connection, loss, first refusal to connect (and each different one after it), and a status
 * line every {@link Settings#statusMillis()}. The agent never sees the token (the {@link Connector} holds it), so
 * it cannot print it. All state lives on one Vert.x context; {@link #status()} may be read from any thread.
 */
public final class SensorAgent {
    /** How the agent buffers, retries and waits. */
    public record Settings(int bufferFrames, int maxInFlight, long reconnectMillis, long statusMillis,
                           long drainMillis, long stallMillis, long connectTimeoutMillis, double catchUpSpeed,
                           long catchUpBurstMillis) {
        public Settings {
            if (!(catchUpSpeed >= 1) || catchUpBurstMillis < 0) {
                throw new IllegalArgumentException("need catchUpSpeed >= 1 (infinite for no limit) and "
                        + "catchUpBurstMillis >= 0, got " + catchUpSpeed + " and " + catchUpBurstMillis);
            }
            if (maxInFlight < 1 || bufferFrames <= maxInFlight) {
                throw new IllegalArgumentException("need 1 <= maxInFlight < bufferFrames, got maxInFlight "
                        + maxInFlight + " and bufferFrames " + bufferFrames);
            }
            if (reconnectMillis < 1 || statusMillis < 1 || drainMillis < 1 || stallMillis < 1
                    || connectTimeoutMillis < 1) {
                throw new IllegalArgumentException("every time must be at least 1 ms");
            }
        }
    }

    /** Opens one connection attempt; {@code onLost} is to be called (on any thread) if an established one drops. */
    @FunctionalInterface
    public interface Connector {
        SensorClient open(Runnable onLost);
    }

    /** Told, on the agent's context, when a connection is established and when one is lost (never a credential). */
    public interface ConnectionListener {
        void connected();

        void lost(String reason);
    }

    private static final ConnectionListener NO_LISTENER = new ConnectionListener() {
        @Override
        public void connected() {
        }

        @Override
        public void lost(String reason) {
        }
    };

    /** Counters, for the status line and tests. */
    public record Status(long framesRead, long framesSent, int buffered, long framesDropped, boolean connected,
                         long connects, long connectionsLost) {}

    /**
     * How the stream ended: {@code undelivered} frames were still unacknowledged when the agent gave up waiting, and
     * {@code framesDropped} were dropped from a full buffer; complete only when neither happened.
     */
    public record Outcome(long framesRead, long framesSent, long framesDropped, int undelivered) {
        public boolean complete() {
            return undelivered == 0 && framesDropped == 0;
        }
    }

    private final Vertx vertx;
    private final Context context;
    private final Connector connector;
    private final Settings settings;
    private final String name;
    private final String target;
    private final Consumer<String> log;
    private final Promise<Outcome> done = Promise.promise();

    private final ArrayDeque<SensorFrame> waiting = new ArrayDeque<>();
    private final ArrayDeque<SensorFrame> inFlight = new ArrayDeque<>();
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger buffered = new AtomicInteger();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong losses = new AtomicLong();
    private volatile boolean connected;
    private ConnectionListener listener = NO_LISTENER;

    private SensorClient client;
    private int generation;
    private boolean started;
    private boolean inputEnded;
    private boolean finished;
    private boolean pumping;
    private boolean droppingLogged;
    private SensorFrame last;
    private String lastFailure;
    private long lastProgressNanos;
    private long reconnectTimer = -1;
    private long drainTimer = -1;
    private long statusTimer = -1;
    private long watchdogTimer = -1;
    private long pacingTimer = -1;
    /** Audio (in microseconds) that may be sent now without exceeding the catch-up speed: a token bucket. */
    private double creditMicros;
    private long creditRefilledNanos;

    /**
     * @param name   what the log lines call this sensor, e.g. {@code "sensor pole-12"}
     * @param target where it sends, for the log, e.g. {@code "mqtt://host:1883"} (never with a credential)
     * @param log    where the lines go (standard error in {@code earshot sensor})
     */
    public SensorAgent(Vertx vertx, Connector connector, Settings settings, String name, String target,
                       Consumer<String> log) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.context = vertx.getOrCreateContext();
        this.connector = Objects.requireNonNull(connector, "connector");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Tells {@code l} of each connection and loss (for a simulator's event log); call before {@link #start()}. */
    public SensorAgent listener(ConnectionListener l) {
        this.listener = Objects.requireNonNull(l, "listener");
        return this;
    }

    /** Starts connecting (and the status line); frames offered before the connection are buffered. */
    public void start() {
        context.runOnContext(v -> {
            if (started || finished) {
                return;
            }
            started = true;
            statusTimer = vertx.setPeriodic(settings.statusMillis(), t -> log.accept(statusLine()));
            watchdogTimer = vertx.setPeriodic(Math.max(1, Math.min(1000, settings.stallMillis() / 2)),
                    t -> checkStall());
            connect();
        });
    }

    /** Takes the next frame from the capture device; any thread. Ignored once the stream has ended. */
    public void offer(SensorFrame frame) {
        Objects.requireNonNull(frame, "frame");
        context.runOnContext(v -> accept(frame));
    }

    /**
     * Ends the stream now (for example on SIGINT): an end-of-stream frame follows the last frame offered, unless the
     * stream has already ended; frames offered afterwards are ignored. Any thread.
     */
    public void stop() {
        context.runOnContext(v -> {
            if (inputEnded || finished) {
                return;
            }
            if (last == null) {
                inputEnded = true;
                finish();
            } else {
                accept(PcmReader.endOfStreamAfter(last));
            }
        });
    }

    /** Completes once the stream has ended and the connection is closed. */
    public Future<Outcome> done() {
        return done.future();
    }

    public Status status() {
        return new Status(read.get(), sent.get(), buffered.get(), dropped.get(), connected, connects.get(),
                losses.get());
    }

    // Everything below runs on the context.

    private void accept(SensorFrame frame) {
        if (inputEnded || finished) {
            return;
        }
        read.incrementAndGet();
        last = frame;
        waiting.addLast(frame);
        trim();
        if (frame.endOfStream()) {
            inputEnded = true;
            drainTimer = vertx.setTimer(settings.drainMillis(), t -> {
                drainTimer = -1;
                finish();
            });
        }
        pump();
        finishIfDrained();
    }

    /** Drops the oldest waiting frames while the buffer holds more than its size. */
    private void trim() {
        while (waiting.size() + inFlight.size() > settings.bufferFrames() && !waiting.isEmpty()) {
            waiting.pollFirst();
            dropped.incrementAndGet();
            if (!droppingLogged) {
                droppingLogged = true;
                log.accept(name + ": buffer full (" + settings.bufferFrames() + " frames); dropping the oldest");
            }
        }
        buffered.set(waiting.size() + inFlight.size());
    }

    private void connect() {
        reconnectTimer = -1;
        if (finished) {
            return;
        }
        int gen = ++generation;
        SensorClient c;
        try {
            c = connector.open(() -> context.runOnContext(v -> lost(gen, "connection closed")));
        } catch (RuntimeException e) {
            connectFailed(gen, e);
            return;
        }
        client = c;
        long timeout = vertx.setTimer(settings.connectTimeoutMillis(), t -> {
            if (gen == generation && !connected) {
                closeQuietly(c);
                connectFailed(gen, new IllegalStateException("no answer within "
                        + seconds(settings.connectTimeoutMillis()) + " s"));
            }
        });
        Future<Void> attempt;
        try {
            attempt = c.connect();
        } catch (RuntimeException e) {
            attempt = Future.failedFuture(e);
        }
        attempt.onComplete(r -> onContext(() -> {
            vertx.cancelTimer(timeout);
            if (gen != generation || finished) {
                if (r.succeeded()) {
                    closeQuietly(c);
                }
                return;
            }
            if (r.failed()) {
                closeQuietly(c);
                connectFailed(gen, r.cause());
                return;
            }
            connected = true;
            connects.incrementAndGet();
            creditMicros = settings.catchUpBurstMillis() * 1000.0;
            creditRefilledNanos = System.nanoTime();
            lastFailure = null;
            droppingLogged = false;
            lastProgressNanos = System.nanoTime();
            int held = waiting.size();
            log.accept(name + ": connected to " + target + (held > 0 ? "; sending " + held + " buffered frame(s)"
                    : ""));
            listener.connected();
            pump();
            finishIfDrained();
        }));
    }

    private void connectFailed(int gen, Throwable cause) {
        if (gen != generation || finished) {
            return;
        }
        // Whatever this attempt still does (a late success after a timeout, say) no longer counts.
        generation++;
        client = null;
        String message = message(cause);
        if (!message.equals(lastFailure)) {
            lastFailure = message;
            log.accept(name + ": cannot connect: " + message + "; retrying every "
                    + seconds(settings.reconnectMillis()) + " s");
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (!finished && reconnectTimer < 0) {
            reconnectTimer = vertx.setTimer(settings.reconnectMillis(), t -> connect());
        }
    }

    private void lost(int gen, String why) {
        if (gen != generation || !connected || finished) {
            return;
        }
        connected = false;
        generation++;
        losses.incrementAndGet();
        // Unacknowledged frames go back, in order, in front of those that were waiting.
        for (Iterator<SensorFrame> it = inFlight.descendingIterator(); it.hasNext(); ) {
            waiting.addFirst(it.next());
        }
        inFlight.clear();
        trim();
        log.accept(name + ": connection lost (" + why + "); buffering up to " + settings.bufferFrames()
                + " frames, reconnecting every " + seconds(settings.reconnectMillis()) + " s");
        listener.lost(why);
        closeQuietly(client);
        client = null;
        scheduleReconnect();
    }

    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            while (connected && !waiting.isEmpty() && inFlight.size() < settings.maxInFlight()) {
                if (!mayCatchUp(waiting.peekFirst())) {
                    break;
                }
                SensorFrame frame = waiting.pollFirst();
                if (inFlight.isEmpty()) {
                    lastProgressNanos = System.nanoTime();
                }
                inFlight.addLast(frame);
                int gen = generation;
                Future<Void> result;
                try {
                    result = client.send(FrameCodec.encode(frame));
                } catch (RuntimeException e) {
                    result = Future.failedFuture(e);
                }
                result.onComplete(r -> onContext(() -> {
                    if (r.succeeded()) {
                        acknowledged(gen, frame);
                    } else {
                        lost(gen, "send failed: " + message(r.cause()));
                    }
                }));
            }
        } finally {
            pumping = false;
        }
        buffered.set(waiting.size() + inFlight.size());
    }

    /**
     * Whether {@code frame} may go now: a backlog (after a reconnection, say) is sent at most {@link
     * Settings#catchUpSpeed()} times faster than real time after a first {@link Settings#catchUpBurstMillis()} of
     * audio, because the service keeps only a few seconds of a sensor's audio waiting and drops the oldest beyond.
     * Live audio, which comes at real time, is never held back. When the frame must wait, a timer pumps again.
     */
    private boolean mayCatchUp(SensorFrame frame) {
        if (Double.isInfinite(settings.catchUpSpeed())) {
            return true;
        }
        long now = System.nanoTime();
        double burst = Math.max(1, settings.catchUpBurstMillis()) * 1000.0;
        creditMicros = Math.min(burst, creditMicros + (now - creditRefilledNanos) / 1000.0
                * settings.catchUpSpeed());
        creditRefilledNanos = now;
        double needed = frame.durationSeconds() * 1e6;
        // A frame longer than the whole burst goes once the bucket is full.
        if (creditMicros >= Math.min(needed, burst)) {
            creditMicros -= needed;
            return true;
        }
        if (pacingTimer < 0) {
            long waitMillis = (long) Math.ceil((Math.min(needed, burst) - creditMicros) / settings.catchUpSpeed()
                    / 1000.0);
            pacingTimer = vertx.setTimer(Math.max(1, waitMillis), t -> {
                pacingTimer = -1;
                pump();
                finishIfDrained();
            });
        }
        return false;
    }

    private void acknowledged(int gen, SensorFrame frame) {
        if (gen != generation) {
            return;
        }
        for (Iterator<SensorFrame> it = inFlight.iterator(); it.hasNext(); ) {
            if (it.next() == frame) {
                it.remove();
                break;
            }
        }
        sent.incrementAndGet();
        lastProgressNanos = System.nanoTime();
        pump();
        finishIfDrained();
    }

    private void checkStall() {
        if (connected && !inFlight.isEmpty()
                && System.nanoTime() - lastProgressNanos > TimeUnit.MILLISECONDS.toNanos(settings.stallMillis())) {
            lost(generation, "no acknowledgement for " + seconds(settings.stallMillis()) + " s");
        }
    }

    private void finishIfDrained() {
        if (inputEnded && !finished && waiting.isEmpty() && inFlight.isEmpty()) {
            finish();
        }
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        for (long timer : new long[] {reconnectTimer, drainTimer, statusTimer, watchdogTimer, pacingTimer}) {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }
        int undelivered = waiting.size() + inFlight.size();
        SensorClient c = client;
        client = null;
        connected = false;
        generation++;
        Future<Void> closing = c == null ? Future.succeededFuture() : closeQuietly(c);
        closing.onComplete(x -> {
            Outcome outcome = new Outcome(read.get(), sent.get(), dropped.get(), undelivered);
            log.accept(String.format(Locale.ROOT, "%s: stream ended; %d frames sent, %d dropped, %d undelivered; "
                    + "disconnected", name, outcome.framesSent(), outcome.framesDropped(), undelivered));
            if (outcome.framesDropped() > 0) {
                // Loud, and a failure: a file or pipe read faster than real time loses audio this way.
                log.accept(String.format(Locale.ROOT, "%s: WARNING: %d of %d frames (%.0f%%) were dropped because"
                        + " the input came faster than the service took it (the buffer holds %d frames); a file or"
                        + " pipe must be paced in real time, e.g. through `pv -L`, or the buffer made larger with"
                        + " --buffer-seconds", name, outcome.framesDropped(), outcome.framesRead(),
                        100.0 * outcome.framesDropped() / Math.max(1, outcome.framesRead()), settings.bufferFrames()));
            }
            done.complete(outcome);
        });
    }

    private Future<Void> closeQuietly(SensorClient c) {
        if (c == null) {
            return Future.succeededFuture();
        }
        Future<Void> closing;
        try {
            closing = c.close();
        } catch (RuntimeException e) {
            return Future.succeededFuture();
        }
        return closing.timeout(5, TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
    }

    private String statusLine() {
        Status s = status();
        return String.format(Locale.ROOT, "%s: %d frames sent, %d buffered, %d dropped, %s", name, s.framesSent(),
                s.buffered(), s.framesDropped(), s.connected() ? "connected" : "disconnected");
    }

    /** Runs {@code r} on the agent's context: now when already there, else as soon as the context gets to it. */
    private void onContext(Runnable r) {
        if (Vertx.currentContext() == context) {
            r.run();
        } else {
            context.runOnContext(v -> r.run());
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String seconds(long millis) {
        return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
    }
}
