package org.earshot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to {@code earshot detect}: one clear line on standard error naming the problem, exit code 2, nothing on
 * standard output, no stack trace.
 */
class DetectCommandTest {
    @TempDir
    Path dir;

    private static final Path MODEL = Path.of("models/earshot-v2");

    @Test
    void missingFile() {
        CliRunner.run("detect", dir.resolve("nope.wav").toString(), "--model", MODEL.toString())
                .assertRejected("not found");
    }

    @Test
    void notAWavFile() throws IOException {
        Path f = dir.resolve("text.wav");
        Files.writeString(f, "this is not audio at all, just text in a file named .wav");
        CliRunner.run("detect", f.toString(), "--model", MODEL.toString()).assertRejected("text.wav");
    }

    @Test
    void truncatedWavFile() throws IOException {
        Path good = dir.resolve("good.wav");
        org.earshot.audio.WavWriter.write16(good, new float[16_000], 16_000);
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.wav");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2 + 1));
        CliRunner.run("detect", cut.toString(), "--model", MODEL.toString()).assertRejected("cut.wav");
    }

    @Test
    void emptyFile() throws IOException {
        Path f = dir.resolve("empty.wav");
        Files.write(f, new byte[0]);
        CliRunner.run("detect", f.toString(), "--model", MODEL.toString()).assertRejected("empty.wav");
    }

    @Test
    void missingModel() throws IOException {
        Path good = dir.resolve("good.wav");
        org.earshot.audio.WavWriter.write16(good, new float[16_000], 16_000);
        CliRunner.run("detect", good.toString(), "--model", dir.resolve("nomodel").toString())
                .assertRejected("model directory");
    }

    @Test
    void badThresholdOverride() throws IOException {
        Path good = dir.resolve("good.wav");
        org.earshot.audio.WavWriter.write16(good, new float[16_000], 16_000);
        CliRunner.run("detect", good.toString(), "--model", MODEL.toString(), "--threshold",
                "scream=0.5").assertRejected("scream");
        CliRunner.run("detect", good.toString(), "--model", MODEL.toString(), "--threshold",
                "shout=1.5").assertRejected("shout");
    }

    /**
     * The README's first command: JSON lines only on standard output, each with the contract's keys, and the demo's
     * two screams found within the 0.5 s onset collar with no glass break (the demo has none).
     */
    @Test
    void demoRecordingGivesJsonLinesAndFindsTheScreams() throws IOException {
        CliRunner.Run run = CliRunner.run("detect", "demo/demo.wav", "--model", MODEL.toString());
        assertEquals(0, run.exitCode(), run.err());
        java.util.List<org.earshot.train.eval.Event> found = new java.util.ArrayList<>();
        for (String line : run.out().lines().toList()) {
            com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
            for (String key : new String[] {"class", "onset", "offset", "confidence", "model"}) {
                assertTrue(o.has(key), key + " missing in " + line);
            }
            found.add(new org.earshot.train.eval.Event(o.get("class").getAsString(), o.get("onset").getAsDouble(),
                    o.get("offset").getAsDouble()));
        }
        org.earshot.train.eval.EventMetrics metrics = new org.earshot.train.eval.EventMetrics(0.5);
        metrics.addRecording(org.earshot.train.eval.GroundTruth.read(Path.of("demo/demo.csv")), found, 23.0);
        org.earshot.train.eval.EventMetrics.ClassResult shout = metrics.results().get(0);
        assertEquals(2, shout.truePositives(), "screams found: " + run.out());
        assertEquals(0, metrics.results().get(1).falsePositives(), "no glass in the demo: " + run.out());
    }

    @Test
    void silenceGivesNoEvents() throws IOException {
        Path good = dir.resolve("silence.wav");
        org.earshot.audio.WavWriter.write16(good, new float[5 * 16_000], 16_000);
        CliRunner.Run run = CliRunner.run("detect", good.toString(), "--model", MODEL.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.out());
    }

    /** A FLAC file of the demo's samples, named .flac or not, gives exactly the WAV's output. */
    @Test
    void flacOfTheDemoGivesTheSameEventsAsItsWav() throws IOException {
        float[] samples = org.earshot.audio.WavReader.read(Path.of("demo/demo.wav")).samples();
        int[] pcm = new int[samples.length];
        for (int i = 0; i < samples.length; i++) {
            pcm[i] = Math.round(samples[i] * 32768);
        }
        byte[] flac = org.earshot.audio.TestFlacs.flac(new int[][] {pcm}).blockSize(4096).build();
        Path named = dir.resolve("demo.flac");
        Files.write(named, flac);
        Path misnamed = dir.resolve("demo-really-flac.wav");
        Files.write(misnamed, flac);
        CliRunner.Run wav = CliRunner.run("detect", "demo/demo.wav", "--model", MODEL.toString());
        assertEquals(0, wav.exitCode(), wav.err());
        assertTrue(wav.out().contains("\"class\":\"shout\""), wav.out());
        for (Path f : new Path[] {named, misnamed}) {
            CliRunner.Run run = CliRunner.run("detect", f.toString(), "--model", MODEL.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(wav.out(), run.out(), f.toString());
        }
    }

    @Test
    void unsupportedFormatNamesWhatIsReadAndHowToConvert() throws IOException {
        Path f = dir.resolve("clip.ogg");
        Files.write(f, new byte[] {'O', 'g', 'g', 'S', 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        CliRunner.Run run = CliRunner.run("detect", f.toString(), "--model", MODEL.toString());
        run.assertRejected("clip.ogg");
        for (String fragment : new String[] {"Ogg", "WAV", "FLAC", "ffmpeg"}) {
            assertTrue(run.err().contains(fragment), run.err());
        }
    }

    @Test
    void truncatedFlacIsRejected() throws IOException {
        byte[] flac = org.earshot.audio.TestFlacs.flac(org.earshot.audio.TestFlacs.pattern(1, 16, 20_000)).build();
        Path cut = dir.resolve("cut.flac");
        Files.write(cut, java.util.Arrays.copyOf(flac, flac.length - 500));
        CliRunner.run("detect", cut.toString(), "--model", MODEL.toString()).assertRejected("cut.flac");
    }

    /**
     * detect reads its file in pieces; its output is that of the whole recording loaded and resampled at once (the
     * path detect took before), on the demo and on a long 44.1 kHz stereo file made of the demo repeated with gain.
     */
    @Test
    void streamedDetectionMatchesTheWholeFilePath() throws IOException {
        float[] demo = org.earshot.audio.AudioLoader.load16k(Path.of("demo/demo.wav")).samples();
        float[] at44k = org.earshot.audio.Resampler.resample(demo, 16_000, 44_100);
        int copies = 6;
        float[] longer = new float[at44k.length * copies];
        for (int c = 0; c < copies; c++) {
            float gain = 0.5f + 0.1f * c;
            for (int i = 0; i < at44k.length; i++) {
                longer[c * at44k.length + i] = at44k[i] * gain;
            }
        }
        Path longFile = dir.resolve("long.wav");
        org.earshot.audio.WavWriter.write16(longFile, longer, 44_100);
        for (Path file : new Path[] {Path.of("demo/demo.wav"), longFile}) {
            StringBuilder expected = new StringBuilder();
            try (LoadedModel loaded = LoadedModel.open(MODEL)) {
                org.earshot.detect.FileDetector.Result whole = org.earshot.detect.FileDetector.detect(
                        org.earshot.audio.AudioLoader.load16k(file).samples(), loaded.classifier(),
                        loaded.detectorConfig());
                for (org.earshot.detect.Detection d : whole.detections()) {
                    expected.append(DetectCommand.json(d, loaded.manifest().name)).append(System.lineSeparator());
                }
            }
            CliRunner.Run run = CliRunner.run("detect", file.toString(), "--model", MODEL.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(expected.length() > 0, "no events in " + file);
            assertEquals(expected.toString(), run.out(), file.toString());
        }
    }

    @Test
    void statsIncludeDecodingAndOutputStaysJsonLines() throws IOException {
        CliRunner.Run run = CliRunner.run("detect", "demo/demo.wav", "--model", MODEL.toString(), "--stats");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("s of audio read, decoded and analysed in "), run.err());
        for (String line : run.out().lines().toList()) {
            assertTrue(line.startsWith("{\"class\":"), line);
        }
    }

    @Test
    void progressIsPrintedOnlyOnceAnIntervalHasPassed() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        DetectCommand.Progress slow = new DetectCommand.Progress(err, 3600, 3_600_000_000_000L);
        slow.accept(1800);
        slow.finish();
        assertEquals("", bytes.toString(java.nio.charset.StandardCharsets.UTF_8), "a short run prints nothing");
        DetectCommand.Progress every = new DetectCommand.Progress(err, 3600, 0);
        every.accept(900);
        every.accept(3600);
        every.finish();
        assertEquals(String.join(System.lineSeparator(), "earshot: 15:00.00 of 60:00.00 of audio analysed (25%)",
                "earshot: 60:00.00 of 60:00.00 of audio analysed (100%)",
                "earshot: 60:00.00 of 60:00.00 of audio analysed (100%)", ""),
                bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        bytes.reset();
        DetectCommand.Progress unknownLength = new DetectCommand.Progress(err, -1, 0);
        unknownLength.accept(61);
        assertEquals("earshot: 1:01.00 of audio analysed" + System.lineSeparator(),
                bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void inputBelowSixteenKilohertzIsWarnedAbout() throws IOException {
        Path low = dir.resolve("8k.wav");
        org.earshot.audio.WavWriter.write16(low, new float[5 * 8_000], 8_000);
        CliRunner.Run run = CliRunner.run("detect", low.toString(), "--model", MODEL.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("warning: " + low + " is sampled at 8000 Hz, below the model's 16000 Hz"),
                run.err());
        CliRunner.Run demo = CliRunner.run("detect", "demo/demo.wav", "--model", MODEL.toString());
        assertTrue(!demo.err().contains("warning"), demo.err());
    }
}
