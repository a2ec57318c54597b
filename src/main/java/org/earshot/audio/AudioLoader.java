package org.earshot.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.earshot.dsp.FrontEndSpec;

/**
 * Loads an audio file ready for the front end: decoded by {@link WavReader} or {@link FlacReader}, chosen by the
 * file's first bytes ({@code RIFF} or {@code fLaC}) whatever its name ends with, mixed to mono and converted by
 * {@link Resampler} to {@link FrontEndSpec#SAMPLE_RATE}. Files already at that rate are returned as decoded. Any
 * other content raises an {@link AudioFormatException} that names the formats read and how to convert to them.
 */
public final class AudioLoader {
    /** What the loader reads, for messages and help texts. */
    public static final String FORMATS = "WAV (PCM 8/16/24/32-bit or float) and FLAC (up to 24-bit)";

    private static final int SNIFF_BYTES = 12;

    private AudioLoader() {}

    /** Reads a WAV or FLAC file as a 16 kHz mono clip. */
    public static AudioClip load16k(Path path) throws IOException {
        AudioClip clip = read(path);
        if (clip.sampleRate() == FrontEndSpec.SAMPLE_RATE) {
            return clip;
        }
        float[] samples = Resampler.resample(clip.samples(), clip.sampleRate(), FrontEndSpec.SAMPLE_RATE);
        if (samples.length == 0) {
            throw new AudioFormatException(path.toString(), "too short to resample to "
                    + FrontEndSpec.SAMPLE_RATE + " Hz (" + clip.samples().length + " samples at "
                    + clip.sampleRate() + " Hz)");
        }
        return new AudioClip(samples, FrontEndSpec.SAMPLE_RATE);
    }

    /** Reads a WAV or FLAC file (told apart by content) as a mono clip at the file's own sample rate. */
    public static AudioClip read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        String name = path.toString();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            in.mark(SNIFF_BYTES);
            byte[] head = in.readNBytes(SNIFF_BYTES);
            in.reset();
            return switch (container(head)) {
                case WAV -> WavReader.read(in, name);
                case FLAC -> FlacReader.read(path);
                case UNKNOWN -> throw new AudioFormatException(name, unsupported(head));
            };
        }
    }

    /**
     * Opens a WAV or FLAC file (told apart by content) for reading in pieces at its own sample rate, decoded as it is
     * read, in constant memory.
     */
    public static AudioSource open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        String name = path.toString();
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            in.mark(SNIFF_BYTES);
            byte[] head = in.readNBytes(SNIFF_BYTES);
            in.reset();
            switch (container(head)) {
                case WAV:
                    return WavReader.open(in, name, true);
                case FLAC:
                    return FlacReader.open(in, Files.size(path), name, true);
                default:
                    throw new AudioFormatException(name, unsupported(head));
            }
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The containers the loader tells apart by their first bytes. */
    enum Container { WAV, FLAC, UNKNOWN }

    static Container container(byte[] head) {
        String magic = ascii(head, 0, 4);
        if (magic.equals("fLaC")) {
            return Container.FLAC;
        }
        // RIFX and RF64 are WAV variants that WavReader names in its own refusal.
        if (magic.equals("RIFF") || magic.equals("RIFX") || magic.equals("RF64")) {
            return Container.WAV;
        }
        return Container.UNKNOWN;
    }

    private static String unsupported(byte[] head) {
        if (head.length == 0) {
            return "empty file (0 bytes)";
        }
        String what = guess(head);
        return "unsupported audio format" + (what == null ? " (starts with " + FlacReader.printable(head) + ")"
                : " (looks like " + what + ")") + ": Earshot reads " + FORMATS + "; convert it first, e.g. "
                + "'ffmpeg -i INPUT -ac 1 -ar 16000 OUTPUT.wav' or 'sox INPUT -c 1 -r 16000 OUTPUT.flac'";
    }

    /** Names a few common formats by their signatures, so the message says what the file is. */
    private static String guess(byte[] h) {
        String magic = ascii(h, 0, 4);
        if (magic.equals("OggS")) {
            return "Ogg (Vorbis, Opus or Ogg FLAC)";
        }
        if (magic.startsWith("ID3") || (h.length >= 2 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xE0) == 0xE0)) {
            return "MP3";
        }
        if (ascii(h, 4, 8).equals("ftyp")) {
            return "MP4/M4A";
        }
        if (magic.equals("FORM")) {
            return "AIFF";
        }
        return null;
    }

    private static String ascii(byte[] b, int from, int to) {
        return to <= b.length ? new String(b, from, to - from, StandardCharsets.ISO_8859_1) : "";
    }
}
