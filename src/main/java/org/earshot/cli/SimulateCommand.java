package org.earshot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.earshot.audio.AudioClip;
import org.earshot.audio.AudioLoader;
import org.earshot.audio.Resampler;
import org.earshot.ingest.Topics;
import org.earshot.sensor.Credentials;
import org.earshot.sensor.LatencyReport;
import org.earshot.sensor.MqttSensorClient;
import org.earshot.sensor.SensorAgent;
import org.earshot.sensor.SensorClient;
import org.earshot.sensor.Simulation;
import org.earshot.sensor.SimulationEvents;
import org.earshot.sensor.TrustStore;
import org.earshot.sensor.WebSocketSensorClient;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.GroundTruth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot simulate}: N simulated sensors stream a recording to a running service in real time (or faster),
 * each with its own credentials, over MQTT or WebSocket. With {@code --report} it also subscribes, as a reader
 * ({@code --reader}, the key in {@code EARSHOT_READER_KEY}), to the service's detections and alerts and prints, as
 * one JSON object on standard output, what was sent and the latency from the end of each known event's audio to its
 * alert and to its final record. With {@code --reconnect} each sensor runs as {@code earshot sensor} does (a {@link
 * SensorAgent}: buffered in RAM, reconnecting and resending what was not acknowledged), for failover benchmarks; with
 * {@code --events-out} it writes each sensor's stream starts, connections, losses and end to a CSV as they happen.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Stream a recording from N simulated sensors to a running service (earshot serve).")
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--credentials", required = true, paramLabel = "FILE",
            description = "CSV of sensor,token (as written by `earshot sensors add`)")
    Path credentials;

    @Option(names = "--sensors", paramLabel = "N", description = "Use the first N sensors of the file (default: all)")
    Integer sensors;

    @picocli.CommandLine.Mixin
    ServiceConnectionOptions connection = new ServiceConnectionOptions();

    @Option(names = "--host", description = "Service host (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--mqtt-port", description = "MQTT port for --report when streaming over WebSocket (default: "
            + "${DEFAULT-VALUE})")
    int mqttPort = 1883;

    @Option(names = "--audio", paramLabel = "FILE.wav", description = "Recording to stream (default: demo/demo.wav)")
    Path audio;

    @Option(names = "--truth", paramLabel = "FILE.csv", description = "Known events of the recording, class,onset,"
            + "offset (default: demo/demo.csv with the default audio)")
    Path truth;

    @Option(names = "--audio-seconds", paramLabel = "S", description = "Use only the first S seconds of the "
            + "recording (and its known events that end by then)")
    Double audioSeconds;

    @Option(names = "--rate", description = "Sample rate the sensors send at (resampled; default: ${DEFAULT-VALUE})")
    int rate = 16000;

    @Option(names = "--frame-ms", description = "Audio per frame in ms (default: ${DEFAULT-VALUE})")
    int frameMillis = 100;

    @Option(names = "--loops", description = "Times each sensor plays the recording (default: ${DEFAULT-VALUE})")
    int loops = 1;

    @Option(names = "--speed", description = "Playback speed; latency figures need 1 (default: ${DEFAULT-VALUE})")
    double speed = 1.0;

    @Option(names = "--stagger-seconds", paramLabel = "S", description = "Start each sensor after a random delay of"
            + " up to S seconds, so that many sensors do not send at the same instant (default: one frame period,"
            + " --frame-ms; a larger S spreads the load but delays some sensors' first frames by up to S)")
    Double staggerSeconds;

    @Option(names = "--max-in-flight", description = "Frames a sensor may have unacknowledged (default: "
            + "${DEFAULT-VALUE})")
    int maxInFlight = 50;

    @Option(names = "--reconnect", description = "Run each sensor as `earshot sensor` does: frames are taken when"
            + " due whatever the connection does, buffered in RAM (--buffer-seconds), and after a lost connection the"
            + " sensor reconnects every --reconnect-ms and resends what was not acknowledged; the loops form one"
            + " stream. Without it a sensor whose connection drops stops and the run fails")
    boolean reconnect;

    @Option(names = "--reconnect-ms", paramLabel = "MS", description = "With --reconnect, pause between connection "
            + "attempts, 10..60000 (default: ${DEFAULT-VALUE})")
    long reconnectMillis = 500;

    @Option(names = "--buffer-seconds", paramLabel = "S", description = "With --reconnect, audio each sensor keeps "
            + "in RAM while the service cannot take it, 1..3600; the oldest is dropped beyond (default: "
            + "${DEFAULT-VALUE})")
    double bufferSeconds = 30;

    @Option(names = "--events-out", paramLabel = "FILE.csv", description = "Write time_us,sensor,event,detail "
            + "lines as things happen: stream_start (detail loop=N;capture_start_us=T, the loop's capture-clock "
            + "start), connected, lost (detail: the reason) and finished")
    Path eventsOut;

    /** With --reconnect: a connection with frames unacknowledged this long is taken as lost. */
    static final long STALL_MILLIS = 5_000;
    /** With --reconnect: a connection attempt without an answer this long has failed. */
    static final long CONNECT_TIMEOUT_MILLIS = 5_000;
    /** With --reconnect the agents print no status lines of their own: the progress line says it for all. */
    static final long AGENT_STATUS_MILLIS = 86_400_000;

    private static final String QUIET_MQTT_CLIENT = "org.slf4j.simpleLogger.log.io.vertx.mqtt.impl.MqttClientImpl";

    @Option(names = "--report", description = "Subscribe to detections and alerts and report latency; needs --reader")
    boolean report;

    @Option(names = "--reader", paramLabel = "NAME", description = "With --report, subscribe as this reader: an API "
            + "key of the operator or auditor role (earshot api-keys add), the key itself in " + READER_KEY_ENV)
    String reader;

    static final String READER_KEY_ENV = "EARSHOT_READER_KEY";

    @Option(names = "--linger-seconds", description = "With --report, wait this long after the last frame for "
            + "detections (default: ${DEFAULT-VALUE})")
    double lingerSeconds = 5;

    @Override
    public Integer call() throws Exception {
        // Vert.x's MQTT client logs a failed connect with its stack trace; this command says it in one line itself.
        if (System.getProperty(QUIET_MQTT_CLIENT) == null) {
            System.setProperty(QUIET_MQTT_CLIENT, "off");
        }
        List<Credentials> all;
        try {
            all = Credentials.read(Paths.requireFile(credentials, "credentials file"));
        } catch (IOException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        if (sensors != null && (sensors < 1 || sensors > all.size())) {
            throw new BadInputException("--sensors must be 1.." + all.size() + " (the credentials file has "
                    + all.size() + "), got " + sensors);
        }
        List<Credentials> chosen = sensors == null ? all : all.subList(0, sensors);
        String readerKey = System.getenv(READER_KEY_ENV);
        if (report && (reader == null || readerKey == null || readerKey.isBlank())) {
            // Sensors' tokens may read only their own errors topic: the outputs are for readers.
            throw new BadInputException("--report subscribes to detections as a reader: create one with ./earshot "
                    + "api-keys add --name NAME --role operator, then pass --reader NAME and the key in "
                    + READER_KEY_ENV);
        }
        boolean mqtt = connection.mqtt();
        if (frameMillis < 10 || frameMillis > 1000 || loops < 1 || !(speed > 0) || maxInFlight < 1) {
            throw new BadInputException("--frame-ms must be 10..1000, --loops >= 1, --speed > 0, --max-in-flight >= 1");
        }
        if (reconnectMillis < 10 || reconnectMillis > 60_000) {
            throw new BadInputException("--reconnect-ms must be 10..60000, got " + reconnectMillis);
        }
        if (!(bufferSeconds >= 1 && bufferSeconds <= 3600)) {
            throw new BadInputException("--buffer-seconds must be 1..3600, got " + bufferSeconds);
        }
        SensorAgent.Settings agentSettings = reconnect ? agentSettings(frameMillis, bufferSeconds, maxInFlight,
                reconnectMillis, speed) : null;
        if (staggerSeconds != null && !(staggerSeconds >= 0)) {
            throw new BadInputException("--stagger-seconds must be 0 or more, got " + staggerSeconds);
        }
        Path audioFile = audio == null ? Paths.home().resolve("demo/demo.wav") : audio;
        Path truthFile = truth != null ? truth : audio == null ? Paths.home().resolve("demo/demo.csv") : null;
        AudioClip clip = AudioLoader.load16k(Paths.requireFile(audioFile, "audio file"));
        List<Event> events = truthFile == null ? List.of() : GroundTruth.read(Paths.requireFile(truthFile, "truth"));
        if (audioSeconds != null) {
            if (!(audioSeconds >= 1) || audioSeconds > clip.durationSeconds()) {
                throw new BadInputException(String.format(Locale.ROOT, "--audio-seconds must be 1..%.1f (the "
                        + "recording's length), got %s", clip.durationSeconds(), audioSeconds));
            }
            clip = new AudioClip(java.util.Arrays.copyOf(clip.samples(),
                    (int) Math.round(audioSeconds * clip.sampleRate())), clip.sampleRate());
            double end = clip.durationSeconds();
            events = events.stream().filter(e -> e.offset() <= end).toList();
        }
        if (report && events.isEmpty()) {
            // Latency is measured against the recording's known events: without one, --report could match nothing.
            throw new BadInputException("--report measures latency against the recording's known events, and there"
                    + " are none: " + (truthFile == null ? "give --truth FILE.csv (class,onset,offset) with --audio"
                    : audioSeconds != null ? "--audio-seconds " + audioSeconds + " ends before the first known event"
                    + " of " + truthFile + " ends" : truthFile + " lists no event"));
        }
        float[] samples = rate == clip.sampleRate() ? clip.samples() : Resampler.resample(clip.samples(),
                clip.sampleRate(), rate);
        int servicePort = connection.port();
        TrustStore trust = connection.trust();
        double stagger = staggerSeconds != null ? staggerSeconds : defaultStaggerSeconds(frameMillis);
        LatencyReport latency = new LatencyReport(events);

        SimulationEvents eventLog;
        try {
            eventLog = eventsOut == null ? SimulationEvents.NONE : SimulationEvents.open(eventsOut);
        } catch (IOException e) {
            throw new BadInputException("cannot write --events-out " + eventsOut + ": " + e.getMessage(), e);
        }
        Vertx vertx = Vertx.vertx();
        try (SimulationEvents closing = eventLog) {
            MqttClient monitor = report ? subscribe(vertx, reader, readerKey, mqtt ? servicePort : mqttPort, trust,
                    latency) : null;
            Simulation simulation = new Simulation(eventLog);
            long started = System.nanoTime();
            long progress = vertx.setPeriodic(10_000, t -> System.err.println(progressLine(
                    (System.nanoTime() - started) / 1e9, simulation.counts(), report ? latency : null)));
            System.err.printf(Locale.ROOT, "simulate: %d sensor(s) over %s to %s:%d, %.1f s of audio x %d loop(s) at "
                            + "%s Hz, speed %.1f%s%n", chosen.size(), connection.transport, host, servicePort,
                    clip.durationSeconds(), loops, rate, speed, reconnect ? String.format(Locale.ROOT, ", as agents "
                            + "buffering %s s and reconnecting every %d ms", bufferSeconds, reconnectMillis) : "");
            int frameSamples = rate * frameMillis / 1000;
            Future<Void> running = reconnect
                    ? simulation.runAgents(vertx, chosen, c -> SensorCommand.connector(vertx, mqtt, host,
                                    servicePort, c, maxInFlight, trust, error -> System.err.println("simulate: sensor "
                                    + c.sensorId() + " refused a frame: " + error)), samples, rate, frameSamples,
                            loops, speed, stagger, agentSettings, SensorCommand.target(mqtt, trust, host,
                                    servicePort), System.err::println, 1)
                    : simulation.run(vertx, chosen, c -> client(vertx, mqtt, servicePort, c, trust), samples, rate,
                            frameSamples, loops, speed, stagger, maxInFlight, 1);
            CompletableFuture<Void> done = running.toCompletionStage().toCompletableFuture();
            try {
                done.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            if (report) {
                TimeUnit.MILLISECONDS.sleep(Math.round(lingerSeconds * 1000));
            }
            vertx.cancelTimer(progress);
            Simulation.Counts c = simulation.counts();
            JsonObject out = new JsonObject();
            out.addProperty("sensors", chosen.size());
            out.addProperty("transport", connection.transport);
            out.addProperty("audio_seconds_per_sensor", Math.round(clip.durationSeconds() * loops * 10) / 10.0);
            out.addProperty("wall_seconds", Math.round(seconds * 10) / 10.0);
            out.addProperty("frames_acknowledged", c.framesSent());
            out.addProperty("frames_failed", c.framesFailed());
            out.addProperty("send_stalls", c.sendStalls());
            out.addProperty("max_send_lag_ms", c.maxLagMillis());
            out.addProperty("sensors_disconnected", c.sensorsDisconnected());
            Simulation.AgentCounts agents = simulation.agentCounts();
            if (reconnect) {
                out.addProperty("connections", agents.connections());
                out.addProperty("connections_lost", agents.connectionsLost());
                out.addProperty("reconnects", agents.reconnects());
                out.addProperty("frames_dropped", agents.framesDropped());
                out.addProperty("frames_undelivered", agents.framesUndelivered());
            }
            long expected = (long) events.size() * loops * chosen.size();
            if (report) {
                out.add("latency", latency.toJson(expected));
                monitor.disconnect();
            }
            System.out.println(out);
            if (report) {
                System.err.println("simulate: " + LATENCY_MEANING);
            }
            String problem = reconnect ? agentProblem(agents) : null;
            if (problem == null) {
                problem = problem(c, report, expected, latency.matched(true));
            }
            if (problem != null) {
                System.err.println("simulate: " + problem);
                return Earshot.EXIT_FAILURE;
            }
            return 0;
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** What the latency figures of --report measure; printed after them. */
    static final String LATENCY_MEANING = "latency_* runs from the end of each known event's audio (its capture time,"
            + " stamped by this simulator) to the message's arrival here, both on this machine's clock; an alert is"
            + " sent while an event goes on, so its latency is negative for events longer than the alert's delay"
            + " (the alert came before the event ended). since_onset_* runs from the event's start.";

    /** A progress line; matches are counted only with --report ({@code latency} not null). */
    static String progressLine(double seconds, Simulation.Counts c, LatencyReport latency) {
        return String.format(Locale.ROOT, "simulate: %.0f s, %d frames acknowledged, %d failed%s", seconds,
                c.framesSent(), c.framesFailed(), latency == null ? "" : String.format(Locale.ROOT,
                        ", %d alerts and %d final detections matched", latency.matched(false),
                        latency.matched(true)));
    }

    /**
     * The agents' settings for --reconnect: {@code bufferSeconds} of frames, {@code maxInFlight} awaiting
     * acknowledgement, a stall of {@link #STALL_MILLIS}, and a backlog sent at most {@link
     * SensorCommand#CATCH_UP_SPEED} times faster than the playback speed (at --speed 1, as {@code earshot sensor}).
     */
    static SensorAgent.Settings agentSettings(int frameMillis, double bufferSeconds, int maxInFlight,
                                              long reconnectMillis, double speed) {
        int bufferFrames = (int) Math.ceil(bufferSeconds * 1000 / frameMillis);
        if (maxInFlight >= bufferFrames) {
            throw new BadInputException(String.format(Locale.ROOT, "--max-in-flight (%d frames) must be under "
                    + "--buffer-seconds' %d frames of %d ms", maxInFlight, bufferFrames, frameMillis));
        }
        return new SensorAgent.Settings(bufferFrames, maxInFlight, reconnectMillis, AGENT_STATUS_MILLIS,
                SensorCommand.DRAIN_MILLIS, STALL_MILLIS, CONNECT_TIMEOUT_MILLIS,
                SensorCommand.CATCH_UP_SPEED * Math.max(1, speed), SensorCommand.CATCH_UP_BURST_MILLIS);
    }

    /** Why a --reconnect run failed, or null: audio was lost, dropped from a full buffer or never acknowledged. */
    static String agentProblem(Simulation.AgentCounts a) {
        if (a.framesDropped() > 0 || a.framesUndelivered() > 0) {
            return a.framesDropped() + " frame(s) dropped from full buffers, " + a.framesUndelivered()
                    + " undelivered";
        }
        return null;
    }

    /** The default stagger: one frame period, enough to keep many sensors from sending at the same instant. */
    static double defaultStaggerSeconds(int frameMillis) {
        return frameMillis / 1000.0;
    }

    /**
     * Why the run failed, or null: frames not acknowledged, sensors disconnected, or, with --report, not one final
     * detection matched the recording's known events although it has some.
     */
    static String problem(Simulation.Counts c, boolean report, long expectedEvents, int matchedFinal) {
        if (c.framesFailed() > 0 || c.sensorsDisconnected() > 0) {
            return c.framesFailed() + " frame(s) failed, " + c.sensorsDisconnected() + " sensor(s) disconnected";
        }
        if (report && expectedEvents > 0 && matchedFinal == 0) {
            return "--report: none of the " + expectedEvents + " known event(s) got a matching final detection"
                    + " (is the service analysing this sensor, with its model and thresholds?)";
        }
        return null;
    }

    private SensorClient client(Vertx vertx, boolean mqtt, int servicePort, Credentials c, TrustStore trust) {
        return mqtt ? new MqttSensorClient(vertx, host, servicePort, c.sensorId(), c.token(), maxInFlight, trust)
                : new WebSocketSensorClient(vertx, host, servicePort, c.sensorId(), c.token(), trust,
                        error -> System.err.println("simulate: sensor " + c.sensorId() + " refused a frame: " + error));
    }

    private MqttClient subscribe(Vertx vertx, String readerName, String readerKey, int port, TrustStore trust,
                                 LatencyReport latency) throws Exception {
        MqttClientOptions options = new MqttClientOptions().setClientId(readerName + "-simulate")
                .setUsername(readerName).setPassword(readerKey).setMaxMessageSize(65536);
        if (trust != null) {
            options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS").setTrustOptions(trust.options());
        }
        MqttClient client = MqttClient.create(vertx, options);
        client.publishHandler(m -> {
            long now = System.currentTimeMillis() * 1000;
            JsonObject o = JsonParser.parseString(m.payload().toString(StandardCharsets.UTF_8)).getAsJsonObject();
            double streamOnset = o.get("stream_onset").getAsDouble();
            long streamStart = o.get("onset_us").getAsLong() - Math.round(streamOnset * 1e6);
            latency.record("final".equals(o.get("stage").getAsString()), o.get("sensor").getAsString(),
                    o.get("class").getAsString(), streamOnset, streamStart, now);
        });
        Future<?> ready = client.connect(port, host).compose(ack -> client.subscribe(java.util.Map.of(
                Topics.PREFIX + "/detections/#", MqttQoS.AT_LEAST_ONCE.value(), Topics.PREFIX + "/alerts/#",
                MqttQoS.AT_LEAST_ONCE.value())));
        try {
            ready.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalStateException("--report cannot subscribe to detections on " + host + ":" + port + ": "
                    + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), e);
        }
        return client;
    }
}
