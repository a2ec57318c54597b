package org.earshot.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.vertx.core.Vertx;
import org.earshot.audio.FrameCodec;
import org.earshot.audio.SampleFormat;
import org.earshot.audio.SensorFrame;
import org.earshot.sensor.Credentials;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.PcmReader;
import org.earshot.sensor.SensorAgent;
import org.earshot.sensor.TrustStore;
import org.earshot.sensor.WebSocketSensorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot sensor}: the reference sensor agent. Reads raw interleaved PCM from a capture device (typically
 * {@code arecord -t raw} on standard input), cuts it into frames of protocol version 1 and streams them to the
 * service over MQTT or WebSocket as one sensor, buffering through connection losses ({@link SensorAgent}). Ends the
 * stream with the end-of-stream flag at the end of the input or on SIGINT/SIGTERM, then disconnects cleanly.
 * Everything it prints goes to standard error; it never prints the token.
 */
@Command(name = "sensor", mixinStandardHelpOptions = true,
        description = {"Stream raw PCM from a capture device to a running service (earshot serve), as one sensor.",
                "Example: arecord -D plughw:1,0 -f S16_LE -r 16000 -c 1 -t raw | "
                        + "earshot sensor --credentials pole-12.csv --host SERVER"})
public final class SensorCommand implements Callable<Integer> {
    /** How long, at the end, the agent waits for the service to acknowledge what it holds. */
    static final long DRAIN_MILLIS = 15_000;
    /** A connection with frames in flight and no acknowledgement for this long is taken as lost. */
    static final long STALL_MILLIS = 20_000;
    static final long CONNECT_TIMEOUT_MILLIS = 30_000;
    static final long STATUS_MILLIS = 30_000;
    /** Frames awaiting acknowledgement at once: this much audio. */
    static final int IN_FLIGHT_MILLIS = 2_000;
    /**
     * A backlog goes at most this many times faster than real time, after one second at once: the service keeps 2 s
     * of a sensor's audio waiting by default ({@code ingest.queue_seconds}) and drops the oldest beyond.
     */
    static final double CATCH_UP_SPEED = 4;
    static final long CATCH_UP_BURST_MILLIS = 1_000;

    @Option(names = "--credentials", required = true, paramLabel = "FILE",
            description = "CSV of sensor,token (as written by `earshot sensors add`); the first row is used")
    Path credentials;

    @Option(names = "--id", description = "Use this sensor's row of the credentials file instead of the first")
    String id;

    @picocli.CommandLine.Mixin
    ServiceConnectionOptions connection = new ServiceConnectionOptions();

    @Option(names = "--host", required = true, description = "Service host name or address")
    String host;

    @Option(names = "--input", paramLabel = "-|FILE", description = "Raw interleaved PCM, no header: - for standard "
            + "input (default), or a file (a regular file is read in real time, like a device)")
    String input = "-";

    @Option(names = "--format", description = "Sample format: s16le, s24le, s32le or f32le (default: "
            + "${DEFAULT-VALUE})")
    String format = "s16le";

    @Option(names = "--rate", description = "Sample rate in Hz, 8000..192000 (default: ${DEFAULT-VALUE})")
    int rate = 16000;

    @Option(names = "--channels", description = "Interleaved channels, 1..8 (default: ${DEFAULT-VALUE})")
    int channels = 1;

    @Option(names = "--frame-ms", description = "Audio per frame in ms, 10..1000 (default: ${DEFAULT-VALUE})")
    int frameMillis = 100;

    @Option(names = "--reconnect-seconds", description = "Pause between connection attempts, 0.1..3600 (default: "
            + "${DEFAULT-VALUE})")
    double reconnectSeconds = 2;

    @Option(names = "--buffer-seconds", description = "Audio kept in memory while the service cannot take it, "
            + "1..3600; the oldest is dropped beyond (default: ${DEFAULT-VALUE})")
    double bufferSeconds = 10;

    @Override
    public Integer call() throws Exception {
        SampleFormat sampleFormat;
        try {
            sampleFormat = SampleFormat.fromName(format);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--format must be s16le, s24le, s32le or f32le, got '" + format + "'");
        }
        if (rate < FrameCodec.MIN_SAMPLE_RATE || rate > FrameCodec.MAX_SAMPLE_RATE) {
            throw new BadInputException("--rate must be " + FrameCodec.MIN_SAMPLE_RATE + ".."
                    + FrameCodec.MAX_SAMPLE_RATE + " Hz, got " + rate);
        }
        if (channels < 1 || channels > FrameCodec.MAX_CHANNELS) {
            throw new BadInputException("--channels must be 1.." + FrameCodec.MAX_CHANNELS + ", got " + channels);
        }
        if (frameMillis < 10 || frameMillis > 1000) {
            throw new BadInputException("--frame-ms must be 10..1000, got " + frameMillis);
        }
        if (!(reconnectSeconds >= 0.1 && reconnectSeconds <= 3600)) {
            throw new BadInputException("--reconnect-seconds must be 0.1..3600, got " + reconnectSeconds);
        }
        if (!(bufferSeconds >= 1 && bufferSeconds <= 3600)) {
            throw new BadInputException("--buffer-seconds must be 1..3600, got " + bufferSeconds);
        }
        boolean mqtt = connection.mqtt();
        int servicePort = connection.port();
        if (host.isBlank()) {
            throw new BadInputException("--host must not be empty");
        }
        int samplesPerFrame = PcmReader.samplesPerFrame(rate, frameMillis);
        long frameBytes = FrameCodec.HEADER_BYTES + (long) samplesPerFrame * channels * sampleFormat.bytesPerSample();
        if (frameBytes > FrameCodec.DEFAULT_MAX_FRAME_BYTES) {
            throw new BadInputException(String.format(Locale.ROOT, "a frame of %d ms of %d channel(s) of %s at %d Hz "
                    + "is %d bytes, over the service's default limit of %d; use a shorter --frame-ms", frameMillis,
                    channels, sampleFormat.wireName(), rate, frameBytes, FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        }
        Credentials sensor = credentials();
        TrustStore trust = connection.trust();
        boolean stdin = "-".equals(input);
        Path inputFile = stdin ? null : Path.of(input);
        if (inputFile != null && (!Files.exists(inputFile) || Files.isDirectory(inputFile))) {
            throw new BadInputException("input not found: " + input);
        }
        double frameSeconds = samplesPerFrame / (double) rate;
        int bufferFrames = Math.max(2, (int) Math.ceil(bufferSeconds / frameSeconds));
        int maxInFlight = Math.max(1, Math.min(bufferFrames - 1, (int) Math.ceil(IN_FLIGHT_MILLIS / 1000.0
                / frameSeconds)));
        SensorAgent.Settings settings = new SensorAgent.Settings(bufferFrames, maxInFlight,
                Math.round(reconnectSeconds * 1000), STATUS_MILLIS, DRAIN_MILLIS, STALL_MILLIS,
                CONNECT_TIMEOUT_MILLIS, CATCH_UP_SPEED, CATCH_UP_BURST_MILLIS);

        InputStream in;
        try {
            in = stdin ? System.in : Files.isRegularFile(inputFile)
                    ? new PacedInputStream(Files.newInputStream(inputFile), (long) rate * channels
                            * sampleFormat.bytesPerSample())
                    : Files.newInputStream(inputFile);
        } catch (IOException e) {
            throw new BadInputException("cannot open input " + input + ": " + e.getMessage(), e);
        }
        // A sequence number that only grows across restarts (sensors/PROTOCOL.md, section 3): the wall clock in frames.
        long firstSequence = PcmReader.systemMicros() / Math.max(1, Math.round(frameSeconds * 1e6));
        PcmReader reader = new PcmReader(in, sampleFormat, rate, channels, samplesPerFrame, firstSequence);

        // The MQTT and WebSocket clients log every refused connection attempt themselves; the agent's one line per
        // change is enough.
        System.setProperty("org.slf4j.simpleLogger.log.io.vertx.mqtt.impl.MqttClientImpl", "off");
        System.setProperty("org.slf4j.simpleLogger.log.io.vertx.core.http.impl.HttpClientConnectionInternal", "error");
        String name = "sensor " + sensor.sensorId();
        String target = target(mqtt, trust, host, servicePort);
        System.err.printf(Locale.ROOT, "%s: reading %s, %s %d Hz, %d channel(s), in %d ms frames; streaming to %s "
                        + "over %s; buffering up to %s s%n", name, stdin ? "standard input" : input,
                sampleFormat.wireName(), rate, channels, frameMillis, target, connection.transport, trimmed(bufferSeconds));
        warnIfReadableByOthers(credentials);

        Vertx vertx = Vertx.vertx();
        SensorAgent.Connector connector = connector(vertx, mqtt, host, servicePort, sensor, maxInFlight, trust,
                error -> System.err.println(name + ": the service refused a frame: " + error));
        SensorAgent agent = new SensorAgent(vertx, connector, settings, name, target, System.err::println);
        Thread hook = new Thread(() -> {
            // SIGINT or SIGTERM: end the stream as at the end of the input, then exit with the same status.
            System.err.println(name + ": stopping; ending the stream");
            agent.stop();
            int status = awaitStatus(agent, DRAIN_MILLIS + 30_000);
            try {
                vertx.close().await(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // Exiting anyway.
            }
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }, "earshot-sensor-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread readerThread = new Thread(() -> read(reader, agent, name), "earshot-sensor-reader");
        readerThread.setDaemon(true);
        try {
            agent.start();
            readerThread.start();
            int status = awaitStatus(agent, 0);
            if (reader.discardedBytes() > 0) {
                System.err.printf(Locale.ROOT, "%s: discarded %d byte(s) of an incomplete sample at the end of the "
                        + "input%n", name, reader.discardedBytes());
            }
            return status;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // A signal is being handled: the hook finishes and exits.
            }
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** Where an agent sends, for its log lines: scheme, host and port, never a credential. */
    static String target(boolean mqtt, TrustStore trust, String host, int port) {
        return (mqtt ? trust == null ? "mqtt://" : "mqtts://" : trust == null ? "ws://" : "wss://") + host + ":" + port;
    }

    /**
     * How an agent connects as {@code sensor}: over MQTT one client per attempt (an MQTT client is one connection),
     * over WebSocket one client for every attempt (it opens a new socket on each connect); {@code refusals} gets the
     * service's refusals of frames (WebSocket only).
     */
    static SensorAgent.Connector connector(Vertx vertx, boolean mqtt, String host, int port, Credentials sensor,
                                           int maxInFlight, TrustStore trust, Consumer<String> refusals) {
        if (mqtt) {
            return onLost -> new MqttSensorClient(vertx, host, port, sensor.sensorId(), sensor.token(), maxInFlight,
                    trust).closeHandler(onLost);
        }
        WebSocketSensorClient ws = new WebSocketSensorClient(vertx, host, port, sensor.sensorId(), sensor.token(),
                trust, refusals);
        return onLost -> ws.closeHandler(onLost);
    }

    private static void read(PcmReader reader, SensorAgent agent, String name) {
        try {
            SensorFrame frame;
            while ((frame = reader.next()) != null) {
                agent.offer(frame);
            }
        } catch (IOException e) {
            System.err.println(name + ": cannot read the input (" + e.getMessage() + "); ending the stream");
            agent.stop();
        }
    }

    /**
     * Waits for the stream to end and returns the exit status: 0 when everything was delivered. Without a limit
     * ({@code limitMillis} 0) it waits as long as the input lasts, which for a device is for ever.
     */
    private static int awaitStatus(SensorAgent agent, long limitMillis) {
        try {
            CompletableFuture<SensorAgent.Outcome> done = agent.done().toCompletionStage()
                    .toCompletableFuture();
            SensorAgent.Outcome outcome = limitMillis > 0 ? done.get(limitMillis, TimeUnit.MILLISECONDS)
                    : done.get();
            return outcome.complete() ? 0 : Earshot.EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Earshot.EXIT_FAILURE;
        } catch (ExecutionException | TimeoutException e) {
            return Earshot.EXIT_FAILURE;
        }
    }

    private Credentials credentials() {
        List<Credentials> all;
        try {
            all = Credentials.read(Paths.requireFile(credentials, "credentials file"));
        } catch (IOException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        if (id == null) {
            return all.get(0);
        }
        return all.stream().filter(c -> c.sensorId().equals(id)).findFirst().orElseThrow(() ->
                new BadInputException("no sensor '" + id + "' in " + credentials + " (it has "
                        + all.stream().map(Credentials::sensorId).collect(Collectors.joining(", ")) + ")"));
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                System.err.println("earshot: warning: " + file + " holds a token and is readable by others; "
                        + "chmod 600 it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }

    private static String trimmed(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /**
     * Delivers a file's bytes no faster than a device would capture them ({@code bytesPerSecond}), so that a
     * recording streams in real time and its frames get real-time capture times.
     */
    static final class PacedInputStream extends FilterInputStream {
        private final long bytesPerSecond;
        private long position;
        private long startNanos = -1;

        PacedInputStream(InputStream in, long bytesPerSecond) {
            super(in);
            this.bytesPerSecond = bytesPerSecond;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (startNanos < 0) {
                startNanos = System.nanoTime();
            }
            int n = super.read(b, off, len);
            if (n > 0) {
                position += n;
                long due = startNanos + Math.round(position * 1e9 / bytesPerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted");
                    }
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("skip is not supported");
        }
    }
}
