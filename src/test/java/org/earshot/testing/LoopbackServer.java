package org.earshot.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the test servers ({@link InfluxServer}, {@link MosquittoBroker}) share: one real server process on loopback
 * ports that a test can stop, kill like a crash, and start again on the same ports with the same data. A subclass
 * launches its process (and says whether it came up or found a port taken), names its listeners and describes a
 * failure with its logs.
 */
public abstract class LoopbackServer implements AutoCloseable {
    /** How long {@link #restart()} keeps retrying while a port is still held (e.g. connections in TIME_WAIT). */
    public static final Duration REBIND_TIMEOUT = Duration.ofSeconds(10);

    /** How a launch ended: the server answers, or it exited because a port was taken. */
    enum Launch { READY, ADDRESS_IN_USE }

    private final String name;
    /** The running process, or the last one; null before the first launch. */
    protected Process process;

    protected LoopbackServer(String name) {
        this.name = name;
    }

    /**
     * Starts the process on the configured ports and waits until it answers; {@link Launch#ADDRESS_IN_USE} when it
     * exited because a port is taken. Throws on any other failure.
     */
    abstract Launch launch();

    /**
     * Waits until the just started process {@code started} is {@code ready} or has exited: READY, ADDRESS_IN_USE
     * when it exited and its {@code output} says a port is taken; otherwise throws, naming {@code what} (e.g.
     * "mosquitto") with the server's logs. A process that neither answers nor exits in time is killed.
     */
    protected Launch awaitLaunch(Process started, String what, String waitingFor, Duration timeout,
            BooleanSupplier ready, Supplier<String> output, Predicate<String> addressInUse) {
        try {
            Await.until(() -> !started.isAlive() || ready.getAsBoolean(), timeout,
                    () -> describe(what + " (pid " + started.pid() + ") to " + waitingFor));
        } catch (AssertionError timedOut) {
            kill();
            throw new IllegalStateException(timedOut.getMessage(), timedOut);
        }
        if (started.isAlive()) {
            return Launch.READY;
        }
        ServerProcesses.untrack(started);
        if (addressInUse.test(output.get())) {
            return Launch.ADDRESS_IN_USE;
        }
        throw new IllegalStateException(describe(what + " exited with code " + started.exitValue()
                + " during start-up"));
    }

    /** The addresses it listens on, for messages. */
    abstract String listeners();

    /** {@code what}, followed by the ends of the server's logs and its configuration. */
    abstract String describe(String what);

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, then waits for it to exit (SIGKILL if it has not within 10 s). No-op when not running. */
    public void stop() {
        ServerProcesses.stop(process, name);
    }

    /** SIGKILL (no clean shutdown, like a crash or {@code kill -9}), then waits for it to exit. */
    public void kill() {
        ServerProcesses.kill(process, name);
    }

    /** Starts it again with the same configuration on the same ports, after {@link #kill()} or {@link #stop()}. */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        long deadline = System.nanoTime() + REBIND_TIMEOUT.toNanos();
        while (launch() != Launch.READY) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(describe(name + " could not bind " + listeners() + " again within "
                        + REBIND_TIMEOUT.toSeconds() + " s (address already in use)"));
            }
            ServerProcesses.pause();
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
