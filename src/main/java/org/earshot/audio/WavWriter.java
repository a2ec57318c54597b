package org.earshot.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;

/**
 * Writes mono 16-bit PCM WAV files. It is used only by dataset tooling (the demo recording and evaluation streams):
 * the live service never writes audio to disk (DESIGN.md, privacy by design). Samples are clipped to [-1, 1] and
 * rounded to the nearest 16-bit step of 1/32768 (full scale +1.0 becomes 32767, the largest code), so a file read
 * back with {@link WavReader} matches the input within 1/32768. The file is written to a temporary file in the
 * target's directory and then moved over the target, so a reader never sees a half-written file and a failed write
 * leaves an existing file untouched. Non-finite samples and impossible sample rates are rejected, not written.
 */
public final class WavWriter {
    private static final int HEADER_BYTES = 44;
    private static final int BYTES_PER_SAMPLE = 2;
    /** The RIFF size field (file length - 8) is an unsigned 32-bit number. */
    private static final long MAX_SAMPLES = (0xFFFF_FFFFL - (HEADER_BYTES - 8)) / BYTES_PER_SAMPLE;
    private static final int CHUNK_SAMPLES = 8192;

    private WavWriter() {}

    /**
     * Writes {@code samples} (nominally in [-1, 1]) as a mono 16-bit PCM WAV file at {@code sampleRate}, replacing
     * {@code path} if it exists.
     *
     * @throws IllegalArgumentException if a sample is NaN or infinite, or the sample rate is outside the range
     *     {@link WavReader} accepts
     */
    public static void write16(Path path, float[] samples, int sampleRate) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(samples, "samples");
        if (sampleRate < WavReader.MIN_SAMPLE_RATE || sampleRate > WavReader.MAX_SAMPLE_RATE) {
            throw new IllegalArgumentException("sample rate must be in " + WavReader.MIN_SAMPLE_RATE + ".."
                    + WavReader.MAX_SAMPLE_RATE + " Hz, got " + sampleRate);
        }
        if (samples.length > MAX_SAMPLES) {
            throw new IllegalArgumentException(samples.length + " samples do not fit in a WAV file (at most "
                    + MAX_SAMPLES + ")");
        }
        for (int i = 0; i < samples.length; i++) {
            if (!Float.isFinite(samples[i])) {
                throw new IllegalArgumentException("sample " + i + " is not finite: " + samples[i]);
            }
        }
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        // Not Files.createTempFile: its owner-only permissions would stick to the result; CREATE_NEW honours umask.
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                out.write(header(samples.length, sampleRate));
                ByteBuffer chunk = ByteBuffer.allocate(CHUNK_SAMPLES * BYTES_PER_SAMPLE).order(ByteOrder.LITTLE_ENDIAN);
                for (int start = 0; start < samples.length; start += CHUNK_SAMPLES) {
                    chunk.clear();
                    int end = Math.min(samples.length, start + CHUNK_SAMPLES);
                    for (int i = start; i < end; i++) {
                        chunk.putShort(toPcm16(samples[i]));
                    }
                    out.write(chunk.array(), 0, chunk.position());
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Clips to [-1, 1] and rounds to the nearest step of 1/32768; +1.0 maps to 32767, the largest code. */
    static short toPcm16(float sample) {
        double clipped = Math.max(-1.0, Math.min(1.0, sample));
        long code = Math.round(clipped * 32768.0);
        return (short) Math.min(Short.MAX_VALUE, code);
    }

    private static byte[] header(int sampleCount, int sampleRate) {
        long dataBytes = (long) sampleCount * BYTES_PER_SAMPLE;
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {'R', 'I', 'F', 'F'}).putInt((int) (dataBytes + HEADER_BYTES - 8));
        h.put(new byte[] {'W', 'A', 'V', 'E'});
        h.put(new byte[] {'f', 'm', 't', ' '}).putInt(16);
        h.putShort((short) 1); // WAVE_FORMAT_PCM
        h.putShort((short) 1); // mono
        h.putInt(sampleRate);
        h.putInt(sampleRate * BYTES_PER_SAMPLE); // byte rate
        h.putShort((short) BYTES_PER_SAMPLE); // block align
        h.putShort((short) 16); // bits per sample
        h.put(new byte[] {'d', 'a', 't', 'a'}).putInt((int) dataBytes);
        return h.array();
    }
}
