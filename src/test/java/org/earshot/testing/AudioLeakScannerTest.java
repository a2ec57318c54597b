package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;

import com.google.gson.JsonObject;
import org.earshot.audio.TestWavs;
import org.earshot.journal.Journal;
import org.earshot.journal.JournalKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audio detector of the privacy test finds audio planted in otherwise ordinary content (raw runs in three
 * encodings, base64, WAV headers, number arrays), names where, and finds nothing in real journal files, metrics text
 * or near-silence copies. The reference is a generated second of a tone in noise with a stretch of near-silence.
 */
class AudioLeakScannerTest {
    static final short[] SPEECH = reference();
    static final AudioLeakScanner SCANNER = AudioLeakScanner.of(Map.of("speech.wav", SPEECH));
    static final byte[] JOURNAL_LINE = ("{\"v\":1,\"seq\":7,\"time_us\":1795900000000000,\"type\":\"detection\","
            + "\"prev\":\"" + "ab12".repeat(16) + "\",\"data_sha256\":\"" + "09cf".repeat(16) + "\",\"data\":{\"id\":"
            + "\"s1-1795900004000000-shout\",\"confidence\":0.93,\"peak_dbfs\":-12.5}}\n")
            .getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    /** 1 s at 16 kHz: a 440 Hz tone in noise, with samples 4000..4999 near-silent (|s| < 64). */
    static short[] reference() {
        Random random = new Random(7);
        float[] x = new float[16000];
        for (int i = 0; i < x.length; i++) {
            double v = 0.3 * Math.sin(2 * Math.PI * 440 * i / 16000.0) + 0.05 * random.nextGaussian();
            x[i] = (float) (i >= 4000 && i < 5000 ? v / 500 : v);
        }
        return AudioLeakScanner.pcm16(x);
    }

    /** Ordinary content with {@code planted} inserted at {@code at}. */
    static byte[] plant(byte[] planted, int at) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] before = new byte[at];
        for (int i = 0; i < at; i++) {
            before[i] = JOURNAL_LINE[i % JOURNAL_LINE.length];
        }
        out.writeBytes(before);
        out.writeBytes(planted);
        out.writeBytes(JOURNAL_LINE);
        return out.toByteArray();
    }

    static byte[] s16le(int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(2 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) {
            b.putShort(SPEECH[i]);
        }
        return b.array();
    }

    static AudioLeakScanner.Finding only(List<AudioLeakScanner.Finding> findings) {
        assertEquals(1, findings.size(), findings.toString());
        return findings.get(0);
    }

    @Test
    void findsARawRunOf16BitLittleEndianSamplesAtAnOddOffsetAndNamesWhere() {
        // 20 samples starting mid-sample in the reference's byte stream: 39 bytes, so one full 32-byte window.
        byte[] run = Arrays.copyOfRange(s16le(10_000, 10_020), 1, 40);
        AudioLeakScanner.Finding f = only(SCANNER.scan("journal/segment-0.jsonl", plant(run, 101)));
        assertEquals(AudioLeakScanner.Kind.PCM_S16LE, f.kind());
        assertEquals("journal/segment-0.jsonl", f.source());
        assertEquals(101 + 1, f.offset());
        assertTrue(f.toString().contains("journal/segment-0.jsonl at byte 102") && f.toString().contains("speech.wav"),
                f.toString());
        // One byte short of a whole window is not reported: the window size is the claim.
        assertTrue(SCANNER.scan("x", plant(Arrays.copyOfRange(s16le(10_000, 10_020), 1, 32), 5)).isEmpty());
    }

    @Test
    void findsBigEndianAndFloatRuns() {
        ByteBuffer be = ByteBuffer.allocate(40).order(ByteOrder.BIG_ENDIAN);
        for (int i = 2000; i < 2020; i++) {
            be.putShort(SPEECH[i]);
        }
        assertEquals(AudioLeakScanner.Kind.PCM_S16BE, only(SCANNER.scan("be", plant(be.array(), 33))).kind());
        ByteBuffer f32 = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 9000; i < 9010; i++) {
            f32.putFloat(SPEECH[i] / 32768f);
        }
        AudioLeakScanner.Finding f = only(SCANNER.scan("f32", plant(f32.array(), 64)));
        assertEquals(AudioLeakScanner.Kind.PCM_F32LE, f.kind());
        assertEquals(64, f.offset());
    }

    @Test
    void findsBase64OfPcmInStandardAndUrlSafeAlphabetsAtAnyByteOffset() {
        byte[] pcm = Arrays.copyOfRange(s16le(7000, 7040), 3, 80); // starts mid-sample
        String text = "{\"audio\":\"" + Base64.getEncoder().encodeToString(pcm) + "\"}";
        AudioLeakScanner.Finding f = SCANNER.scan("payload", text.getBytes(StandardCharsets.US_ASCII)).get(0);
        assertEquals(AudioLeakScanner.Kind.BASE64_PCM, f.kind());
        assertEquals(10, f.offset());
        String urlSafe = "x=" + Base64.getUrlEncoder().withoutPadding().encodeToString(s16le(12000, 12030));
        assertEquals(AudioLeakScanner.Kind.BASE64_PCM,
                SCANNER.scan("url", urlSafe.getBytes(StandardCharsets.US_ASCII)).get(0).kind());
    }

    @Test
    void findsWavHeaders() {
        byte[] wav = TestWavs.wav().samples(TestWavs.sine(440, 0.0005, 16000, 100)).build();
        List<AudioLeakScanner.Finding> findings = SCANNER.scan("wav", plant(wav, 17));
        assertTrue(findings.stream().anyMatch(f -> f.kind() == AudioLeakScanner.Kind.WAV_HEADER && f.offset() == 17),
                findings.toString());
        String base64 = Base64.getEncoder().encodeToString(wav);
        assertTrue(SCANNER.scan("b64", base64.getBytes(StandardCharsets.US_ASCII)).stream()
                .anyMatch(f -> f.kind() == AudioLeakScanner.Kind.WAV_HEADER && f.offset() == 0));
    }

    @Test
    void findsArraysOf64OrMoreNumbersButNotShorterOnes() {
        Random random = new Random(3);
        StringJoiner frame = new StringJoiner(", ", "{\"log_mel\":[", "]}");
        for (int i = 0; i < 64; i++) {
            frame.add(String.format(java.util.Locale.ROOT, "%.4f", -6 + random.nextGaussian()));
        }
        AudioLeakScanner.Finding f = only(SCANNER.scan("features", frame.toString().getBytes(StandardCharsets.UTF_8)));
        assertEquals(AudioLeakScanner.Kind.NUMBER_ARRAY, f.kind());
        assertEquals(12, f.offset());
        assertTrue(f.detail().startsWith("64 numbers"), f.detail());
        String short63 = frame.toString().substring(0, frame.toString().lastIndexOf(',')) + "]}";
        assertTrue(SCANNER.scan("63", short63.getBytes(StandardCharsets.UTF_8)).isEmpty());
        StringJoiner csv = new StringJoiner("\n");
        for (int i = 0; i < 100; i++) {
            csv.add("sensor_" + i + " " + i + "," + (i * 3)); // numbers, but never 64 in a row
        }
        assertTrue(SCANNER.scan("csv", csv.toString().getBytes(StandardCharsets.UTF_8)).isEmpty());
    }

    @Test
    void nearSilenceIsNotAudioEvidence() {
        assertTrue(SCANNER.scan("quiet", plant(s16le(4100, 4200), 9)).isEmpty());
        assertTrue(SCANNER.scan("zeros", new byte[4096]).isEmpty());
    }

    @Test
    void findsNothingInARealJournalAndMetricsText() throws Exception {
        JournalKeys keys = JournalKeys.loadOrCreate(dir.resolve("keys").resolve("k.pem"));
        try (Journal journal = Journal.open(dir.resolve("journal"), Journal.Options.defaults(), keys,
                () -> 1_795_900_000_000_000L, line -> { })) {
            for (int i = 0; i < 200; i++) {
                JsonObject d = new JsonObject();
                d.addProperty("id", "s" + i % 3 + "-" + (1_795_900_000_000_000L + i * 1_000_000L) + "-shout");
                d.addProperty("confidence", 0.5 + i % 50 / 100.0);
                d.addProperty("peak_dbfs", -20.0 + i % 7);
                d.addProperty("onset_us", 1_795_900_000_000_000L + i * 1_000_000L);
                journal.append(i % 2 == 0 ? "alert" : "detection", d);
            }
            journal.checkpoint();
        }
        assertEquals(List.of(), SCANNER.scanTree(dir));
        String metrics = "# TYPE earshot_frames_accepted_total counter\n"
                + "earshot_frames_accepted_total{sensor=\"s1\"} 2300\n"
                + "earshot_inference_seconds_bucket{le=\"0.005\"} 12\n"
                + "earshot_inference_seconds_bucket{le=\"0.01\"} 40\n";
        assertEquals(List.of(), SCANNER.scan("/metrics", metrics.repeat(50).getBytes(StandardCharsets.UTF_8)));
        // ... while the same journal with a run of audio appended is caught, in that file.
        Path segment;
        try (var files = Files.list(dir.resolve("journal"))) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("segment-")).findFirst().orElseThrow();
        }
        Files.write(segment, s16le(300, 400), java.nio.file.StandardOpenOption.APPEND);
        List<AudioLeakScanner.Finding> findings = SCANNER.scanTree(dir);
        assertTrue(!findings.isEmpty() && findings.stream().allMatch(f -> f.source().equals(segment.toString())
                && f.kind() == AudioLeakScanner.Kind.PCM_S16LE), findings.toString());
    }
}
