package org.earshot.audio;

import java.io.BufferedInputStream;
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
 * decoded samples all raise an {@link AudioFormatException} naming the source and the problem. {@link #open} decodes
 * frame by frame as the samples are read, so a file of any length takes constant memory; the checks that need the
 * whole stream (the sample count, the signature) are made when the reader reaches its end.
 */
public final class FlacReader {
    /** The four bytes every native FLAC stream starts with. */
    static final byte[] MAGIC = {'f', 'L', 'a', 'C'};
    /** jFLAC reconstructs samples in 32-bit ints; side channels need one bit more than the samples. */
    private static final int MAX_BITS_PER_SAMPLE = 24;
    /** Initial output capacity cap, so a lying STREAMINFO cannot make us allocate gigabytes up front. */
    private static final int INITIAL_CAPACITY_CAP = 1 << 20;
    private static final int STREAMINFO_LENGTH = 34;
    /** The longest clip {@link #read} returns: the largest float array the JVM allocates. */
    private static final int MAX_CLIP_SAMPLES = Integer.MAX_VALUE - 8;

    private FlacReader() {}

    /** Reads a FLAC file whole (for training clips); {@link #open(Path)} reads any length in constant memory. */
    public static AudioClip read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (AudioSource source = open(path)) {
            return readAll(source, path.toString());
        }
    }

    /** Reads a whole FLAC stream; {@code nameForErrors} identifies the source in exception messages. Not closed. */
    public static AudioClip read(InputStream in, String nameForErrors) throws IOException {
        Objects.requireNonNull(in, "in");
        return read(in.readAllBytes(), nameForErrors);
    }

    /** Decodes a FLAC file held in memory. */
    public static AudioClip read(byte[] flac, String nameForErrors) throws IOException {
        Objects.requireNonNull(flac, "flac");
        Objects.requireNonNull(nameForErrors, "nameForErrors");
        try (AudioSource source = open(new ByteArrayInputStream(flac), flac.length, nameForErrors, true)) {
            return readAll(source, nameForErrors);
        }
    }

    /**
     * Opens a FLAC file for reading in pieces: the metadata is checked now, frames are decoded as the samples are
     * read, so memory does not grow with the file's length. The caller closes the source.
     */
    public static AudioSource open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            return open(in, Files.size(path), path.toString(), true);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Opens a FLAC stream of {@code length} bytes for reading in pieces. The length is what tells a truncated last
     * frame from the clean end of the stream. Closing the source closes {@code in} when {@code closeStream}.
     */
    static AudioSource open(InputStream in, long length, String nameForErrors, boolean closeStream)
            throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(nameForErrors, "nameForErrors");
        return guarded(nameForErrors, () -> new Decoding(in, length, nameForErrors, closeStream));
    }

    private static AudioClip readAll(AudioSource source, String name) throws IOException {
        long declared = source.declaredSamples();
        if (declared > MAX_CLIP_SAMPLES) {
            throw new AudioFormatException(name, "STREAMINFO declares " + declared + " samples: too long to hold in "
                    + "memory (stream it instead)");
        }
        float[] out = new float[(int) Math.min(declared > 0 ? declared : INITIAL_CAPACITY_CAP, INITIAL_CAPACITY_CAP)];
        int n = 0;
        while (true) {
            if (n == out.length) {
                if (n >= MAX_CLIP_SAMPLES) {
                    throw new AudioFormatException(name, "too long to hold in memory (stream it instead)");
                }
                out = Arrays.copyOf(out, (int) Math.min((long) n * 2, MAX_CLIP_SAMPLES));
            }
            int r = source.read(out, n, out.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return new AudioClip(n == out.length ? out : Arrays.copyOf(out, n), source.sampleRate());
    }

    /** Runs jFLAC with its debugging output dropped and its exceptions said as format errors naming the file. */
    private static <T> T guarded(String name, java.util.concurrent.Callable<T> decoding) throws IOException {
        try {
            return JflacOutputGuard.run(decoding);
        } catch (AudioFormatException e) {
            throw e;
        } catch (EOFException e) {
            throw new AudioFormatException(name, "file ends inside the FLAC header (truncated)");
        } catch (IOException | RuntimeException e) {
            // jFLAC reports corrupt input as plain IOExceptions or, deep in a subframe, as index errors.
            throw new AudioFormatException(name, "corrupt FLAC data (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    /**
     * One decoding run, handed out as an {@link AudioSource}: jFLAC's decoder over the file's frames, the errors it
     * reports through its listener, and the current frame's mono samples. Holds one frame at a time.
     */
    private static final class Decoding implements FrameListener, AudioSource {
        private final String name;
        private final long length;
        private final long framesOffset;
        private final int prefix;
        private final boolean closeStream;
        private final InputStream source;
        private final FramesStream in;
        private final FLACDecoder decoder;
        private final StreamInfo info;
        private final int channels;
        private final int sampleRate;
        private final long declared;
        private final byte[] signature;
        private final MessageDigest md5;
        private final int bytesPerSample;
        private final double scale;
        private byte[] md5Buffer = new byte[0];
        private float[] block = new float[0];
        private int blockLength;
        private int blockPosition;
        private long frames;
        private int frameIndex;
        private boolean ended;
        private String firstError;

        Decoding(InputStream source, long length, String name, boolean closeStream) throws IOException {
            this.source = source;
            this.length = length;
            this.name = name;
            this.closeStream = closeStream;
            checkMagic();
            // jFLAC allocates whatever a metadata block's length fields ask for (a corrupt comment count can ask for
            // gigabytes), and audio needs only STREAMINFO: the decoder sees that block alone, then the frames.
            byte[] streamInfoBlock = null;
            long pos = MAGIC.length;
            boolean last = false;
            for (int block = 0; !last; block++) {
                if (pos + 4 > length) {
                    throw error("file ends inside the metadata (truncated header: block " + block + " at byte " + pos
                            + ")");
                }
                byte[] header = readFully(4, "file ends inside the metadata (truncated header: block " + block
                        + " at byte " + pos + ")");
                last = (header[0] & 0x80) != 0;
                int type = header[0] & 0x7F;
                int blockLength = (header[1] & 0xFF) << 16 | (header[2] & 0xFF) << 8 | (header[3] & 0xFF);
                if (block == 0 && type != 0) {
                    throw error("first metadata block is of type " + type + ", not STREAMINFO");
                }
                if (block > 0 && type == 0) {
                    throw error("more than one STREAMINFO metadata block");
                }
                if (type == 127) {
                    throw error("invalid metadata block type 127 at byte " + pos);
                }
                if (type == 0 && blockLength < STREAMINFO_LENGTH) {
                    throw error("STREAMINFO block of " + blockLength + " bytes, " + STREAMINFO_LENGTH + " needed");
                }
                String truncated = "file ends inside metadata block " + block + " (type " + type + ", " + blockLength
                        + " bytes at byte " + pos + "): truncated header";
                if (pos + 4 + blockLength > length) {
                    throw error(truncated);
                }
                if (type == 0) {
                    byte[] body = readFully(blockLength, truncated);
                    streamInfoBlock = new byte[4 + blockLength];
                    System.arraycopy(header, 0, streamInfoBlock, 0, 4);
                    System.arraycopy(body, 0, streamInfoBlock, 4, blockLength);
                    streamInfoBlock[0] |= (byte) 0x80; // STREAMINFO is now the last metadata block
                } else {
                    try {
                        source.skipNBytes(blockLength);
                    } catch (EOFException e) {
                        throw error(truncated);
                    }
                }
                pos += 4 + blockLength;
            }
            framesOffset = pos;
            byte[] head = new byte[MAGIC.length + streamInfoBlock.length];
            System.arraycopy(MAGIC, 0, head, 0, MAGIC.length);
            System.arraycopy(streamInfoBlock, 0, head, MAGIC.length, streamInfoBlock.length);
            prefix = head.length;
            in = new FramesStream(head, source);
            decoder = new FLACDecoder(in);
            decoder.addFrameListener(this);

            decoder.readMetadata();
            info = decoder.getStreamInfo();
            if (info == null) {
                throw error("no STREAMINFO metadata block");
            }
            channels = info.getChannels();
            int bits = info.getBitsPerSample();
            sampleRate = info.getSampleRate();
            if (sampleRate < WavReader.MIN_SAMPLE_RATE || sampleRate > WavReader.MAX_SAMPLE_RATE) {
                throw error("sample rate " + sampleRate + " Hz outside the accepted " + WavReader.MIN_SAMPLE_RATE
                        + ".." + WavReader.MAX_SAMPLE_RATE + " Hz");
            }
            if (bits < 4 || bits > MAX_BITS_PER_SAMPLE) {
                throw error(bits + " bits per sample (4 to " + MAX_BITS_PER_SAMPLE + " supported)");
            }
            declared = info.getTotalSamples(); // 0: unknown (a streaming encoder could not seek back)
            // STREAMINFO's last 16 bytes; jFLAC keeps them to itself.
            signature = Arrays.copyOfRange(streamInfoBlock, 4 + 18, 4 + 34);
            md5 = hasSignature(signature) ? md5() : null;
            bytesPerSample = (bits + 7) / 8;
            scale = 1.0 / (1L << (bits - 1)) / channels;
        }

        /** Where a position in the stream handed to jFLAC lies in the file. */
        private long fileOffset(long streamPosition) {
            return streamPosition - prefix + framesOffset;
        }

        @Override
        public int sampleRate() {
            return sampleRate;
        }

        @Override
        public long declaredSamples() {
            return declared > 0 ? declared : -1;
        }

        @Override
        public int read(float[] out, int offset, int max) throws IOException {
            Objects.checkFromIndexSize(offset, max, out.length);
            if (max == 0) {
                return 0;
            }
            while (blockPosition == blockLength) {
                if (ended || !guarded(name, this::decodeNextFrame)) {
                    return -1;
                }
            }
            int n = Math.min(max, blockLength - blockPosition);
            System.arraycopy(block, blockPosition, out, offset, n);
            blockPosition += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (closeStream) {
                source.close();
            }
        }

        /** Decodes the next frame into {@link #block}; false (after the end-of-stream checks) at the end. */
        private boolean decodeNextFrame() throws IOException {
            if (declared > 0 && frames >= declared) {
                return finish();
            }
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
                if (frameStart < length) {
                    throw error("file ends with " + (length - frameStart) + " bytes that are not a whole "
                            + "frame (truncated?)");
                }
                return finish();
            }
            Header h = frame.header;
            if (h.channels != channels || h.bitsPerSample != info.getBitsPerSample() || h.sampleRate != sampleRate) {
                throw error("frame " + frameIndex + " has " + h.channels + " channel(s), " + h.bitsPerSample
                        + " bits, " + h.sampleRate + " Hz; STREAMINFO says " + channels + ", "
                        + info.getBitsPerSample() + ", " + sampleRate);
            }
            // Where STREAMINFO's minimum and maximum block sizes differ, jFLAC reads every frame's number as a
            // sample number, so a fixed-block-size frame's "sample number" is then its frame number.
            boolean numbered = h.sampleNumber == frames
                    || (info.getMinBlockSize() != info.getMaxBlockSize() && h.sampleNumber == frameIndex);
            if (!numbered) {
                throw error("frame " + frameIndex + " starts at sample " + h.sampleNumber + ", expected "
                        + frames + " (a frame is missing or repeated)");
            }
            int size = h.blockSize;
            if (declared > 0 && frames + size > declared) {
                throw error("frame " + frameIndex + " runs past the " + declared + " samples STREAMINFO "
                        + "announces");
            }
            if (block.length < size) {
                block = new float[size];
            }
            ChannelData[] data = decoder.getChannelData();
            for (int i = 0; i < size; i++) {
                long sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += data[c].getOutput()[i];
                }
                block[i] = (float) (sum * scale);
            }
            if (md5 != null) {
                int need = size * channels * bytesPerSample;
                if (md5Buffer.length < need) {
                    md5Buffer = new byte[need];
                }
                int p = 0;
                for (int i = 0; i < size; i++) {
                    for (int c = 0; c < channels; c++) {
                        int v = data[c].getOutput()[i];
                        for (int b = 0; b < bytesPerSample; b++) {
                            md5Buffer[p++] = (byte) (v >> (8 * b));
                        }
                    }
                }
                md5.update(md5Buffer, 0, need);
            }
            blockLength = size;
            blockPosition = 0;
            frames += size;
            frameIndex++;
            return true;
        }

        /** The checks that need the whole stream: some samples, and the MD5 signature over all of them. */
        private boolean finish() throws AudioFormatException {
            ended = true;
            if (frames == 0) {
                throw error("no audio samples");
            }
            if (md5 != null && !Arrays.equals(md5.digest(), signature)) {
                throw error("MD5 signature of the decoded samples does not match STREAMINFO (corrupt audio data)");
            }
            return false;
        }

        private byte[] readFully(int n, String truncated) throws IOException {
            byte[] b = source.readNBytes(n);
            if (b.length < n) {
                throw error(truncated);
            }
            return b;
        }

        private void checkMagic() throws IOException {
            byte[] magic = source.readNBytes(MAGIC.length);
            if (magic.length < MAGIC.length) {
                throw error("not a FLAC file: only " + magic.length + " bytes long");
            }
            if (!Arrays.equals(magic, MAGIC)) {
                throw error("not a FLAC file (starts with " + printable(magic) + ", not 'fLaC')");
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

    /**
     * What jFLAC reads: the magic and STREAMINFO, then the file's frames as they come; it knows how far jFLAC's bit
     * reader has consumed them.
     */
    private static final class FramesStream extends InputStream {
        private final byte[] head;
        private final InputStream frames;
        private long pos;

        FramesStream(byte[] head, InputStream frames) {
            this.head = head;
            this.frames = frames;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            if (pos < head.length) {
                n = (int) Math.min(len, head.length - pos);
                System.arraycopy(head, (int) pos, b, off, n);
            } else {
                n = frames.read(b, off, len);
                if (n < 0) {
                    return -1;
                }
            }
            pos += n;
            return n;
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
