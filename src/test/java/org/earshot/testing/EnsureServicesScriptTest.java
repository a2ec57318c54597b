package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/test.sh and the scripts/ensure-services.sh it calls, run from the repository root as the tests' working
 * directory. Nothing here installs anything: the tests that run the scripts need the servers installed already.
 */
class EnsureServicesScriptTest {
    private static final Path SCRIPT = Path.of("scripts", "ensure-services.sh");
    private static final Path TEST_SCRIPT = Path.of("scripts", "test.sh");

    @TempDir
    Path dir;

    @Test
    void scriptsAreThereExecutableAndParse() throws Exception {
        for (Path script : List.of(SCRIPT, TEST_SCRIPT)) {
            assertTrue(Files.isRegularFile(script), script.toAbsolutePath() + " missing");
            assertTrue(Files.isExecutable(script), script + " is not executable");
            Result syntax = run("bash", "-n", script.toString());
            assertEquals(0, syntax.exit, syntax.stderr);
        }
    }

    @Test
    void ciRunsTheTestScript() throws Exception {
        String ci = Files.readString(Path.of(".ci", "run"));
        assertTrue(ci.contains("exec scripts/test.sh"), ci);
        assertTrue(ci.contains("EARSHOT_DATASET") && ci.contains("EARSHOT_SHARED_MODELS"), ci);
    }

    /**
     * With the servers installed (and Kafka's jars copied), test.sh says what it does, installs nothing and runs Maven
     * requiring them.
     */
    @Test
    @RequiresServers({Server.MOSQUITTO, Server.INFLUXD, Server.HAPROXY, Server.KAFKA})
    void testScriptAnnouncesItselfAndRunsMavenRequiringTheServers() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path record = dir.resolve("mvn-called.txt");
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho \"args=$* require=$EARSHOT_REQUIRE_SERVICES\" > '" + record + "'\n");
        assertTrue(mvn.toFile().setExecutable(true));
        ProcessBuilder builder = new ProcessBuilder(TEST_SCRIPT.toString(), "-Dtest=Nothing");
        builder.environment().put("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
        Result result = run(builder);
        assertEquals(0, result.exit, result.stderr);
        assertEquals("args=-B test -Dtest=Nothing require=1", Files.readString(record).strip());
        assertTrue(result.stderr.contains("test.sh: checking that the Debian packages mosquitto, influxdb and haproxy"
                + " are installed (apt-get install when missing)"), result.stderr);
        assertTrue(result.stderr.contains("ensure-services: mosquitto present: ")
                && result.stderr.contains("ensure-services: influxdb present: ")
                && result.stderr.contains("ensure-services: haproxy present: "), result.stderr);
        assertFalse(result.stderr.contains("apt-get install mosquitto"), result.stderr);
        assertTrue(result.stderr.contains("ensure-kafka: kafka broker jars present: target/kafka-lib"),
                result.stderr);
    }

    @Test
    @RequiresServers(Server.MOSQUITTO)
    void ensuringMosquittoSucceedsAndSaysWhereItIs() throws Exception {
        Result result = run(SCRIPT.toString(), "mosquitto");
        assertEquals(0, result.exit, result.stderr);
        assertTrue(result.stderr.matches("(?s).*ensure-services: mosquitto (present|installed): /\\S*/mosquitto.*"),
                result.stderr);
        assertEquals("", result.stdout, "the script reports on stderr only");
    }

    @Test
    @RequiresServers(Server.HAPROXY)
    void ensuringHaproxySucceedsAndSaysWhereItIs() throws Exception {
        Result result = run(SCRIPT.toString(), "haproxy");
        assertEquals(0, result.exit, result.stderr);
        assertTrue(result.stderr.matches("(?s).*ensure-services: haproxy (present|installed): /\\S*/haproxy.*"),
                result.stderr);
        assertEquals("", result.stdout, "the script reports on stderr only");
    }

    @Test
    void unknownServiceOrNoServiceFailsWithAMessage() throws Exception {
        Result unknown = run(SCRIPT.toString(), "postgres");
        assertNotEquals(0, unknown.exit);
        assertTrue(unknown.stderr.contains("unknown service 'postgres' (known: mosquitto, influxdb, haproxy)"),
                unknown.stderr);
        Result none = run(SCRIPT.toString());
        assertNotEquals(0, none.exit);
        assertTrue(none.stderr.contains("usage:"), none.stderr);
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private Result run(String... command) throws Exception {
        return run(new ProcessBuilder(new ArrayList<>(List.of(command))));
    }

    private Result run(ProcessBuilder builder) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "still running after 10 minutes: " + builder.command());
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
