package org.earshot.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.earshot.audio.AudioLoader;
import org.earshot.audio.AudioSource;
import org.earshot.audio.TestFlacs;
import org.earshot.dsp.FrontEndSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code earshot detect}'s path: a file read in pieces gives the detections of the whole file resampled at once, in
 * memory that does not grow with the file's length.
 */
class FileDetectorStreamingTest {
    @TempDir
    Path dir;

    /** Scores every class by the patch's loudest log-mel value, so that bursts of different levels become events. */
    static final class LoudnessClassifier implements Classifier {
        @Override
        public float[][] classify(float[][] patches) {
            float[][] out = new float[patches.length][3];
            for (int i = 0; i < patches.length; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (float v : patches[i]) {
                    max = Math.max(max, v);
                }
                float p = (float) (1 / (1 + Math.exp(-(max - Math.log(20)))));
                out[i][0] = p;
                out[i][1] = p * 0.9f;
                out[i][2] = p * 0.8f;
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void streamedStereoWavGivesTheDetectionsOfTheWholeFile() throws IOException {
        Path file = dir.resolve("bursts.wav");
        writeBursts(file, 44_100, 2, 240);
        check(file);
    }

    @Test
    void streamedWavAtSixteenKilohertzGivesTheDetectionsOfTheWholeFile() throws IOException {
        Path file = dir.resolve("bursts16k.wav");
        writeBursts(file, FrontEndSpec.SAMPLE_RATE, 1, 120);
        check(file);
    }

    /**
     * A FLAC file of many frames, decoded frame by frame as it is read, gives the detections of the WAV file of the
     * same samples decoded and resampled whole (the WAV reference keeps the check independent of the FLAC decoder).
     */
    @Test
    void streamedMultiFrameFlacGivesTheDetectionsOfTheWholeWav() throws IOException {
        int[][] samples = bursts(44_100, 2, 120);
        Path wav = dir.resolve("bursts.wav");
        Files.write(wav, TestFlacs.wavOf(samples, 16, 44_100));
        Path flac = dir.resolve("bursts.flac");
        TestFlacs.Builder builder = TestFlacs.flac(samples).sampleRate(44_100).blockSize(4096);
        Files.write(flac, builder.build());
        assertTrue(builder.frameOffsets().size() > 1000, "many FLAC frames");
        check(wav, flac);
    }

    private static void check(Path file) throws IOException {
        check(file, file);
    }

    /** Detections of {@code reference} decoded and resampled whole equal those of {@code file} read in pieces. */
    private static void check(Path reference, Path file) throws IOException {
        DetectorConfig config = DetectorConfig.defaults(new float[] {0.5f, 0.6f, 0.7f});
        FileDetector.Result whole = FileDetector.detect(AudioLoader.load16k(reference).samples(),
                new LoudnessClassifier(), config);
        List<Double> progress = new ArrayList<>();
        FileDetector.Result streamed;
        try (AudioSource source = AudioLoader.open(file)) {
            streamed = FileDetector.detect(source, file.toString(), new LoudnessClassifier(), config, progress::add);
        }
        assertTrue(whole.detections().size() >= 5, "the bursts must give events: " + whole.detections());
        assertEquals(whole, streamed);
        assertTrue(progress.size() > 10, "read in pieces: " + progress.size());
        assertEquals(whole.audioSeconds(), progress.get(progress.size() - 1), 0.01);
    }

    /**
     * 10 minutes at 48 kHz are 115 MB of float samples: a child JVM with a 40 MB heap analyses the file read in
     * pieces, and runs out of memory loading it whole (so the test can fail).
     */
    @Test
    void memoryStaysBoundedWhateverTheLength() throws Exception {
        Path file = dir.resolve("long.wav");
        writeBursts(file, 48_000, 1, 600);
        checkBoundedMemory(file);
    }

    /** 5 minutes at 48 kHz are 58 MB of float samples: the same with a FLAC file, decoded frame by frame. */
    @Test
    void flacMemoryStaysBoundedWhateverTheLength() throws Exception {
        Path file = dir.resolve("long.flac");
        Files.write(file, TestFlacs.flac(bursts(48_000, 1, 300)).sampleRate(48_000).blockSize(4096).build());
        checkBoundedMemory(file);
    }

    private void checkBoundedMemory(Path file) throws Exception {
        Child streamed = child("stream", file);
        assertEquals(0, streamed.exit, streamed.output);
        assertTrue(streamed.output.contains("detections="), streamed.output);
        Child whole = child("whole", file);
        assertNotEquals(0, whole.exit, whole.output);
        assertTrue(whole.output.contains("OutOfMemoryError"), whole.output);
    }

    private record Child(int exit, String output) {
    }

    private Child child(String mode, Path file) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = dir.resolve(mode + ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx40m", "-cp", classPath, ChildMain.class.getName(), mode, file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "child still running after 5 minutes");
        return new Child(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Runs detection on a file, read in pieces ({@code stream}) or whole ({@code whole}). */
    public static final class ChildMain {
        public static void main(String[] args) throws IOException {
            Path file = Path.of(args[1]);
            DetectorConfig config = DetectorConfig.defaults(new float[] {0.5f, 0.6f, 0.7f});
            FileDetector.Result result;
            if (args[0].equals("whole")) {
                result = FileDetector.detect(AudioLoader.load16k(file).samples(), new LoudnessClassifier(), config);
            } else {
                try (AudioSource source = AudioLoader.open(file)) {
                    result = FileDetector.detect(source, args[1], new LoudnessClassifier(), config, s -> { });
                }
            }
            System.out.println("detections=" + result.detections().size());
        }
    }

    /** Noise at -50 dBFS with a 1 kHz burst of 0.3 to 1.5 s, at a level from -40 to -6 dBFS, every 7 s. */
    static void writeBursts(Path file, int rate, int channels, int seconds) throws IOException {
        int[][] samples = bursts(rate, channels, seconds);
        int frames = samples[0].length;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
            long dataBytes = (long) frames * channels * 2;
            header.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt((int) (36 + dataBytes))
                    .put("WAVE".getBytes(StandardCharsets.US_ASCII)).put("fmt ".getBytes(StandardCharsets.US_ASCII))
                    .putInt(16).putShort((short) 1).putShort((short) channels).putInt(rate)
                    .putInt(rate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16)
                    .put("data".getBytes(StandardCharsets.US_ASCII)).putInt((int) dataBytes);
            out.write(header.array());
            ByteBuffer block = ByteBuffer.allocate(channels * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < frames; i++) {
                block.clear();
                for (int[] channel : samples) {
                    block.putShort((short) channel[i]);
                }
                out.write(block.array());
            }
        }
        assertFalse(Files.size(file) < 44);
    }

    /** The 16-bit samples {@code [channel][frame]} of {@link #writeBursts}. */
    static int[][] bursts(int rate, int channels, int seconds) {
        int frames = rate * seconds;
        int[][] samples = new int[channels][frames];
        Random random = new Random(42);
        double burstLength = 0.3;
        double burstLevel = -40;
        for (int i = 0; i < frames; i++) {
            double t = i / (double) rate;
            double inPeriod = t % 7;
            if (inPeriod == 0 || (i > 0 && (i - 1) / (double) rate % 7 > inPeriod)) {
                burstLength = 0.3 + 1.2 * random.nextDouble();
                burstLevel = -40 + 34 * random.nextDouble();
            }
            double v = Math.pow(10, -50 / 20.0) * random.nextGaussian();
            if (inPeriod >= 2 && inPeriod < 2 + burstLength) {
                v += Math.pow(10, burstLevel / 20.0) * Math.sin(2 * Math.PI * 1000 * t);
            }
            for (int c = 0; c < channels; c++) {
                long pcm = Math.round(v * 32767 * (c + 1) / channels);
                samples[c][i] = (int) Math.max(-32768, Math.min(32767, pcm));
            }
        }
        return samples;
    }
}
