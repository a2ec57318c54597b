package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.earshot.config.SensorRegistry;
import org.earshot.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator reads from {@code earshot serve}: its log lines, /health, and why it cannot start. */
class ServeOperationsIT {
    @TempDir
    Path dir;

    @Test
    void healthNumbersAreNumbersAndTheLogSaysListeningOnceAndStopped() throws Exception {
        ServiceProcess service = ServiceProcess.create(dir.resolve("service"),
                Map.of("s1", SensorRegistry.newToken(), "s2", SensorRegistry.newToken()), new JsonObject());
        try {
            service.start();
            JsonObject health = JsonParser.parseString(new String(service.get("/health").body(),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            assertTrue(health.get("sensors_known").getAsJsonPrimitive().isNumber(), health.toString());
            assertEquals(2, health.get("sensors_known").getAsInt(), health.toString());
        } finally {
            service.stop();
        }
        String log = stderr(service);
        assertEquals(1, log.lines().filter(line -> line.contains("mqtt: listening on")).count(), log);
        assertTrue(log.contains("earshot: stopped"), log);
    }

    @Test
    void aPortInUseIsNamedWithItsListenerAndKey() throws Exception {
        ServiceProcess service = ServiceProcess.create(dir.resolve("service"), Map.of("s1", SensorRegistry.newToken()),
                new JsonObject());
        try (ServerSocket squatter = new ServerSocket(service.mqttPort(), 50, InetAddress.getByName("127.0.0.1"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, service::start);
            String expected = "earshot: cannot start: cannot listen for MQTT on 127.0.0.1:" + squatter.getLocalPort()
                    + " (mqtt.port): Address already in use";
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    /**
     * Relative paths have one base, the working directory: started elsewhere, "data" is created there and the model
     * is the shipped one (model unset); a relative model that is not there stops the start naming the full path.
     */
    @Test
    void relativePathsResolveAgainstTheWorkingDirectoryAndTheDefaultModelIsTheShippedOne() throws Exception {
        Path elsewhere = dir.resolve("elsewhere");
        ServiceProcess service = ServiceProcess.createRelative(elsewhere, Map.of("s1", SensorRegistry.newToken()),
                new JsonObject());
        try {
            service.start();
            JsonObject health = JsonParser.parseString(new String(service.get("/health").body(),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            assertEquals("earshot-v2", health.get("model").getAsString(), health.toString());
            assertTrue(Files.isDirectory(elsewhere.resolve("data/journal")), "the journal in <working dir>/data");
            assertTrue(Files.isRegularFile(elsewhere.resolve("data/sensors.json")));
        } finally {
            service.stop();
        }

        JsonObject relativeModel = JsonParser.parseString("{\"model\": \"models/earshot-v2\"}").getAsJsonObject();
        ServiceProcess wrong = ServiceProcess.createRelative(dir.resolve("other"), Map.of("s1",
                SensorRegistry.newToken()), relativeModel);
        IllegalStateException e = assertThrows(IllegalStateException.class, wrong::start);
        assertTrue(e.getMessage().contains("model directory not found: " + dir.resolve("other").toAbsolutePath()
                .resolve("models/earshot-v2") + " (model = models/earshot-v2; relative paths are relative to the"
                + " working directory"), e.getMessage());
    }

    private static String stderr(ServiceProcess service) throws Exception {
        Path err = service.logs().stream().filter(p -> p.toString().endsWith(".stderr.log")).reduce((a, b) -> b)
                .orElseThrow();
        return Files.readString(err, StandardCharsets.UTF_8);
    }
}
