package org.earshot.sensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class Simulation {
    /** What a run sent. */
    public record Counts(long framesSent, long framesFailed, long sendStalls, long maxLagMillis,
                         long sensorsDisconnected) {}

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong maxLagNanos = new AtomicLong();
    private final AtomicLong disconnected = new AtomicLong();

    public Counts counts() {
        return new Counts(sent.get(), failed.get(), stalls.get(), maxLagNanos.get() / 1_000_000,
                disconnected.get());
    }

    /**
     * Connects every sensor, plays the recording {@code loops} times on each and completes when all have sent
     * their last frame (or fails when a sensor cannot connect).
     */
    public Future<Void> run(Vertx vertx, List<Credentials> sensors, Function<Credentials, SensorClient> clients,
                            float[] samples, int sampleRate, int frameSamples, int loops, double speed,
                            double staggerSeconds, int maxInFlight, long seed) {
        int verticles = Math.max(1, Math.min(4, sensors.size()));
        List<Future<?>> done = new ArrayList<>();
        Random random = new Random(seed);
        List<List<Credentials>> shares = new ArrayList<>();
        List<List<Double>> delays = new ArrayList<>();
        for (int v = 0; v < verticles; v++) {
            shares.add(new ArrayList<>());
            delays.add(new ArrayList<>());
        }
        for (int i = 0; i < sensors.size(); i++) {
            shares.get(i % verticles).add(sensors.get(i));
            delays.get(i % verticles).add(staggerSeconds * random.nextDouble());
        }
        for (int v = 0; v < verticles; v++) {
            Driver driver = new Driver(shares.get(v), delays.get(v), clients, samples, sampleRate, frameSamples,
                    loops, speed, maxInFlight);
            done.add(vertx.deployVerticle(driver).compose(id -> driver.finished.future()
                    .eventually(() -> vertx.undeploy(id))));
        }
        return Future.all(done).mapEmpty();
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
                connects.add(client.connect().recover(e -> Future.failedFuture(new IllegalStateException(
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
                if (!client.isConnected()) {
                    // A sensor whose connection dropped stops here; the report counts it.
                    lost.set(i, true);
                    disconnected.incrementAndGet();
                    continue;
                }
                while (!p.finished() && p.nextDueNanos() <= now) {
                    if (client.inFlight() >= maxInFlight) {
                        stalls.incrementAndGet();
                        break;
                    }
                    maxLagNanos.accumulateAndGet(now - p.nextDueNanos(), Math::max);
                    client.send(p.nextFrame()).onSuccess(v -> sent.incrementAndGet())
                            .onFailure(e -> failed.incrementAndGet());
                }
                // Done when the last frame is acknowledged too: closing earlier would fail frames still in flight.
                all &= p.finished() && client.inFlight() == 0;
            }
            if (all) {
                vertx.cancelTimer(timer);
                finished.tryComplete();
            }
        }
    }
}
