package org.earshot.audio;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import org.jflac.ChannelData;
import org.jflac.FLACDecoder;
import org.jflac.FrameListener;
import org.jflac.frame.Frame;
import org.jflac.frame.Header;
import org.jflac.metadata.Metadata;
import org.jflac.metadata.StreamInfo;

/**
 * Decodes FLAC files (native FLAC streams starting with {@code fLaC}) into mono {@link AudioClip}s with jFLAC:
 * integer PCM of 4 to 24 bits, 1 to 8 channels, downmixed to mono by averaging and scaled to full scale exactly
 * as {@link WavReader} scales the same samples, so a FLAC file and the WAV it was encoded from decode to identical
 * clips. jFLAC on its own skips or silences frames it cannot decode; this reader refuses them instead: a lost frame
 * sync, a bad frame header, a CRC mismatch, frames that disagree with the STREAMINFO block, fewer samples than
 * STREAMINFO announces, bytes at the end that are not a whole frame and an MD5 signature that does not match the
 * decoded samples all raise an {@link AudioFormatException} naming the source and the problem.
 */
public final class FlacReader {
    /** The four bytes every native FLAC stream starts with. */
    static final byte[] MAGIC = {'f', 'L', 'a', 'C'};
    /** jFLAC reconstructs samples in 32-bit ints; side channels need one bit more than the samples. */
    private static final int MAX_BITS_PER_SAMPLE = 24;
    /** Initial output capacity cap, so a lying STREAMINFO cannot make us allocate gigabytes up front. */
    private static final int INITIAL_CAPACITY_CAP = 1 << 20;
    private static final int STREAMINFO_LENGTH = 34;
    /** The largest byte array the JVM allocates; the file is held whole (see {@link #read(byte[], String)}). */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private FlacReader() {}

    /** Reads a FLAC file. */
    public static AudioClip read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        long size = Files.size(path);
        if (size > MAX_FILE_BYTES) {
            throw new AudioFormatException(path.toString(), "FLAC file of " + size + " bytes is too large to decode "
                    + "in memory (at most " + MAX_FILE_BYTES + ")");
        }
        return read(Files.readAllBytes(path), path.toString());
    }

    /** Reads a whole FLAC stream; {@code nameForErrors} identifies the source in exception messages. Not closed. */
    public static AudioClip read(InputStream in, String nameForErrors) throws IOException {
        Objects.requireNonNull(in, "in");
        return read(in.readAllBytes(), nameForErrors);
    }

    /**
     * Decodes a FLAC file held in memory. The encoded bytes are held whole (a fraction of the decoded floats'
     * size) because only then can the reader tell a truncated last frame from the clean end of the stream.
     */
    public static AudioClip read(byte[] flac, String nameForErrors) throws IOException {
        Objects.requireNonNull(flac, "flac");
        Objects.requireNonNull(nameForErrors, "nameForErrors");
        try {
            return JflacOutputGuard.run(() -> new Decoding(flac, nameForErrors).run());
        } catch (AudioFormatException e) {
            throw e;
        } catch (EOFException e) {
            throw new AudioFormatException(nameForErrors, "file ends inside the FLAC header (truncated)");
        } catch (IOException | RuntimeException e) {
            // jFLAC reports corrupt input as plain IOExceptions or, deep in a subframe, as index errors.
            throw new AudioFormatException(nameForErrors, "corrupt FLAC data (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    /** One decoding run: jFLAC's decoder, the errors it reports through its listener, and the growing output. */
    private static final class Decoding implements FrameListener {
        private final byte[] flac;
        private final String name;
        private final int framesOffset;
        private final int prefix;
        private final PositionStream in;
        private final FLACDecoder decoder;
        private String firstError;

        Decoding(byte[] flac, String name) throws AudioFormatException {
            this.flac = flac;
            this.name = name;
            checkMagic();
            // jFLAC allocates whatever a metadata block's length fields ask for (a corrupt comment count can ask for
            // gigabytes), and audio needs only STREAMINFO: the decoder sees that block alone, then the frames.
            int streamInfoLength = -1;
            int pos = MAGIC.length;
            boolean last = false;
            for (int block = 0; !last; block++) {
                if (pos + 4 > flac.length) {
                    throw error("file ends inside the metadata (truncated header: block " + block + " at byte " + pos
                            + ")");
                }
                last = (flac[pos] & 0x80) != 0;
                int type = flac[pos] & 0x7F;
                int length = (flac[pos + 1] & 0xFF) << 16 | (flac[pos + 2] & 0xFF) << 8 | (flac[pos + 3] & 0xFF);
                if (block == 0 && type != 0) {
                    throw error("first metadata block is of type " + type + ", not STREAMINFO");
                }
                if (block > 0 && type == 0) {
                    throw error("more than one STREAMINFO metadata block");
                }
                if (type == 127) {
                    throw error("invalid metadata block type 127 at byte " + pos);
                }
                if (type == 0 && length < STREAMINFO_LENGTH) {
                    throw error("STREAMINFO block of " + length + " bytes, " + STREAMINFO_LENGTH + " needed");
                }
                if ((long) pos + 4 + length > flac.length) {
                    throw error("file ends inside metadata block " + block + " (type " + type + ", " + length
                            + " bytes at byte " + pos + "): truncated header");
                }
                if (type == 0) {
                    streamInfoLength = length;
                }
                pos += 4 + length;
            }
            framesOffset = pos;
            byte[] stream = new byte[MAGIC.length + 4 + streamInfoLength + flac.length - framesOffset];
            System.arraycopy(flac, 0, stream, 0, MAGIC.length + 4 + streamInfoLength);
            stream[MAGIC.length] |= (byte) 0x80; // STREAMINFO is now the last metadata block
            prefix = MAGIC.length + 4 + streamInfoLength;
            System.arraycopy(flac, framesOffset, stream, prefix, flac.length - framesOffset);
            this.in = new PositionStream(stream);
            this.decoder = new FLACDecoder(in);
            decoder.addFrameListener(this);
        }

        /** Where a position in the stream handed to jFLAC lies in the file. */
        private long fileOffset(long streamPosition) {
            return streamPosition - prefix + framesOffset;
        }

        AudioClip run() throws IOException {
            decoder.readMetadata();
            StreamInfo info = decoder.getStreamInfo();
            if (info == null) {
                throw error("no STREAMINFO metadata block");
            }
            int channels = info.getChannels();
            int bits = info.getBitsPerSample();
            int sampleRate = info.getSampleRate();
            if (sampleRate < WavReader.MIN_SAMPLE_RATE || sampleRate > WavReader.MAX_SAMPLE_RATE) {
                throw error("sample rate " + sampleRate + " Hz outside the accepted " + WavReader.MIN_SAMPLE_RATE
                        + ".." + WavReader.MAX_SAMPLE_RATE + " Hz");
            }
            if (bits < 4 || bits > MAX_BITS_PER_SAMPLE) {
                throw error(bits + " bits per sample (4 to " + MAX_BITS_PER_SAMPLE + " supported)");
            }
            long declared = info.getTotalSamples(); // 0: unknown (a streaming encoder could not seek back)
            if (declared > Integer.MAX_VALUE - 8) {
                throw error("STREAMINFO declares " + declared + " samples: too long to hold in memory");
            }
            // STREAMINFO's last 16 bytes; jFLAC keeps them to itself.
            byte[] signature = Arrays.copyOfRange(flac, MAGIC.length + 4 + 18, MAGIC.length + 4 + 34);
            MessageDigest md5 = hasSignature(signature) ? md5() : null;
            int bytesPerSample = (bits + 7) / 8;
            byte[] md5Buffer = md5 == null ? null : new byte[0];
            double scale = 1.0 / (1L << (bits - 1)) / channels;

            float[] out = new float[(int) Math.min(declared > 0 ? declared : INITIAL_CAPACITY_CAP,
                    INITIAL_CAPACITY_CAP)];
            long frames = 0;
            int frameIndex = 0;
            while (declared == 0 || frames < declared) {
                long frameStart = fileOffset(in.consumed(decoder));
                Frame frame = decoder.readNextFrame();
                if (firstError != null) {
                    throw error("frame " + frameIndex + " (at byte " + frameStart + "): " + explain(firstError));
                }
                if (frame == null) {
                    if (declared > 0) {
                        throw error("truncated: STREAMINFO announces " + declared + " samples, only " + frames
                                + " decoded");
                    }
                    if (frameStart < flac.length) {
                        throw error("file ends with " + (flac.length - frameStart) + " bytes that are not a whole "
                                + "frame (truncated?)");
                    }
                    break;
                }
                Header h = frame.header;
                if (h.channels != channels || h.bitsPerSample != bits || h.sampleRate != sampleRate) {
                    throw error("frame " + frameIndex + " has " + h.channels + " channel(s), " + h.bitsPerSample
                            + " bits, " + h.sampleRate + " Hz; STREAMINFO says " + channels + ", " + bits + ", "
                            + sampleRate);
                }
                // Where STREAMINFO's minimum and maximum block sizes differ, jFLAC reads every frame's number as a
                // sample number, so a fixed-block-size frame's "sample number" is then its frame number.
                boolean numbered = h.sampleNumber == frames
                        || (info.getMinBlockSize() != info.getMaxBlockSize() && h.sampleNumber == frameIndex);
                if (!numbered) {
                    throw error("frame " + frameIndex + " starts at sample " + h.sampleNumber + ", expected "
                            + frames + " (a frame is missing or repeated)");
                }
                int block = h.blockSize;
                if (declared > 0 && frames + block > declared) {
                    throw error("frame " + frameIndex + " runs past the " + declared + " samples STREAMINFO "
                            + "announces");
                }
                if (frames + block > Integer.MAX_VALUE - 8) {
                    throw error("too long to hold in memory");
                }
                if (frames + block > out.length) {
                    long grown = Math.max(frames + block, (long) out.length * 2);
                    out = Arrays.copyOf(out, (int) Math.min(grown, Integer.MAX_VALUE - 8));
                }
                ChannelData[] data = decoder.getChannelData();
                int o = (int) frames;
                for (int i = 0; i < block; i++) {
                    long sum = 0;
                    for (int c = 0; c < channels; c++) {
                        sum += data[c].getOutput()[i];
                    }
                    out[o + i] = (float) (sum * scale);
                }
                if (md5 != null) {
                    int need = block * channels * bytesPerSample;
                    if (md5Buffer.length < need) {
                        md5Buffer = new byte[need];
                    }
                    int p = 0;
                    for (int i = 0; i < block; i++) {
                        for (int c = 0; c < channels; c++) {
                            int v = data[c].getOutput()[i];
                            for (int b = 0; b < bytesPerSample; b++) {
                                md5Buffer[p++] = (byte) (v >> (8 * b));
                            }
                        }
                    }
                    md5.update(md5Buffer, 0, need);
                }
                frames += block;
                frameIndex++;
            }
            if (frames == 0) {
                throw error("no audio samples");
            }
            if (md5 != null && !Arrays.equals(md5.digest(), signature)) {
                throw error("MD5 signature of the decoded samples does not match STREAMINFO (corrupt audio data)");
            }
            float[] samples = frames == out.length ? out : Arrays.copyOf(out, (int) frames);
            return new AudioClip(samples, sampleRate);
        }

        private void checkMagic() throws AudioFormatException {
            if (flac.length < MAGIC.length) {
                throw error("not a FLAC file: only " + flac.length + " bytes long");
            }
            if (!Arrays.equals(flac, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw error("not a FLAC file (starts with " + printable(flac) + ", not 'fLaC')");
            }
        }

        private static boolean hasSignature(byte[] signature) {
            for (byte b : signature) {
                if (b != 0) {
                    return true; // all zeros: the encoder did not compute it
                }
            }
            return false;
        }

        /** jFLAC's error texts, said in words an operator can act on; the original is kept in parentheses. */
        private static String explain(String jflacError) {
            if (jflacError.contains("EOFException")) {
                return "file ends inside the frame (truncated)";
            }
            if (jflacError.startsWith("CRC Error")) {
                return "frame CRC-16 mismatch, the frame data is corrupt (" + jflacError + ")";
            }
            if (jflacError.contains("LOST_SYNC")) {
                return "lost frame sync: bytes that are not a FLAC frame (" + jflacError + ")";
            }
            if (jflacError.contains("bad header")) {
                return "bad frame header (" + jflacError + ")";
            }
            return jflacError;
        }

        @Override
        public void processMetadata(Metadata metadata) {}

        @Override
        public void processFrame(Frame frame) {}

        @Override
        public void processError(String message) {
            if (firstError == null) {
                firstError = message;
            }
        }

        private AudioFormatException error(String problem) {
            return new AudioFormatException(name, problem);
        }
    }

    /** The encoded bytes as a stream that knows how far jFLAC's bit reader has consumed them. */
    private static final class PositionStream extends ByteArrayInputStream {
        PositionStream(byte[] bytes) {
            super(bytes);
        }

        /** Bytes consumed: read from this stream, less those jFLAC still holds in its buffer. */
        long consumed(FLACDecoder decoder) {
            return pos - decoder.getBitInputStream().getInputBytesUnconsumed();
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        }
    }

    /** The first bytes, as text where printable, for "not a FLAC file" messages. */
    static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < Math.min(4, b.length); i++) {
            int c = b[i] & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return s.append('\'').toString();
    }
}
