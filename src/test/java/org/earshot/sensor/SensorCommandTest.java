package org.earshot.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.earshot.cli.CliRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code earshot sensor}: its options are checked before anything starts (bad input exits 2 with one line). Streaming
 * to the real service is tested in {@code org.earshot.app.SensorAgentIT}.
 */
class SensorCommandTest {
    private static final String TOKEN = "tok-7f3a9c-not-to-be-printed";

    @TempDir
    static Path dir;
    private static Path credentials;
    private static Path pcm;

    @BeforeAll
    static void setUp() throws IOException {
        credentials = dir.resolve("pole-12.csv");
        Files.writeString(credentials, Credentials.HEADER + "\npole-11,other-token\npole-12," + TOKEN + "\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        // 0.25 s of 16 kHz mono s16le and one stray byte: two full 100 ms frames and a 50 ms end-of-stream frame.
        byte[] audio = new byte[2 * 4000 + 1];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (byte) (i * 31);
        }
        pcm = dir.resolve("audio.raw");
        Files.write(pcm, audio);
    }

    record Run(int exitCode, String err) {}

    /** Runs {@code earshot sensor} in-process, capturing standard error. */
    private static Run run(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "sensor";
        System.arraycopy(args, 0, all, 1, args.length);
        CliRunner.Run r = CliRunner.run(all);
        return new Run(r.exitCode(), r.err());
    }

    /** Valid options (the service on port 1, never reached), with {@code extra} added or replacing them. */
    private static Run runWith(String... extra) {
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("--credentials", credentials.toString());
        options.put("--host", "127.0.0.1");
        options.put("--input", pcm.toString());
        options.put("--port", "1");
        for (int i = 0; i < extra.length; i += 2) {
            options.put(extra[i], extra[i + 1]);
        }
        List<String> args = new ArrayList<>();
        options.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return run(args.toArray(String[]::new));
    }

    private static void assertBadInput(Run r, String expected) {
        assertEquals(2, r.exitCode(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("earshot: ") && lines.get(0).contains(expected), r.err());
    }

    @Test
    void badOptionsExit2WithOneLine() {
        assertBadInput(runWith("--format", "s8"), "--format must be s16le, s24le, s32le or f32le, got 's8'");
        assertBadInput(runWith("--rate", "7999"), "--rate must be 8000..192000 Hz, got 7999");
        assertBadInput(runWith("--rate", "200000"), "--rate must be 8000..192000 Hz");
        assertBadInput(runWith("--channels", "9"), "--channels must be 1..8, got 9");
        assertBadInput(runWith("--frame-ms", "5"), "--frame-ms must be 10..1000, got 5");
        assertBadInput(runWith("--buffer-seconds", "0.5"), "--buffer-seconds must be 1..3600");
        assertBadInput(runWith("--reconnect-seconds", "0"), "--reconnect-seconds must be 0.1..3600");
        assertBadInput(runWith("--transport", "http"), "--transport must be mqtt or websocket, got 'http'");
        assertBadInput(runWith("--port", "70000"), "--port must be 1..65535, got 70000");
        // One second of 8 channels of 32-bit audio at 48 kHz is over the service's default frame limit.
        assertBadInput(runWith("--frame-ms", "1000", "--rate", "48000", "--channels", "8", "--format", "f32le"),
                "use a shorter --frame-ms");
    }

    @Test
    void missingFilesExit2() {
        assertBadInput(run("--credentials", dir.resolve("nope.csv").toString(), "--host", "h"),
                "credentials file not found: " + dir.resolve("nope.csv"));
        assertBadInput(runWith("--input", dir.resolve("nope.raw").toString()),
                "input not found: " + dir.resolve("nope.raw"));
        assertBadInput(runWith("--truststore", dir.resolve("nope.p12").toString()), "trust store not found");
        assertBadInput(runWith("--id", "pole-99"), "no sensor 'pole-99' in " + credentials
                + " (it has pole-11, pole-12)");
    }

    @Test
    void aCredentialsFileWithoutItsHeaderExits2() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "pole-12," + TOKEN + "\n");
        Run r = run("--credentials", bad.toString(), "--host", "h");
        assertBadInput(r, "the first line must be the header sensor,token");
        assertFalse(r.err().contains(TOKEN));
    }

    @Test
    void missingHostIsAUsageError() {
        Run r = run("--credentials", credentials.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Missing required option: '--host=<host>'"), r.err());
    }
}
