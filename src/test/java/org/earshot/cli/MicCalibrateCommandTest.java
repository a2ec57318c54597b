package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.audio.WavWriter;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code earshot mic-calibrate} on WAV files of synthetic calibrator tones: the offset printed and stored in the
 * sensors file (with the rest of the sensor's record kept), and one clear line with exit code 2 for each unusable
 * input.
 */
class MicCalibrateCommandTest {
    @TempDir
    Path dir;

    /** A 1 kHz sine of this amplitude reads 20 log10(a / sqrt 2) dBFS: 0.1 gives -23.01, so 94 dB gives 117.01. */
    private Path toneWav(String name, double seconds, double hz, double amplitude) throws IOException {
        int rate = 16000;
        float[] x = new float[(int) (seconds * rate)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.max(-1, Math.min(1, amplitude * Math.sin(2 * Math.PI * hz * i / rate)));
        }
        Path file = dir.resolve(name);
        WavWriter.write16(file, x, rate);
        return file;
    }

    @Test
    void printsTheOffset() throws IOException {
        CliRunner.Run run = CliRunner.run("mic-calibrate", "--input", toneWav("cal.wav", 10, 1000, 0.1).toString(),
                "--reference-db", "94");
        assertEquals(0, run.exitCode(), run.err());
        JsonObject json = JsonParser.parseString(run.out().strip()).getAsJsonObject();
        assertEquals(117.01, json.get("offset_db").getAsDouble(), 0.05);
        assertEquals(-23.01, json.get("level_dbfs").getAsDouble(), 0.05);
        assertEquals(1000, json.get("tone_hz").getAsDouble(), 1);
        assertTrue(run.err().contains("offset 117.0"), run.err());
    }

    @Test
    void storesTheOffsetKeepingTheRestOfTheRecord() throws IOException {
        Path sensors = dir.resolve("sensors.json");
        CliRunner.Run add = CliRunner.run("sensors", "add", "--file", sensors.toString(), "--id", "pole-12",
                "--location", "Market Square", "--classes", "shout,impact", "--credentials-out",
                dir.resolve("pole-12.csv").toString());
        assertEquals(0, add.exitCode(), add.err());
        CliRunner.Run other = CliRunner.run("sensors", "add", "--file", sensors.toString(), "--id", "pole-13",
                "--calibration-offset", "120.5", "--credentials-out", dir.resolve("pole-13.csv").toString());
        assertEquals(0, other.exitCode(), other.err());
        SensorRecord before = find(sensors, "pole-12");

        CliRunner.Run run = CliRunner.run("mic-calibrate", "--input", toneWav("cal.wav", 10, 1000, 0.1).toString(),
                "--reference-db", "94", "--sensor", "pole-12", "--sensors-file", sensors.toString());
        assertEquals(0, run.exitCode(), run.err());
        SensorRecord after = find(sensors, "pole-12");
        assertEquals(117.01, after.calibrationOffsetDb(), 0.05);
        assertEquals(before.tokenSha256(), after.tokenSha256());
        assertEquals("Market Square", after.location());
        assertEquals(before.classes(), after.classes());
        assertEquals(120.5, find(sensors, "pole-13").calibrationOffsetDb());
        assertTrue(run.err().contains("was uncalibrated"), run.err());
    }

    private static SensorRecord find(Path file, String id) {
        try {
            return SensorRegistry.load(file).find(id).orElseThrow();
        } catch (org.earshot.config.ConfigException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void unknownSensorIsRefusedBeforeMeasuring() throws IOException {
        Path sensors = dir.resolve("sensors.json");
        assertEquals(0, CliRunner.run("sensors", "add", "--file", sensors.toString(), "--id", "pole-12",
                "--credentials-out", dir.resolve("c.csv").toString()).exitCode());
        String before = Files.readString(sensors);
        CliRunner.run("mic-calibrate", "--input", dir.resolve("missing.wav").toString(),
                "--reference-db", "94", "--sensor", "pole-99", "--sensors-file", sensors.toString())
                .assertRejected("has no sensor pole-99 (it has: pole-12)");
        assertEquals(before, Files.readString(sensors));
    }

    @Test
    void sensorsFileWithoutSensor() throws IOException {
        CliRunner.run("mic-calibrate", "--input", toneWav("cal.wav", 10, 1000, 0.1).toString(),
                "--reference-db", "94", "--sensors-file", dir.resolve("s.json").toString())
                .assertRejected("only with --sensor");
    }

    @Test
    void notAWavFile() throws IOException {
        Path f = dir.resolve("notes.wav");
        Files.writeString(f, "not audio, just text in a file named .wav");
        CliRunner.run("mic-calibrate", "--input", f.toString(), "--reference-db", "94").assertRejected("notes.wav");
    }

    @Test
    void unusableRecordings() throws IOException {
        CliRunner.run("mic-calibrate", "--input", toneWav("short.wav", 3, 1000, 0.1).toString(),
                "--reference-db", "94").assertRejected("3.00 s long");
        CliRunner.run("mic-calibrate", "--input", toneWav("loud.wav", 10, 1000, 1.4).toString(),
                "--reference-db", "94").assertRejected("clipped");
        CliRunner.run("mic-calibrate", "--input", toneWav("250.wav", 10, 250, 0.1).toString(),
                "--reference-db", "94").assertRejected("the tone is at 250.0 Hz");
        CliRunner.run("mic-calibrate", "--input", toneWav("250.wav", 10, 250, 0.1).toString(),
                "--reference-db", "94", "--reference-hz", "9000").assertRejected("reference frequency");
    }
}
