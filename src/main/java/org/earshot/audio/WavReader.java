package org.earshot.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decodes RIFF/WAVE files into mono {@link AudioClip}s, or, through {@link #open(Path)}, piece by piece. Supported
 * encodings: integer PCM in 8-bit (unsigned), 16-, 24- and 32-bit containers, IEEE float in 32 and 64 bits, and
 * WAVE_FORMAT_EXTENSIBLE carrying either of them; any number of channels is downmixed to mono by averaging. Unknown
 * chunks (LIST, bext, ...) are skipped, honouring the pad byte of odd-sized chunks. A data chunk size of 0 or
 * 0xFFFFFFFF, as written by streaming recorders that cannot seek back, means "until end of file". Every malformed or
 * unsupported input raises an {@link AudioFormatException} naming the source and the problem; nothing is guessed or
 * clamped.
 */
public final class WavReader {
    /** Lowest sample rate accepted; anything below is a corrupt header rather than audio worth classifying. */
    public static final int MIN_SAMPLE_RATE = 1_000;
    /** Highest sample rate accepted (the highest rate common audio interfaces offer). */
    public static final int MAX_SAMPLE_RATE = 384_000;

    private static final int WAVE_FORMAT_PCM = 0x0001;
    private static final int WAVE_FORMAT_IEEE_FLOAT = 0x0003;
    private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;
    /** The 14 bytes after the format code in every KSDATAFORMAT_SUBTYPE GUID (…-0000-0010-8000-00AA00389B71). */
    private static final byte[] SUBFORMAT_GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71
    };
    /** No legitimate fmt chunk is this large; refusing bigger ones avoids allocating for a corrupt size field. */
    private static final int MAX_FMT_CHUNK_BYTES = 1 << 16;
    /** Frames decoded per read; large enough to amortise stream calls, small enough to stay in cache. */
    private static final int FRAMES_PER_READ = 4096;
    /** Initial output capacity cap, so a lying size field cannot make us allocate gigabytes up front. */
    private static final int INITIAL_CAPACITY_CAP = 1 << 20;

    private WavReader() {}

    /** Reads a WAV file. */
    public static AudioClip read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            return read(in, path.toString());
        }
    }

    /**
     * Opens a WAV file for reading in pieces: the header is checked now, the samples are decoded as they are read, so
     * memory does not grow with the file's length. The caller closes the source.
     */
    public static AudioSource open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            return open(in, path.toString(), true);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Opens a WAV stream for reading in pieces, its header checked now; closing the source closes {@code in} when
     * {@code closeStream}.
     */
    static AudioSource open(InputStream in, String nameForErrors, boolean closeStream) throws IOException {
        return new Parser(in, nameForErrors).open(closeStream);
    }

    /**
     * Reads a WAV stream up to the end of its data chunk; {@code nameForErrors} identifies the source in exception
     * messages. The stream is not closed.
     */
    public static AudioClip read(InputStream in, String nameForErrors) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(nameForErrors, "nameForErrors");
        return new Parser(in, nameForErrors).parse();
    }

    private enum Encoding { PCM, FLOAT }

    private record Format(Encoding encoding, int channels, int sampleRate, int bytesPerSample, int blockAlign) {}

    private static final class Parser {
        private final InputStream in;
        private final String name;

        Parser(InputStream in, String name) {
            this.in = in;
            this.name = name;
        }

        AudioClip parse() throws IOException {
            DataReader data = open(false);
            if (!data.untilEndOfFile && data.declaredFrames > Integer.MAX_VALUE - 8) {
                throw error("data chunk of " + data.declaredFrames + " frames is too long to hold in memory");
            }
            float[] out = new float[(int) Math.min(data.declaredFrames, INITIAL_CAPACITY_CAP)];
            long frames = 0;
            while (frames < data.declaredFrames) {
                if (frames == out.length) {
                    if (frames >= Integer.MAX_VALUE - 8) {
                        throw error("data chunk too long to hold in memory");
                    }
                    long grown = Math.max(frames + 1, Math.min((long) out.length * 2, data.declaredFrames));
                    out = Arrays.copyOf(out, (int) Math.min(grown, Integer.MAX_VALUE - 8));
                }
                int got = data.read(out, (int) frames, (int) (out.length - frames));
                if (got < 0) {
                    break;
                }
                frames += got;
            }
            float[] samples = frames == out.length ? out : Arrays.copyOf(out, (int) frames);
            return new AudioClip(samples, data.format.sampleRate());
        }

        DataReader open(boolean closeStream) throws IOException {
            byte[] header = new byte[12];
            int got = in.readNBytes(header, 0, 12);
            if (got < 12) {
                throw error("not a RIFF/WAVE file: only " + got + " bytes long");
            }
            String riff = fourCc(header, 0);
            if (riff.equals("RIFX")) {
                throw error("big-endian RIFX files are not supported");
            }
            if (riff.equals("RF64")) {
                throw error("RF64 (64-bit WAV) files are not supported");
            }
            if (!riff.equals("RIFF") || !fourCc(header, 8).equals("WAVE")) {
                throw error("not a RIFF/WAVE file (header '" + riff + "'...'" + fourCc(header, 8) + "')");
            }
            // The RIFF size field is ignored: streaming writers leave it 0 or wrong, and the chunks say enough.
            Format format = null;
            byte[] chunkHeader = new byte[8];
            while (true) {
                got = in.readNBytes(chunkHeader, 0, 8);
                if (got == 0) {
                    break;
                }
                if (got < 8) {
                    throw error("truncated chunk header at end of file (" + got + " of 8 bytes)");
                }
                String id = fourCc(chunkHeader, 0);
                long size = ByteBuffer.wrap(chunkHeader, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
                switch (id) {
                    case "fmt " -> {
                        if (format != null) {
                            throw error("more than one fmt chunk");
                        }
                        format = parseFormat(size);
                    }
                    case "data" -> {
                        if (format == null) {
                            throw error("missing fmt chunk (data chunk comes first or fmt is absent)");
                        }
                        return new DataReader(format, size, closeStream);
                    }
                    default -> skip(id, size + (size & 1));
                }
            }
            throw error(format == null ? "missing fmt chunk" : "missing data chunk");
        }

        private Format parseFormat(long size) throws IOException {
            if (size < 16) {
                throw error("fmt chunk too short: " + size + " bytes, at least 16 needed");
            }
            if (size > MAX_FMT_CHUNK_BYTES) {
                throw error("fmt chunk implausibly large: " + size + " bytes");
            }
            int padded = (int) (size + (size & 1));
            byte[] raw = new byte[padded];
            int got = in.readNBytes(raw, 0, padded);
            if (got < size) {
                throw error("truncated fmt chunk: header says " + size + " bytes, only " + got + " present");
            }
            ByteBuffer fmt = ByteBuffer.wrap(raw, 0, (int) size).order(ByteOrder.LITTLE_ENDIAN);
            int formatTag = fmt.getShort(0) & 0xFFFF;
            int channels = fmt.getShort(2) & 0xFFFF;
            long sampleRate = fmt.getInt(4) & 0xFFFF_FFFFL;
            int blockAlign = fmt.getShort(12) & 0xFFFF;
            int bits = fmt.getShort(14) & 0xFFFF;

            int codec = formatTag;
            int validBits = bits;
            if (formatTag == WAVE_FORMAT_EXTENSIBLE) {
                int cbSize = size >= 18 ? fmt.getShort(16) & 0xFFFF : 0;
                if (size < 40 || cbSize < 22) {
                    throw error("WAVE_FORMAT_EXTENSIBLE fmt chunk too short (" + size
                            + " bytes, cbSize " + cbSize + "; 40 bytes and cbSize 22 needed)");
                }
                validBits = fmt.getShort(18) & 0xFFFF;
                codec = fmt.getShort(24) & 0xFFFF;
                byte[] tail = Arrays.copyOfRange(raw, 26, 40);
                if (!Arrays.equals(tail, SUBFORMAT_GUID_TAIL)) {
                    throw error("unsupported WAVE_FORMAT_EXTENSIBLE subformat GUID " + guid(raw, 24));
                }
            }
            Encoding encoding = switch (codec) {
                case WAVE_FORMAT_PCM -> Encoding.PCM;
                case WAVE_FORMAT_IEEE_FLOAT -> Encoding.FLOAT;
                default -> throw error("unsupported format code 0x" + String.format("%04X", codec)
                        + " (" + formatName(codec) + "); only integer PCM and IEEE float are supported");
            };
            if (channels == 0) {
                throw error("fmt chunk declares zero channels");
            }
            if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
                throw error("sample rate " + sampleRate + " Hz outside the accepted " + MIN_SAMPLE_RATE + ".."
                        + MAX_SAMPLE_RATE + " Hz");
            }
            if (bits == 0) {
                throw error("fmt chunk declares 0 bits per sample");
            }
            int bytesPerSample;
            if (encoding == Encoding.FLOAT) {
                if (bits != 32 && bits != 64) {
                    throw error("IEEE float with " + bits + " bits per sample (only 32 and 64 exist)");
                }
                bytesPerSample = bits / 8;
            } else {
                if (bits > 32) {
                    throw error("integer PCM with " + bits + " bits per sample (at most 32 supported)");
                }
                if (formatTag == WAVE_FORMAT_EXTENSIBLE && bits % 8 != 0) {
                    throw error("WAVE_FORMAT_EXTENSIBLE container of " + bits + " bits is not whole bytes");
                }
                // Samples of e.g. 12 or 20 bits sit left-justified in whole-byte containers, so decoding the
                // container at full scale is exact.
                bytesPerSample = (bits + 7) / 8;
            }
            if (validBits == 0 || validBits > bits) {
                throw error("valid bits per sample " + validBits + " inconsistent with container of " + bits
                        + " bits");
            }
            long expectedBlockAlign = (long) channels * bytesPerSample;
            if (blockAlign != expectedBlockAlign) {
                throw error("block align " + blockAlign + " inconsistent with " + channels + " channel(s) of "
                        + bits + " bits (expected " + expectedBlockAlign + ")");
            }
            return new Format(encoding, channels, (int) sampleRate, bytesPerSample, blockAlign);
        }

        /** The data chunk, decoded as it is read. */
        private final class DataReader implements AudioSource {
            private final Format format;
            private final long declaredSize;
            private final boolean untilEndOfFile;
            private final long declaredFrames;
            private final boolean closeStream;
            private final byte[] buffer;
            private final ByteBuffer bb;
            private long frames;
            private boolean ended;

            DataReader(Format format, long declaredSize, boolean closeStream) throws AudioFormatException {
                this.format = format;
                this.declaredSize = declaredSize;
                this.closeStream = closeStream;
                this.untilEndOfFile = declaredSize == 0 || declaredSize == 0xFFFF_FFFFL;
                int blockAlign = format.blockAlign();
                if (!untilEndOfFile && declaredSize % blockAlign != 0) {
                    throw error("data chunk size " + declaredSize + " is not a whole number of " + blockAlign
                            + "-byte sample frames");
                }
                this.declaredFrames = untilEndOfFile ? Long.MAX_VALUE : declaredSize / blockAlign;
                int framesPerRead = (int) Math.max(1, Math.min(FRAMES_PER_READ, (1 << 24) / blockAlign));
                this.buffer = new byte[framesPerRead * blockAlign];
                this.bb = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
            }

            @Override
            public int sampleRate() {
                return format.sampleRate();
            }

            @Override
            public long declaredSamples() {
                return untilEndOfFile ? -1 : declaredFrames;
            }

            @Override
            public int read(float[] out, int offset, int max) throws IOException {
                if (max < 1) {
                    throw new IllegalArgumentException("max must be at least 1, got " + max);
                }
                if (ended || frames >= declaredFrames) {
                    return end();
                }
                int blockAlign = format.blockAlign();
                int want = (int) Math.min(Math.min(max, buffer.length / blockAlign), declaredFrames - frames);
                int got = in.readNBytes(buffer, 0, want * blockAlign);
                int whole = got / blockAlign;
                decode(format, bb, whole, out, offset, frames);
                frames += whole;
                if (got < want * blockAlign) {
                    if (got % blockAlign != 0) {
                        throw error("data ends with a partial sample frame (" + (got % blockAlign) + " of "
                                + blockAlign + " bytes)");
                    }
                    if (!untilEndOfFile) {
                        throw error("truncated data chunk: header says " + declaredSize + " bytes, only "
                                + frames * blockAlign + " present");
                    }
                    ended = true;
                }
                return whole > 0 ? whole : end();
            }

            private int end() throws AudioFormatException {
                ended = true;
                if (frames == 0) {
                    throw error("data chunk contains no audio samples");
                }
                return -1;
            }

            @Override
            public void close() throws IOException {
                if (closeStream) {
                    in.close();
                }
            }
        }

        private void decode(Format format, ByteBuffer bb, int frames, float[] out, int outOffset, long firstFrame)
                throws AudioFormatException {
            int channels = format.channels();
            int bytes = format.bytesPerSample();
            double mixScale = 1.0 / channels;
            int pos = 0;
            for (int f = 0; f < frames; f++) {
                double sum = 0;
                for (int c = 0; c < channels; c++, pos += bytes) {
                    sum += format.encoding() == Encoding.FLOAT ? floatSample(bb, pos, bytes, firstFrame + f)
                            : pcmSample(bb, pos, bytes);
                }
                out[outOffset + f] = (float) (sum * mixScale);
            }
        }

        private static double pcmSample(ByteBuffer bb, int pos, int bytes) {
            return switch (bytes) {
                case 1 -> ((bb.get(pos) & 0xFF) - 128) / 128.0; // 8-bit WAV is unsigned with offset 128
                case 2 -> bb.getShort(pos) / 32768.0;
                case 3 -> (((bb.get(pos) & 0xFF) | (bb.get(pos + 1) & 0xFF) << 8 | bb.get(pos + 2) << 16))
                        / 8388608.0;
                default -> bb.getInt(pos) / 2147483648.0;
            };
        }

        private double floatSample(ByteBuffer bb, int pos, int bytes, long frame) throws AudioFormatException {
            double v = bytes == 4 ? bb.getFloat(pos) : bb.getDouble(pos);
            if (!Double.isFinite(v) || Math.abs(v) > Float.MAX_VALUE) {
                throw error("float sample " + v + " in sample frame " + frame + " is not finite or exceeds float range");
            }
            return v;
        }

        private void skip(String id, long bytes) throws IOException {
            long remaining = bytes;
            byte[] scratch = null;
            while (remaining > 0) {
                long skipped = in.skip(remaining);
                if (skipped <= 0) {
                    // skip() may legitimately return 0 before end of stream; a read tells EOF apart.
                    if (scratch == null) {
                        scratch = new byte[8192];
                    }
                    int got = in.read(scratch, 0, (int) Math.min(scratch.length, remaining));
                    if (got < 0) {
                        throw error("file ends inside chunk '" + id + "' (declared " + bytes
                                + " bytes incl. padding); no data chunk found");
                    }
                    skipped = got;
                }
                remaining -= skipped;
            }
        }

        private AudioFormatException error(String problem) {
            return new AudioFormatException(name, problem);
        }
    }

    private static String fourCc(byte[] b, int offset) {
        StringBuilder s = new StringBuilder(4);
        for (int i = offset; i < offset + 4; i++) {
            int c = b[i] & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return s.toString();
    }

    private static String guid(byte[] b, int o) {
        ByteBuffer bb = ByteBuffer.wrap(b, o, 16).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder s = new StringBuilder(String.format("%08X-%04X-%04X-", bb.getInt(o), bb.getShort(o + 4),
                bb.getShort(o + 6)));
        for (int i = 8; i < 16; i++) {
            s.append(String.format("%02X", b[o + i]));
            if (i == 9) {
                s.append('-');
            }
        }
        return s.toString();
    }

    private static String formatName(int code) {
        return switch (code) {
            case 0x0002 -> "Microsoft ADPCM";
            case 0x0006 -> "A-law";
            case 0x0007 -> "mu-law";
            case 0x0011 -> "IMA ADPCM";
            case 0x0022 -> "TrueSpeech";
            case 0x0031 -> "GSM 6.10";
            case 0x0050 -> "MPEG";
            case 0x0055 -> "MPEG Layer 3";
            case 0x0092 -> "Dolby AC-3 SPDIF";
            case 0x00FF -> "AAC";
            case 0x1610 -> "HE-AAC";
            case 0xF1AC -> "FLAC";
            case 0x0000 -> "unknown";
            default -> "unrecognised codec";
        };
    }
}
