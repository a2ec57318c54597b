package org.earshot.sensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

/**
 * Simulated sensors: each plays the same recording through its own {@link SensorClient}, paced in real time (or
 * faster). The sensors are spread over a few verticles, each driving its share from one timer, so that a thousand
 * sensors cost a thousand connections but not a thousand timers. Counts what was sent, refused by the client
 * (too many frames awaiting acknowledgement) and how late the sends ran.
 *
 * <p>{@link #runAgents} instead makes each simulated sensor a {@link SensorAgent}, as {@code earshot sensor} runs on
 * a real sensor: frames are offered when due whatever the connection does (a capture device never pauses), buffered
 * in RAM, and resent after a reconnection. The agents keep their own (slow) watchdog timers; the frames still come
 * from one timer per verticle. Either way the {@link SimulationEvents} given to the constructor get each sensor's
 * stream starts, connections, losses and end.
 */
public final class Simulation {
    /** What a run sent. */
    public record Counts(long framesSent, long framesFailed, long sendStalls, long maxLagMillis,
                         long sensorsDisconnected) {}

    /**
     * What the agents of {@link #runAgents} went through: connections made (first ones included), connections lost,
     * reconnections (connections after a sensor's first), frames dropped from full buffers and frames still
     * unacknowledged when an agent gave up waiting at the end.
     */
    public record AgentCounts(long connections, long connectionsLost, long reconnects, long framesDropped,
                              long framesUndelivered) {}

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong maxLagNanos = new AtomicLong();
    private final AtomicLong disconnected = new AtomicLong();
    private final AtomicLong undelivered = new AtomicLong();
    private final List<SensorAgent> agents = Collections.synchronizedList(new ArrayList<>());
    private final SimulationEvents events;

    public Simulation() {
        this(SimulationEvents.NONE);
    }

    public Simulation(SimulationEvents events) {
        this.events = Objects.requireNonNull(events, "events");
    }

    public Counts counts() {
        long agentsSent = 0;
        synchronized (agents) {
            for (SensorAgent a : agents) {
                agentsSent += a.status().framesSent();
            }
        }
        return new Counts(sent.get() + agentsSent, failed.get(), stalls.get(), maxLagNanos.get() / 1_000_000,
                disconnected.get());
    }

    /** The agents' counts so far ({@link #runAgents}; zeros otherwise). */
    public AgentCounts agentCounts() {
        long connections = 0;
        long lost = 0;
        long reconnects = 0;
        long dropped = 0;
        synchronized (agents) {
            for (SensorAgent a : agents) {
                SensorAgent.Status s = a.status();
                connections += s.connects();
                lost += s.connectionsLost();
                reconnects += Math.max(0, s.connects() - 1);
                dropped += s.framesDropped();
            }
        }
        return new AgentCounts(connections, lost, reconnects, dropped, undelivered.get());
    }

    /**
     * Connects every sensor, plays the recording {@code loops} times on each and completes when all have sent
     * their last frame (or fails when a sensor cannot connect).
     */
    public Future<Void> run(Vertx vertx, List<Credentials> sensors, Function<Credentials, SensorClient> clients,
                            float[] samples, int sampleRate, int frameSamples, int loops, double speed,
                            double staggerSeconds, int maxInFlight, long seed) {
        List<List<Credentials>> shares = new ArrayList<>();
        List<List<Double>> delays = new ArrayList<>();
        share(sensors, staggerSeconds, seed, shares, delays);
        List<Future<?>> done = new ArrayList<>();
        for (int v = 0; v < shares.size(); v++) {
            Driver driver = new Driver(shares.get(v), delays.get(v), clients, samples, sampleRate, frameSamples,
                    loops, speed, maxInFlight);
            done.add(vertx.deployVerticle(driver).compose(id -> driver.finished.future()
                    .eventually(() -> vertx.undeploy(id))));
        }
        return Future.all(done).mapEmpty();
    }

    /**
     * Runs every sensor as a {@link SensorAgent} with {@code settings}, connecting through {@code connectors} (as
     * {@code earshot sensor} does), and plays the recording {@code loops} times into each as one stream (the
     * end-of-stream flag only after the last loop), offering each frame when due whether or not the agent is
     * connected. Completes when every agent has ended its stream; {@link #agentCounts()} then says what was lost.
     *
     * @param target where the agents send, for their log lines (never with a credential)
     * @param log    where the agents' log lines go
     */
    public Future<Void> runAgents(Vertx vertx, List<Credentials> sensors,
                                  Function<Credentials, SensorAgent.Connector> connectors, float[] samples,
                                  int sampleRate, int frameSamples, int loops, double speed, double staggerSeconds,
                                  SensorAgent.Settings settings, String target, Consumer<String> log, long seed) {
        List<List<Credentials>> shares = new ArrayList<>();
        List<List<Double>> delays = new ArrayList<>();
        share(sensors, staggerSeconds, seed, shares, delays);
        List<Future<?>> done = new ArrayList<>();
        for (int v = 0; v < shares.size(); v++) {
            AgentDriver driver = new AgentDriver(shares.get(v), delays.get(v), connectors, samples, sampleRate,
                    frameSamples, loops, speed, settings, target, log);
            done.add(vertx.deployVerticle(driver).compose(id -> driver.finished.future()
                    .eventually(() -> vertx.undeploy(id))));
        }
        return Future.all(done).mapEmpty();
    }

    /** Spreads the sensors over a few verticles (at most 4), each with its sensors' random start delays. */
    private static void share(List<Credentials> sensors, double staggerSeconds, long seed,
                              List<List<Credentials>> shares, List<List<Double>> delays) {
        int verticles = Math.max(1, Math.min(4, sensors.size()));
        Random random = new Random(seed);
        for (int v = 0; v < verticles; v++) {
            shares.add(new ArrayList<>());
            delays.add(new ArrayList<>());
        }
        for (int i = 0; i < sensors.size(); i++) {
            shares.get(i % verticles).add(sensors.get(i));
            delays.get(i % verticles).add(staggerSeconds * random.nextDouble());
        }
    }

    /** Writes {@link SimulationEvents#STREAM_START} when {@code p}'s next frame starts a loop. */
    private void noteLoopStart(String sensor, StreamPlayer p) {
        if (p.atLoopStart()) {
            events.write(sensor, SimulationEvents.STREAM_START,
                    SimulationEvents.streamStartDetail(p.loop(), p.loopStartWallMicros()));
        }
    }

    /** The sensors of one verticle as agents, fed by one timer. */
    private final class AgentDriver extends VerticleBase {
        final List<Credentials> sensors;
        final List<Double> delays;
        final Function<Credentials, SensorAgent.Connector> connectors;
        final float[] samples;
        final int sampleRate;
        final int frameSamples;
        final int loops;
        final double speed;
        final SensorAgent.Settings settings;
        final String target;
        final Consumer<String> log;
        final List<SensorAgent> mine = new ArrayList<>();
        final List<StreamPlayer> players = new ArrayList<>();
        final Promise<Void> finished = Promise.promise();
        long timer = -1;

        AgentDriver(List<Credentials> sensors, List<Double> delays,
                    Function<Credentials, SensorAgent.Connector> connectors, float[] samples, int sampleRate,
                    int frameSamples, int loops, double speed, SensorAgent.Settings settings, String target,
                    Consumer<String> log) {
            this.sensors = sensors;
            this.delays = delays;
            this.connectors = connectors;
            this.samples = samples;
            this.sampleRate = sampleRate;
            this.frameSamples = frameSamples;
            this.loops = loops;
            this.speed = speed;
            this.settings = settings;
            this.target = target;
            this.log = log;
        }

        @Override
        public Future<?> start() {
            List<Future<?>> ends = new ArrayList<>();
            long nanos = System.nanoTime();
            long wall = PcmReader.systemMicros();
            for (int i = 0; i < sensors.size(); i++) {
                String id = sensors.get(i).sensorId();
                // Created on this verticle's context: the agent's state and this timer share one thread.
                SensorAgent agent = new SensorAgent(vertx, connectors.apply(sensors.get(i)), settings,
                        "sensor " + id, target, log).listener(new SensorAgent.ConnectionListener() {
                            @Override
                            public void connected() {
                                events.write(id, SimulationEvents.CONNECTED, "");
                            }

                            @Override
                            public void lost(String reason) {
                                events.write(id, SimulationEvents.LOST, reason);
                            }
                        });
                mine.add(agent);
                agents.add(agent);
                StreamPlayer player = new StreamPlayer(samples, sampleRate, frameSamples, loops, speed, 0, false);
                player.start(nanos, wall, delays.get(i));
                players.add(player);
                ends.add(agent.done().onSuccess(o -> {
                    undelivered.addAndGet(o.undelivered());
                    events.write(id, SimulationEvents.FINISHED, "sent=" + o.framesSent() + ";dropped="
                            + o.framesDropped() + ";undelivered=" + o.undelivered());
                }));
                agent.start();
            }
            timer = vertx.setPeriodic(5, t -> tick());
            Future.all(ends).onComplete(r -> finished.tryComplete());
            return Future.succeededFuture();
        }

        @Override
        public Future<?> stop() {
            for (SensorAgent a : mine) {
                a.stop();
            }
            return Future.succeededFuture();
        }

        private void tick() {
            long now = System.nanoTime();
            boolean all = true;
            for (int i = 0; i < players.size(); i++) {
                StreamPlayer p = players.get(i);
                while (!p.finished() && p.nextDueNanos() <= now) {
                    noteLoopStart(sensors.get(i).sensorId(), p);
                    maxLagNanos.accumulateAndGet(now - p.nextDueNanos(), Math::max);
                    mine.get(i).offer(p.nextSensorFrame());
                }
                all &= p.finished();
            }
            if (all) {
                // The agents end their streams themselves: the last frame carries the end-of-stream flag.
                vertx.cancelTimer(timer);
            }
        }
    }

    private final class Driver extends VerticleBase {
        final List<Credentials> sensors;
        final List<Double> delays;
        final Function<Credentials, SensorClient> factory;
        final float[] samples;
        final int sampleRate;
        final int frameSamples;
        final int loops;
        final double speed;
        final int maxInFlight;
        final List<SensorClient> clients = new ArrayList<>();
        final List<StreamPlayer> players = new ArrayList<>();
        final List<Boolean> lost = new ArrayList<>();
        final List<Boolean> ended = new ArrayList<>();
        final Promise<Void> finished = Promise.promise();
        long timer;

        Driver(List<Credentials> sensors, List<Double> delays, Function<Credentials, SensorClient> factory,
               float[] samples, int sampleRate, int frameSamples, int loops, double speed, int maxInFlight) {
            this.sensors = sensors;
            this.delays = delays;
            this.factory = factory;
            this.samples = samples;
            this.sampleRate = sampleRate;
            this.frameSamples = frameSamples;
            this.loops = loops;
            this.speed = speed;
            this.maxInFlight = maxInFlight;
        }

        @Override
        public Future<?> start() {
            List<Future<?>> connects = new ArrayList<>();
            for (Credentials c : sensors) {
                SensorClient client = factory.apply(c);
                clients.add(client);
                players.add(new StreamPlayer(samples, sampleRate, frameSamples, loops, speed, 0));
                lost.add(false);
                ended.add(false);
                connects.add(client.connect().onSuccess(v -> events.write(c.sensorId(), SimulationEvents.CONNECTED,
                        "")).recover(e -> Future.failedFuture(new IllegalStateException(
                        "sensor " + c.sensorId() + " cannot connect: " + e.getMessage(), e))));
            }
            return Future.all(connects).onSuccess(x -> {
                long nanos = System.nanoTime();
                long wall = System.currentTimeMillis() * 1000;
                for (int i = 0; i < players.size(); i++) {
                    players.get(i).start(nanos, wall, delays.get(i));
                }
                timer = vertx.setPeriodic(5, t -> tick());
            });
        }

        @Override
        public Future<?> stop() {
            List<Future<?>> closes = new ArrayList<>();
            for (SensorClient c : clients) {
                closes.add(c.close().recover(e -> Future.succeededFuture()));
            }
            return Future.all(closes);
        }

        private void tick() {
            long now = System.nanoTime();
            boolean all = true;
            for (int i = 0; i < players.size(); i++) {
                StreamPlayer p = players.get(i);
                SensorClient client = clients.get(i);
                if (lost.get(i)) {
                    continue;
                }
                String id = sensors.get(i).sensorId();
                if (!client.isConnected()) {
                    // A sensor whose connection dropped stops here; the report counts it.
                    lost.set(i, true);
                    disconnected.incrementAndGet();
                    events.write(id, SimulationEvents.LOST, "connection closed; this mode does not reconnect");
                    continue;
                }
                while (!p.finished() && p.nextDueNanos() <= now) {
                    if (client.inFlight() >= maxInFlight) {
                        stalls.incrementAndGet();
                        break;
                    }
                    noteLoopStart(id, p);
                    maxLagNanos.accumulateAndGet(now - p.nextDueNanos(), Math::max);
                    client.send(p.nextFrame()).onSuccess(v -> sent.incrementAndGet())
                            .onFailure(e -> failed.incrementAndGet());
                }
                // Done when the last frame is acknowledged too: closing earlier would fail frames still in flight.
                boolean done = p.finished() && client.inFlight() == 0;
                if (done && !ended.get(i)) {
                    ended.set(i, true);
                    events.write(id, SimulationEvents.FINISHED, "");
                }
                all &= done;
            }
            if (all) {
                vertx.cancelTimer(timer);
                finished.tryComplete();
            }
        }
    }
}
