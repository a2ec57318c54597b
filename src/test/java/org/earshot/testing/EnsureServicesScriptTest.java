package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** scripts/ensure-services.sh, run from the repository root as the tests' working directory. */
class EnsureServicesScriptTest {
    private static final Path SCRIPT = Path.of("scripts", "ensure-services.sh");

    @TempDir
    Path dir;

    @Test
    void scriptIsThereExecutableAndParses() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toAbsolutePath() + " missing");
        assertTrue(Files.isExecutable(SCRIPT), SCRIPT + " is not executable");
        assertEquals(SCRIPT.toAbsolutePath(), Executables.ensureServicesScript());
        Result syntax = run("bash", "-n", SCRIPT.toString());
        assertEquals(0, syntax.exit, syntax.stderr);
    }

    @Test
    void ensuringMosquittoSucceedsAndSaysWhereItIs() throws Exception {
        Result result = run(SCRIPT.toString(), "mosquitto");
        assertEquals(0, result.exit, result.stderr);
        assertTrue(result.stderr.matches("(?s).*ensure-services: mosquitto (present|installed): /\\S*/mosquitto.*"),
                result.stderr);
        assertEquals("", result.stdout, "the script reports on stderr only");
    }

    @Test
    void unknownServiceOrNoServiceFailsWithAMessage() throws Exception {
        Result unknown = run(SCRIPT.toString(), "postgres");
        assertNotEquals(0, unknown.exit);
        assertTrue(unknown.stderr.contains("unknown service 'postgres'"), unknown.stderr);
        Result none = run(SCRIPT.toString());
        assertNotEquals(0, none.exit);
        assertTrue(none.stderr.contains("usage:"), none.stderr);
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private Result run(String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "still running after 10 minutes: " + List.of(command));
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
