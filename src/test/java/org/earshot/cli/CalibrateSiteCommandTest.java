package org.earshot.cli;

import org.earshot.audio.WavWriter;
import org.earshot.detect.Labels;
import org.earshot.model.ModelManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code earshot calibrate --site-background}: a site's own recordings (here quiet noise) give a calibrated copy of
 * the shipped model, never with a lower threshold; unreadable files are named and skipped; too little audio and a
 * dataset given as well are refused.
 */
class CalibrateSiteCommandTest {
    private static final Path MODEL = Path.of("models/earshot-v2");

    @TempDir
    Path dir;

    @Test
    void writesACalibratedCopyAndSkipsUnreadableFiles() throws IOException {
        Path site = Files.createDirectories(dir.resolve("site/day1"));
        noise(site.resolve("a.wav"), 330);
        noise(site.resolve("b.wav"), 330);
        Files.writeString(site.resolve("broken.wav"), "RIFF not really");
        Files.writeString(site.resolve("notes.txt"), "not audio");
        Path out = dir.resolve("model-site");
        CliRunner.Run run = CliRunner.run("calibrate", "--model", MODEL.toString(), "--site-background",
                dir.resolve("site").toString(), "--target-false-alarms-per-hour", "1", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("skipping " + site.resolve("broken.wav")), run.err());
        assertTrue(run.err().contains("2 recordings, 11.0 min, 1 unreadable file(s) skipped"), run.err());
        ModelManifest shipped = ModelManifest.read(MODEL);
        ModelManifest calibrated = ModelManifest.read(out);
        for (String label : Labels.CLASSES) {
            assertTrue(calibrated.thresholds.get(label) >= shipped.thresholds.get(label), label + " lowered");
        }
        assertTrue(calibrated.thresholdRule.startsWith("site calibration on the background recordings in "),
                calibrated.thresholdRule);
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")), "the network is copied beside the manifest");
        assertEquals(Files.size(MODEL.resolve("model.onnx")), Files.size(out.resolve("model.onnx")));
        assertEquals(shipped.thresholds, ModelManifest.read(MODEL).thresholds, "the shipped model is left as it is");
    }

    @Test
    void refusesTooLittleAudioAndADatasetBesideIt() throws IOException {
        Path site = Files.createDirectories(dir.resolve("short"));
        noise(site.resolve("a.wav"), 120);
        CliRunner.run("calibrate", "--model", MODEL.toString(), "--site-background", site.toString(),
                "--target-false-alarms-per-hour", "1", "--out", dir.resolve("x").toString())
                .assertRejected("only 2.0 min of site background in " + site);
        CliRunner.run("calibrate", "--model", MODEL.toString(), "--site-background", site.toString(), "--dataset",
                dir.toString(), "--target-false-alarms-per-hour", "1").assertRejected("give --site-background or "
                + "--dataset, not both");
        CliRunner.run("calibrate", "--model", MODEL.toString(), "--site-background", dir.resolve("none").toString(),
                "--target-false-alarms-per-hour", "1").assertRejected("site background folder");
    }

    private static void noise(Path file, int seconds) throws IOException {
        Random rng = new Random(file.hashCode());
        float[] x = new float[seconds * 16_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.003 * rng.nextGaussian());
        }
        WavWriter.write16(file, x, 16_000);
    }
}
