package org.earshot.testing;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Looks for audio in bytes that should hold none (files, logs, HTTP bodies, MQTT payloads), given the audio that was
 * streamed. It finds:
 * <ul>
 *   <li>raw sample runs: any {@value #RAW_WINDOW_BYTES}-byte window of the streamed samples, at any byte offset of
 *   the haystack, encoded as 16-bit little-endian (as sent), 16-bit big-endian or 32-bit little-endian float
 *   ({@code sample / 32768}, as the service holds it);</li>
 *   <li>base64 of the PCM as sent: the base64 text (standard or URL-safe alphabet) of any
 *   {@value #BASE64_WINDOW_BYTES}-byte window at any byte offset of the 16-bit little-endian stream;</li>
 *   <li>WAV headers: {@code RIFF....WAVE}, {@code WAVEfmt }, a binary {@code fmt } chunk header, or {@code UklGR}
 *   (base64 of {@code RIFF});</li>
 *   <li>spectrogram or feature arrays: {@value #MIN_ARRAY_NUMBERS} or more numbers in a row separated only by commas
 *   (or semicolons) and white space, as in a JSON array or a CSV line.</li>
 * </ul>
 * Windows of near-silence (every sample's magnitude under {@value #QUIET}) or of fewer than {@value #MIN_DISTINCT}
 * distinct sample values (clipping, DC) occur naturally in any data and are not looked for. Every candidate window is
 * confirmed byte for byte, so a finding is audio and never a hash collision. Compressed or encrypted copies (InfluxDB's
 * snappy-compressed WAL, say) are out of its reach: look at what such stores give back when queried, too.
 */
public final class AudioLeakScanner {
    public static final int RAW_WINDOW_BYTES = 32;
    public static final int BASE64_WINDOW_BYTES = 24;
    public static final int MIN_ARRAY_NUMBERS = 64;
    public static final int QUIET = 64;
    public static final int MIN_DISTINCT = 4;
    /** Findings kept per source: enough to name the leak, not a flood. */
    public static final int MAX_FINDINGS_PER_SOURCE = 20;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** A locator is the kind (2 bits) and the first sample's index, kept non-negative (-1 means absent). */
    private static final int SAMPLE_BITS = 29;
    private static final int BASE64_CHARS = BASE64_WINDOW_BYTES / 3 * 4;
    private static final int[] BASE64_VALUE = new int[128];
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![\\w.+-])-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?![\\w.])");
    private static final Pattern SEPARATOR = Pattern.compile("\\s*[,;]?\\s*");

    static {
        Arrays.fill(BASE64_VALUE, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            BASE64_VALUE[alphabet.charAt(i)] = i;
        }
        BASE64_VALUE['-'] = 62;
        BASE64_VALUE['_'] = 63;
    }

    /** What was found. */
    public enum Kind { PCM_S16LE, PCM_S16BE, PCM_F32LE, BASE64_PCM, WAV_HEADER, NUMBER_ARRAY }

    /** One leak: where ({@code source} and byte {@code offset} in it), what, and which audio it matches. */
    public record Finding(String source, long offset, Kind kind, String detail) {
        @Override
        public String toString() {
            return source + " at byte " + offset + ": " + kind + " (" + detail + ")";
        }
    }

    private final List<String> names;
    private final int[] starts;
    private final short[] samples;
    private final byte[] s16le;
    private final HashTable raw;
    private final HashTable base64;

    private AudioLeakScanner(Map<String, short[]> recordings) {
        this.names = new ArrayList<>(recordings.keySet());
        this.starts = new int[names.size() + 1];
        int total = 0;
        for (int r = 0; r < names.size(); r++) {
            starts[r] = total;
            total += recordings.get(names.get(r)).length;
        }
        starts[names.size()] = total;
        this.samples = new short[total];
        for (int r = 0; r < names.size(); r++) {
            short[] s = recordings.get(names.get(r));
            System.arraycopy(s, 0, samples, starts[r], s.length);
        }
        this.s16le = new byte[2 * total];
        for (int i = 0; i < total; i++) {
            s16le[2 * i] = (byte) samples[i];
            s16le[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        this.raw = new HashTable(3L * total);
        this.base64 = new HashTable(2L * total);
        byte[] window = new byte[RAW_WINDOW_BYTES];
        for (int r = 0; r < names.size(); r++) {
            for (int i = starts[r]; i < starts[r + 1]; i++) {
                for (Kind kind : new Kind[] {Kind.PCM_S16LE, Kind.PCM_S16BE, Kind.PCM_F32LE}) {
                    int n = samplesPerWindow(kind);
                    if (i + n <= starts[r + 1] && !quiet(i, i + n)) {
                        encode(kind, i, window);
                        raw.putIfAbsent(hash(window, 0, 4), locator(kind, i));
                    }
                }
            }
            for (int b = 2 * starts[r]; b + BASE64_WINDOW_BYTES <= 2 * starts[r + 1]; b++) {
                if (!quiet((b + 1) / 2, (b + BASE64_WINDOW_BYTES) / 2)) {
                    base64.putIfAbsent(hash(s16le, b, 3), b);
                }
            }
        }
    }

    /** A scanner for these recordings (name to 16-bit samples, as streamed). */
    public static AudioLeakScanner of(Map<String, short[]> recordings) {
        return new AudioLeakScanner(new LinkedHashMap<>(recordings));
    }

    /** Samples in [-1, 1) as a sensor sends them in 16-bit frames (the quantisation of {@code FrameCodec}). */
    public static short[] pcm16(float[] samples) {
        short[] out = new short[samples.length];
        for (int i = 0; i < samples.length; i++) {
            out[i] = (short) Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768.0)));
        }
        return out;
    }

    /** Every file under {@code dir} (recursively), each named by its path. */
    public List<Finding> scanTree(Path dir) throws IOException {
        List<Finding> findings = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                findings.addAll(scan(f.toString(), Files.readAllBytes(f)));
            }
        }
        return findings;
    }

    public List<Finding> scanFile(Path file) throws IOException {
        return scan(file.toString(), Files.readAllBytes(file));
    }

    /** All findings in {@code content}, at most {@link #MAX_FINDINGS_PER_SOURCE}, by offset within each kind. */
    public List<Finding> scan(String source, byte[] content) {
        List<Finding> findings = new ArrayList<>();
        scanRaw(source, content, findings);
        scanBase64(source, content, findings);
        scanWavHeaders(source, content, findings);
        scanNumberArrays(source, content, findings);
        return findings.size() > MAX_FINDINGS_PER_SOURCE ? findings.subList(0, MAX_FINDINGS_PER_SOURCE) : findings;
    }

    private void scanRaw(String source, byte[] content, List<Finding> findings) {
        byte[] expected = new byte[RAW_WINDOW_BYTES];
        for (int off = 0; off + RAW_WINDOW_BYTES <= content.length; off++) {
            int loc = raw.get(hash(content, off, 4));
            if (loc < 0) {
                continue;
            }
            Kind kind = Kind.values()[loc >>> SAMPLE_BITS];
            int sample = loc & ((1 << SAMPLE_BITS) - 1);
            encode(kind, sample, expected);
            if (Arrays.equals(content, off, off + RAW_WINDOW_BYTES, expected, 0, RAW_WINDOW_BYTES)) {
                findings.add(new Finding(source, off, kind, RAW_WINDOW_BYTES + " bytes equal to samples "
                        + describe(sample, samplesPerWindow(kind))));
                if (findings.size() > MAX_FINDINGS_PER_SOURCE) {
                    return;
                }
                off += RAW_WINDOW_BYTES - 1; // one finding per run of audio, not one per byte of it
            }
        }
    }

    private void scanBase64(String source, byte[] content, List<Finding> findings) {
        byte[] decoded = new byte[BASE64_WINDOW_BYTES];
        int run = 0;
        for (int end = 0; end < content.length; end++) {
            int c = content[end] & 0xff;
            run = c < 128 && BASE64_VALUE[c] >= 0 ? run + 1 : 0;
            if (run < BASE64_CHARS) {
                continue;
            }
            int off = end - BASE64_CHARS + 1;
            for (int g = 0; g < BASE64_CHARS / 4; g++) {
                int v = 0;
                for (int k = 0; k < 4; k++) {
                    v = v << 6 | BASE64_VALUE[content[off + 4 * g + k]];
                }
                decoded[3 * g] = (byte) (v >> 16);
                decoded[3 * g + 1] = (byte) (v >> 8);
                decoded[3 * g + 2] = (byte) v;
            }
            int b = base64.get(hash(decoded, 0, 3));
            if (b >= 0 && Arrays.equals(decoded, 0, BASE64_WINDOW_BYTES, s16le, b, b + BASE64_WINDOW_BYTES)) {
                findings.add(new Finding(source, off, Kind.BASE64_PCM, BASE64_CHARS + " base64 characters decoding"
                        + " to 16-bit little-endian samples " + describe(b / 2, BASE64_WINDOW_BYTES / 2)));
                if (findings.size() > MAX_FINDINGS_PER_SOURCE) {
                    return;
                }
                run = 0; // one finding per window, not one per character of it
            }
        }
    }

    private static void scanWavHeaders(String source, byte[] content, List<Finding> findings) {
        for (int off = 0; off + 4 <= content.length; off++) {
            String what = null;
            if (at(content, off, "RIFF") && off + 12 <= content.length && at(content, off + 8, "WAVE")) {
                what = "RIFF....WAVE";
            } else if (at(content, off, "WAVEfmt ")) {
                what = "WAVEfmt ";
            } else if (at(content, off, "fmt ") && off + 10 <= content.length) {
                int size = (content[off + 4] & 0xff) | (content[off + 5] & 0xff) << 8
                        | (content[off + 6] & 0xff) << 16 | (content[off + 7] & 0xff) << 24;
                int format = (content[off + 8] & 0xff) | (content[off + 9] & 0xff) << 8;
                if ((size == 16 || size == 18 || size == 40) && (format == 1 || format == 3 || format == 0xFFFE)) {
                    what = "fmt chunk of " + size + " bytes, format " + format;
                }
            } else if (at(content, off, "UklGR")) {
                what = "UklGR (base64 of RIFF)";
            }
            if (what != null) {
                findings.add(new Finding(source, off, Kind.WAV_HEADER, what));
            }
        }
    }

    private static void scanNumberArrays(String source, byte[] content, List<Finding> findings) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        Matcher m = NUMBER.matcher(text);
        int count = 0;
        int runStart = -1;
        int previousEnd = -1;
        while (m.find()) {
            boolean continues = count > 0 && SEPARATOR.matcher(text).region(previousEnd, m.start()).matches()
                    && m.start() > previousEnd;
            if (!continues) {
                report(source, text, runStart, count, findings);
                count = 0;
                runStart = m.start();
            }
            count++;
            previousEnd = m.end();
        }
        report(source, text, runStart, count, findings);
    }

    private static void report(String source, String text, int runStart, int count, List<Finding> findings) {
        if (count >= MIN_ARRAY_NUMBERS) {
            findings.add(new Finding(source, runStart, Kind.NUMBER_ARRAY, count + " numbers in a row, starting "
                    + text.substring(runStart, Math.min(text.length(), runStart + 40)).replaceAll("\\s+", " ")));
        }
    }

    private static boolean at(byte[] content, int off, String ascii) {
        if (off + ascii.length() > content.length) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (content[off + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String describe(int sample, int count) {
        int r = 0;
        while (starts[r + 1] <= sample) {
            r++;
        }
        int first = sample - starts[r];
        return first + ".." + (first + count - 1) + " of " + names.get(r) + " (" + String.format("%.3f", first
                / 16000.0) + " s at 16 kHz)";
    }

    private static int samplesPerWindow(Kind kind) {
        return kind == Kind.PCM_F32LE ? RAW_WINDOW_BYTES / 4 : RAW_WINDOW_BYTES / 2;
    }

    private static int locator(Kind kind, int sample) {
        if (sample >= 1 << SAMPLE_BITS) {
            throw new IllegalArgumentException("too much reference audio: " + sample + " samples");
        }
        return kind.ordinal() << SAMPLE_BITS | sample;
    }

    private void encode(Kind kind, int first, byte[] out) {
        switch (kind) {
            case PCM_S16LE -> System.arraycopy(s16le, 2 * first, out, 0, RAW_WINDOW_BYTES);
            case PCM_S16BE -> {
                for (int i = 0; i < RAW_WINDOW_BYTES / 2; i++) {
                    out[2 * i] = (byte) (samples[first + i] >> 8);
                    out[2 * i + 1] = (byte) samples[first + i];
                }
            }
            case PCM_F32LE -> {
                for (int i = 0; i < RAW_WINDOW_BYTES / 4; i++) {
                    int bits = Float.floatToIntBits(samples[first + i] / 32768f);
                    out[4 * i] = (byte) bits;
                    out[4 * i + 1] = (byte) (bits >> 8);
                    out[4 * i + 2] = (byte) (bits >> 16);
                    out[4 * i + 3] = (byte) (bits >> 24);
                }
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    /** Whether samples [from, to) are near-silence or too uniform to be evidence of audio. */
    private boolean quiet(int from, int to) {
        boolean loud = false;
        for (int i = from; i < to && !loud; i++) {
            loud = Math.abs(samples[i]) >= QUIET;
        }
        if (!loud) {
            return true;
        }
        short[] seen = new short[MIN_DISTINCT];
        int distinct = 0;
        for (int i = from; i < to && distinct < MIN_DISTINCT; i++) {
            boolean known = false;
            for (int k = 0; k < distinct && !known; k++) {
                known = seen[k] == samples[i];
            }
            if (!known) {
                seen[distinct++] = samples[i];
            }
        }
        return distinct < MIN_DISTINCT;
    }

    /** A 64-bit hash of {@code longs} little-endian longs at {@code off}; never 0 (the table's empty slot). */
    private static long hash(byte[] bytes, int off, int longs) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < longs; i++) {
            long v = (long) LONG_LE.get(bytes, off + 8 * i);
            h = Long.rotateLeft(h ^ v * 0xC2B2AE3D27D4EB4FL, 31) * 0x9E3779B97F4A7C15L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    /** Open addressing, hash to int, without boxing: the reference holds millions of windows. */
    private static final class HashTable {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        HashTable(long expected) {
            int capacity = Integer.highestOneBit((int) Math.max(16, Math.min(1 << 29, expected * 2)) - 1) << 1;
            keys = new long[capacity];
            values = new int[capacity];
            mask = capacity - 1;
        }

        void putIfAbsent(long key, int value) {
            int i = (int) key & mask;
            while (keys[i] != 0) {
                if (keys[i] == key) {
                    return;
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }

        int get(long key) {
            int i = (int) key & mask;
            while (keys[i] != 0) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }
}
