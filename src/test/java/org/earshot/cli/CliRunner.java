package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the earshot command in-process with standard output and error captured. */
public final class CliRunner {
    public record Run(int exitCode, String out, String err) {
        /**
         * Bad input, as every command must refuse it: exit code 2, nothing on standard output, and one line on
         * standard error that contains {@code expectedInMessage}, without a stack trace.
         */
        public void assertRejected(String expectedInMessage) {
            assertEquals(2, exitCode, out + err);
            assertEquals("", out, "standard output must stay empty");
            assertTrue(err.contains(expectedInMessage), err);
            assertFalse(err.contains("\tat "), "no stack trace: " + err);
            assertEquals(1, err.strip().lines().count(), "one line: " + err);
        }
    }

    private CliRunner() {}

    public static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Earshot.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
