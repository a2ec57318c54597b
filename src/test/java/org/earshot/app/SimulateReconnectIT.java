package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.cli.CliRunner;
import org.earshot.config.SensorRegistry;
import org.earshot.pipeline.SensorMetrics;
import org.earshot.sensor.Credentials;
import org.earshot.sensor.PcmReader;
import org.earshot.sensor.SimulationEvents;
import org.earshot.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code earshot simulate --reconnect} against the real service on loopback: the service is stopped and started again
 * on the same port mid-stream (as a node dies and its sensors come back through the balancer to another), and the
 * simulated sensors reconnect and resend what was not acknowledged, so that every frame of the recording reaches one
 * service or the other; {@code --events-out} tells each sensor's stream start, connections, loss and end.
 */
class SimulateReconnectIT {
    /** 10 s of the demo: 100 frames of 100 ms per sensor. */
    private static final int FRAMES = 100;

    @TempDir
    Path dir;

    @Test
    void sensorsReconnectAfterTheServiceDropsThemAndResendWhatWasNotAcknowledged() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String id : List.of("sim-1", "sim-2")) {
            tokens.put(id, SensorRegistry.newToken());
        }
        try (LiveHarness live = new LiveHarness(Files.createDirectories(dir.resolve("service")),
                LiveHarness.embeddedConfig(), tokens)) {
            Path credentials = dir.resolve("sim.csv");
            Files.writeString(credentials, Credentials.HEADER + "\nsim-1," + tokens.get("sim-1") + "\nsim-2,"
                    + tokens.get("sim-2") + "\n");
            Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
            Path events = dir.resolve("events.csv");
            long before = PcmReader.systemMicros();
            SensorMetrics first1 = live.service.metrics().sensor("sim-1");
            SensorMetrics first2 = live.service.metrics().sensor("sim-2");
            CompletableFuture<CliRunner.Run> run = CompletableFuture.supplyAsync(() -> CliRunner.run("simulate",
                    "--credentials", credentials.toString(), "--host", "127.0.0.1", "--port",
                    String.valueOf(live.service.mqttPort()), "--audio-seconds", "10", "--reconnect",
                    "--reconnect-ms", "100", "--events-out", events.toString()));
            Await.until(() -> first1.framesAccepted() >= 20 && first2.framesAccepted() >= 20, LiveHarness.WAIT,
                    () -> "frames before the drop: " + first1.framesAccepted() + ", " + first2.framesAccepted());
            // The service goes away with the sensors' connections, and comes back on the same port.
            live.restart();
            CliRunner.Run r = run.get(2, TimeUnit.MINUTES);
            assertEquals(0, r.exitCode(), r.out() + r.err());
            JsonObject report = JsonParser.parseString(r.out()).getAsJsonObject();
            assertEquals(4, report.get("connections").getAsLong(), r.out() + r.err());
            assertEquals(2, report.get("connections_lost").getAsLong(), r.out());
            assertEquals(2, report.get("reconnects").getAsLong(), r.out());
            assertEquals(0, report.get("frames_dropped").getAsLong(), r.out());
            assertEquals(0, report.get("frames_undelivered").getAsLong(), r.out());
            assertEquals(2 * FRAMES, report.get("frames_acknowledged").getAsLong(), r.out());

            for (String id : tokens.keySet()) {
                SensorMetrics first = id.equals("sim-1") ? first1 : first2;
                SensorMetrics second = live.service.metrics().sensor(id);
                // The audio after the drop reached the second service, in order and without a gap there.
                assertTrue(second.framesAccepted() > 0, id + ": nothing reached the restarted service");
                Await.until(() -> first.framesAccepted() + second.framesAccepted() >= FRAMES, LiveHarness.WAIT,
                        () -> id + ": " + first.framesAccepted() + " + " + second.framesAccepted());
                long total = first.framesAccepted() + second.framesAccepted();
                // A frame in flight at the drop may have reached the first service and come again to the second.
                assertTrue(total >= FRAMES && total <= FRAMES + 50, id + ": " + total + " of " + FRAMES);
                assertEquals(0, second.gaps(), id);
                assertEquals(0, second.missingFrames(), id);
                assertEquals(0, second.duplicates(), id);
                assertEquals(0, first.gaps(), id);
            }

            List<String> lines = Files.readAllLines(events);
            assertEquals(SimulationEvents.HEADER, lines.get(0));
            for (String id : tokens.keySet()) {
                List<String[]> mine = new ArrayList<>();
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.split(",", 4);
                    if (f[1].equals(id)) {
                        mine.add(f);
                    }
                }
                List<String> kinds = mine.stream().map(f -> f[2]).filter(k -> !k.equals("stream_start")).toList();
                assertEquals(List.of("connected", "lost", "connected", "finished"), kinds, lines.toString());
                String[] start = mine.stream().filter(f -> f[2].equals("stream_start")).findFirst().orElseThrow();
                assertTrue(start[3].startsWith("loop=0;capture_start_us="), start[3]);
                long captureStart = Long.parseLong(start[3].substring("loop=0;capture_start_us=".length()));
                assertTrue(captureStart >= before && captureStart <= Long.parseLong(start[0]) + 1_000_000,
                        start[3]);
                String[] lost = mine.stream().filter(f -> f[2].equals("lost")).findFirst().orElseThrow();
                // The close, or a send that failed with it: which the agent hears of first is a race.
                assertTrue(lost[3].equals("connection closed") || lost[3].startsWith("send failed: "), lost[3]);
                String finished = mine.get(mine.size() - 1)[3];
                assertTrue(finished.endsWith(";dropped=0;undelivered=0"), finished);
                for (int i = 1; i < mine.size(); i++) {
                    assertTrue(Long.parseLong(mine.get(i)[0]) >= Long.parseLong(mine.get(i - 1)[0]), "time order");
                }
            }
            assertTrue(!lines.toString().contains(tokens.get("sim-1")) && !r.err().contains(tokens.get("sim-1")),
                    "no token in the events or the log");
        }
    }
}
