package org.earshot.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * FLAC fixtures for the audio tests: the integer signal of the committed reference-encoder fixtures
 * ({@code src/test/resources/audio/make-flac-fixtures.py} computes the same {@link #pattern}), and a minimal FLAC
 * writer (VERBATIM subframes, fixed block size) whose every field can be set wrong on purpose.
 */
public final class TestFlacs {
    private TestFlacs() {}

    /** Integer samples {@code [channel][frame]}: saw waves plus LCG noise, as the fixture script computes them. */
    public static int[][] pattern(int channels, int bits, int frames) {
        int[][] x = new int[channels][frames];
        long state = 0x1234567;
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < channels; c++) {
                state = (state * 1103515245L + 12345) % (1L << 31);
                int noise = (int) ((state >> 16) % 65) - 32;
                int v = c == 0 ? ((i * 37) % 1000 - 500) * 20 + noise : ((i * 53) % 800 - 400) * 30 + (noise >> 1);
                if (bits == 24) {
                    v = v * 256 + (i * 13) % 256 - 128;
                }
                x[c][i] = v;
            }
        }
        return x;
    }

    /** A WAV file of the same integer samples (8-bit is written unsigned, as WAV stores it). */
    public static byte[] wavOf(int[][] samples, int bits, int sampleRate) {
        int channels = samples.length;
        int frames = samples[0].length;
        int bytes = bits / 8;
        ByteBuffer bb = ByteBuffer.allocate(frames * channels * bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int f = 0; f < frames; f++) {
            for (int[] channel : samples) {
                int v = channel[f];
                switch (bits) {
                    case 8 -> bb.put((byte) (v + 128));
                    case 16 -> bb.putShort((short) v);
                    case 24 -> bb.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
                    default -> throw new IllegalArgumentException("bits " + bits);
                }
            }
        }
        return TestWavs.wav().channels(channels).bits(bits).sampleRate(sampleRate).data(bb.array()).build();
    }

    public static Builder flac(int[][] samples) {
        return new Builder(samples);
    }

    /** Builds a FLAC byte image of VERBATIM frames. */
    public static final class Builder {
        private final int[][] samples;
        private int bits = 16;
        private int sampleRate = 16_000;
        private int blockSize = 1024;
        private boolean writeTotalSamples = true;
        private boolean writeMd5 = true;
        private Long totalSamplesField;
        private boolean escapeCoded;
        private Integer minBlockSizeField;
        private final List<byte[]> extraMetadata = new ArrayList<>();

        Builder(int[][] samples) {
            this.samples = samples;
        }

        public Builder bits(int b) { bits = b; return this; }
        public Builder sampleRate(int hz) { sampleRate = hz; return this; }
        public Builder blockSize(int n) { blockSize = n; return this; }
        /** STREAMINFO's total is 0 ("unknown"), as streaming encoders write it. */
        public Builder unknownTotal() { writeTotalSamples = false; return this; }
        /** STREAMINFO's MD5 is all zeros ("not computed"). */
        public Builder noMd5() { writeMd5 = false; return this; }
        public Builder totalSamplesField(long n) { totalSamplesField = n; return this; }
        /** FIXED order-0 subframes whose residual is one escape-coded partition of raw samples, not VERBATIM. */
        public Builder escapeCoded() { escapeCoded = true; return this; }
        /** STREAMINFO's minimum block size, e.g. the last (short) block's, as some encoders write it. */
        public Builder minBlockSizeField(int n) { minBlockSizeField = n; return this; }
        /** A metadata block after STREAMINFO, written as given (type and body). */
        public Builder metadata(int type, byte[] body) {
            ByteBuffer b = ByteBuffer.allocate(4 + body.length);
            b.put((byte) type).put((byte) (body.length >> 16)).put((byte) (body.length >> 8))
                    .put((byte) body.length).put(body);
            extraMetadata.add(b.array());
            return this;
        }

        public int frames() {
            return samples[0].length;
        }

        /** Byte offsets of each frame in the image {@link #build()} returns, then the image's length. */
        public List<Integer> frameOffsets() {
            List<Integer> offsets = new ArrayList<>();
            build(offsets);
            return offsets;
        }

        public byte[] build() {
            return build(new ArrayList<>());
        }

        private byte[] build(List<Integer> offsets) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {'f', 'L', 'a', 'C'});
            out.writeBytes(streamInfo(extraMetadata.isEmpty()));
            for (int i = 0; i < extraMetadata.size(); i++) {
                byte[] block = extraMetadata.get(i).clone();
                if (i == extraMetadata.size() - 1) {
                    block[0] |= (byte) 0x80;
                }
                out.writeBytes(block);
            }
            int frameNumber = 0;
            for (int start = 0; start < frames(); start += blockSize, frameNumber++) {
                offsets.add(out.size());
                out.writeBytes(frame(frameNumber, start, Math.min(blockSize, frames() - start)));
            }
            offsets.add(out.size());
            return out.toByteArray();
        }

        private byte[] streamInfo(boolean last) {
            Bits b = new Bits();
            b.write(last ? 1 : 0, 1).write(0, 7).write(34, 24);
            b.write(minBlockSizeField != null ? minBlockSizeField : blockSize, 16).write(blockSize, 16).write(0, 24)
                    .write(0, 24);
            b.write(sampleRate, 20).write(samples.length - 1, 3).write(bits - 1, 5);
            long total = totalSamplesField != null ? totalSamplesField : writeTotalSamples ? frames() : 0;
            b.write(total >>> 32, 4).write(total & 0xFFFF_FFFFL, 32);
            byte[] md5 = writeMd5 ? md5() : new byte[16];
            for (byte x : md5) {
                b.write(x & 0xFF, 8);
            }
            return b.bytes();
        }

        private byte[] md5() {
            try {
                MessageDigest md = MessageDigest.getInstance("MD5");
                int bytes = (bits + 7) / 8;
                for (int f = 0; f < frames(); f++) {
                    for (int[] channel : samples) {
                        for (int k = 0; k < bytes; k++) {
                            md.update((byte) (channel[f] >> (8 * k)));
                        }
                    }
                }
                return md.digest();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private byte[] frame(int frameNumber, int start, int size) {
            Bits h = new Bits();
            h.write(0xFFF8, 16); // sync code, reserved bit, fixed block size
            h.write(0b0111, 4); // block size - 1 in 16 bits at the end of the header
            h.write(0b1101, 4); // sample rate in Hz in 16 bits at the end of the header
            h.write(samples.length - 1, 4); // independent channels
            h.write(switch (bits) {
                case 8 -> 0b001;
                case 12 -> 0b010;
                case 16 -> 0b100;
                case 20 -> 0b101;
                case 24 -> 0b110;
                default -> throw new IllegalArgumentException("bits " + bits);
            }, 3).write(0, 1);
            h.writeBytes(utf8(frameNumber));
            h.write(size - 1, 16).write(sampleRate, 16);
            byte[] header = h.bytes();
            Bits f = new Bits();
            f.writeBytes(header);
            f.write(crc8(header), 8);
            for (int[] channel : samples) {
                if (escapeCoded) {
                    f.write(0b0001_0000, 8); // FIXED, order 0, no wasted bits
                    f.write(0, 2).write(0, 4).write(0b1111, 4).write(bits, 5); // Rice, one partition, escape: raw
                } else {
                    f.write(0b0000_0010, 8); // VERBATIM, no wasted bits
                }
                for (int i = start; i < start + size; i++) {
                    f.write(channel[i] & ((1L << bits) - 1), bits);
                }
            }
            byte[] body = f.bytes();
            int crc = crc16(body);
            byte[] frame = java.util.Arrays.copyOf(body, body.length + 2);
            frame[body.length] = (byte) (crc >> 8);
            frame[body.length + 1] = (byte) crc;
            return frame;
        }
    }

    /** The "UTF-8" coding FLAC uses for frame numbers. */
    static byte[] utf8(long v) {
        if (v < 0x80) {
            return new byte[] {(byte) v};
        }
        int extra = v < 0x800 ? 1 : v < 0x10000 ? 2 : v < 0x200000 ? 3 : v < 0x4000000 ? 4 : 5;
        byte[] out = new byte[extra + 1];
        for (int i = extra; i > 0; i--) {
            out[i] = (byte) (0x80 | (v & 0x3F));
            v >>= 6;
        }
        out[0] = (byte) ((0xFF00 >> (extra + 1)) | v);
        return out;
    }

    static int crc8(byte[] data) {
        int crc = 0;
        for (byte d : data) {
            crc ^= d & 0xFF;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x07) & 0xFF : (crc << 1) & 0xFF;
            }
        }
        return crc;
    }

    static int crc16(byte[] data) {
        int crc = 0;
        for (byte d : data) {
            crc ^= (d & 0xFF) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x8005) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }
        return crc;
    }

    /** A big-endian bit writer, padded with zero bits to whole bytes. */
    static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long acc;
        private int count;

        Bits write(long value, int n) {
            for (int i = n - 1; i >= 0; i--) {
                acc = (acc << 1) | ((value >>> i) & 1);
                if (++count == 8) {
                    out.write((int) acc);
                    acc = 0;
                    count = 0;
                }
            }
            return this;
        }

        Bits writeBytes(byte[] b) {
            for (byte x : b) {
                write(x & 0xFF, 8);
            }
            return this;
        }

        byte[] bytes() {
            if (count > 0) {
                write(0, 8 - count);
            }
            return out.toByteArray();
        }
    }
}
