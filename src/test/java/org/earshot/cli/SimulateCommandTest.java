package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.earshot.sensor.SensorAgent;
import org.earshot.sensor.Simulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code earshot simulate}'s failures: one line each, and a --report that matched nothing is a failure. */
class SimulateCommandTest {
    @TempDir
    Path dir;

    @Test
    void aReportThatMatchedNothingFails() {
        Simulation.Counts clean = new Simulation.Counts(100, 0, 0, 0, 0);
        assertNull(SimulateCommand.problem(clean, true, 4, 3));
        assertNull(SimulateCommand.problem(clean, false, 4, 0));
        assertTrue(SimulateCommand.problem(clean, true, 4, 0).startsWith("--report: none of the 4 known event(s)"));
        assertTrue(SimulateCommand.problem(new Simulation.Counts(100, 2, 0, 0, 0), false, 4, 0)
                .startsWith("2 frame(s) failed"));
    }

    @Test
    void reconnectingSensorsBufferTheirSecondsAndCatchUpFasterThanTheyPlay() {
        SensorAgent.Settings s = SimulateCommand.agentSettings(100, 30, 50, 500, 1.0);
        assertEquals(300, s.bufferFrames());
        assertEquals(50, s.maxInFlight());
        assertEquals(500, s.reconnectMillis());
        assertEquals(SimulateCommand.STALL_MILLIS, s.stallMillis());
        assertEquals(SensorCommand.CATCH_UP_SPEED, s.catchUpSpeed());
        // Played twice as fast, a backlog may go twice as fast too, or live audio would never catch up.
        assertEquals(2 * SensorCommand.CATCH_UP_SPEED, SimulateCommand.agentSettings(100, 30, 50, 500, 2).catchUpSpeed());
        assertEquals(SensorCommand.CATCH_UP_SPEED, SimulateCommand.agentSettings(100, 30, 50, 500, 0.5).catchUpSpeed());
        assertEquals(100, SimulateCommand.agentSettings(20, 2, 50, 500, 1).bufferFrames());
        BadInputException tooSmall = assertThrows(BadInputException.class,
                () -> SimulateCommand.agentSettings(100, 5, 50, 500, 1));
        assertEquals("--max-in-flight (50 frames) must be under --buffer-seconds' 50 frames of 100 ms",
                tooSmall.getMessage());
    }

    @Test
    void aReconnectingRunFailsOnlyWhenAudioWasDroppedOrUndelivered() {
        assertNull(SimulateCommand.agentProblem(new Simulation.AgentCounts(300, 150, 150, 0, 0)));
        assertEquals("2 frame(s) dropped from full buffers, 0 undelivered",
                SimulateCommand.agentProblem(new Simulation.AgentCounts(2, 1, 1, 2, 0)));
        assertEquals("0 frame(s) dropped from full buffers, 3 undelivered",
                SimulateCommand.agentProblem(new Simulation.AgentCounts(2, 1, 1, 0, 3)));
    }

    @Test
    void reconnectOptionsOutOfRangeAreRefused() throws Exception {
        Path credentials = dir.resolve("c.csv");
        Files.writeString(credentials, "sensor,token\ns1,abcdefghijabcdefghijabcdefghijabcdefghijabc\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        CliRunner.run("simulate", "--credentials", credentials.toString(), "--port", "1", "--reconnect",
                "--reconnect-ms", "5").assertRejected("--reconnect-ms must be 10..60000, got 5");
        CliRunner.run("simulate", "--credentials", credentials.toString(), "--port", "1", "--reconnect",
                "--buffer-seconds", "0.5").assertRejected("--buffer-seconds must be 1..3600, got 0.5");
        CliRunner.run("simulate", "--credentials", credentials.toString(), "--port", "1", "--reconnect",
                "--buffer-seconds", "2").assertRejected("--max-in-flight (50 frames) must be under");
        CliRunner.run("simulate", "--credentials", credentials.toString(), "--port", "1",
                "--events-out", dir.resolve("no/such/dir/e.csv").toString()).assertRejected("cannot write --events-out");
    }

    @Test
    void theDefaultStaggerIsOneFramePeriodAtMostASecond() {
        assertEquals(0.1, SimulateCommand.defaultStaggerSeconds(100), 1e-12);
        for (int frameMillis = 10; frameMillis <= 1000; frameMillis += 10) {
            assertTrue(SimulateCommand.defaultStaggerSeconds(frameMillis) <= 1.0);
        }
    }

    @Test
    void progressLinesMentionMatchesOnlyWithReport() {
        Simulation.Counts counts = new Simulation.Counts(98, 0, 0, 0, 0);
        assertEquals("simulate: 10 s, 98 frames acknowledged, 0 failed",
                SimulateCommand.progressLine(10.2, counts, null));
        assertEquals("simulate: 10 s, 98 frames acknowledged, 0 failed, 0 alerts and 0 final detections matched",
                SimulateCommand.progressLine(10.2, counts, new org.earshot.sensor.LatencyReport(List.of())));
    }

    /** Refused before streaming: a report against no known event could only match nothing. */
    @Test
    void aReportWithoutKnownEventsIsRefusedWithTheReason() throws Exception {
        Path credentials = dir.resolve("c.csv");
        Files.writeString(credentials, "sensor,token\ns1,abcdefghijabcdefghijabcdefghijabcdefghijabc\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        Path demo = Path.of("demo/demo.wav").toAbsolutePath();
        CliRunner.Run noTruth = runWithReaderKey("--credentials", credentials.toString(), "--port", "1",
                "--audio", demo.toString(), "--report", "--reader", "me");
        noTruth.assertRejected("--report measures latency against the recording's known events, and there are none:"
                + " give --truth FILE.csv");
        CliRunner.Run cut = runWithReaderKey("--credentials", credentials.toString(), "--port", "1",
                "--audio-seconds", "3", "--report", "--reader", "me");
        cut.assertRejected("--audio-seconds 3.0 ends before the first known event");
    }

    /** simulate in a fresh JVM with a reader key in its environment (it reads the key from there only). */
    private CliRunner.Run runWithReaderKey(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.earshot.cli.Earshot", "simulate"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile()).redirectOutput(out.toFile());
        builder.environment().put(SimulateCommand.READER_KEY_ENV, "ek_0123456789abcdef0123456789abcdef");
        Process process = builder.start();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "simulate still running");
        return new CliRunner.Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** In a fresh JVM, as a user runs it: the service is not there, with and without --report. */
    @Test
    void aServiceThatIsDownIsOneLineWithoutAStackTrace() throws Exception {
        Path credentials = dir.resolve("c.csv");
        Files.writeString(credentials, "sensor,token\ns1,abcdefghijabcdefghijabcdefghijabcdefghijabc\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        for (List<String> extra : List.of(List.<String>of(), List.of("--report", "--reader", "me"))) {
            List<String> command = new java.util.ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), "org.earshot.cli.Earshot", "simulate", "--credentials",
                    credentials.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port)));
            command.addAll(extra);
            Path err = dir.resolve("err.txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile())
                    .redirectOutput(dir.resolve("out.txt").toFile());
            builder.environment().put(SimulateCommand.READER_KEY_ENV, "ek_0123456789abcdef0123456789abcdef");
            Process process = builder.start();
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "simulate still running");
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(1, process.exitValue(), stderr);
            assertFalse(stderr.contains("\tat ") || stderr.contains("Exception"), "no stack trace: " + stderr);
            List<String> errors = stderr.lines().filter(line -> line.startsWith("earshot: ")).toList();
            assertEquals(1, errors.size(), stderr);
            assertTrue(errors.get(0).contains("Connection refused"), stderr);
            assertEquals("", Files.readString(dir.resolve("out.txt")));
        }
    }
}
