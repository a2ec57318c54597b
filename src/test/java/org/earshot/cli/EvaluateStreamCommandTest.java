package org.earshot.cli;

import org.earshot.audio.WavWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code earshot evaluate stream}: a WAV and a ground-truth CSV give a per-class table; a bad CSV names its line. */
class EvaluateStreamCommandTest {
    @TempDir
    Path dir;

    private Path quietNoise() throws IOException {
        Random r = new Random(8);
        float[] x = new float[10 * 16_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.001 * r.nextGaussian());
        }
        Path wav = dir.resolve("stream.wav");
        WavWriter.write16(wav, x, 16_000);
        return wav;
    }

    @Test
    void countsAMissedReferenceEvent() throws IOException {
        Path wav = quietNoise();
        Path csv = dir.resolve("truth.csv");
        Files.writeString(csv, "class,onset,offset\nimpact,3.0,3.2\n");
        CliRunner.Run run = CliRunner.run("evaluate", "stream", "--audio", wav.toString(), "--truth", csv.toString(),
                "--model", "models/earshot-v2");
        assertEquals(0, run.exitCode(), run.err());
        String impactRow = run.out().lines().filter(l -> l.contains(" impact ")).findFirst().orElseThrow();
        // ref 1, TP 0, FP 0, FN 1: nothing in quiet noise is detected, and the one reference event is missed.
        assertTrue(impactRow.matches(".*impact\\s+1\\s+0\\s+0\\s+1\\s.*"), impactRow);
    }

    @Test
    void badGroundTruthIsRejectedWithItsLine() throws IOException {
        Path wav = quietNoise();
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "class,onset,offset\nimpact,3.0,3.2\nscream,4.0,4.5\n");
        CliRunner.Run run = CliRunner.run("evaluate", "stream", "--audio", wav.toString(), "--truth", csv.toString(),
                "--model", "models/earshot-v2");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("line 3") && run.err().contains("scream"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void streamsRefuseACollarOutOfRange() {
        CliRunner.Run run = CliRunner.run("evaluate", "streams", "--dataset", dir.toString(), "--collar", "-0.5");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--collar"), run.err());
    }

    @Test
    void streamsRefuseABackgroundLevelOutOfRange() {
        CliRunner.Run run = CliRunner.run("evaluate", "streams", "--dataset", dir.toString(), "--background-dbfs", "3");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--background-dbfs"), run.err());
    }
}
