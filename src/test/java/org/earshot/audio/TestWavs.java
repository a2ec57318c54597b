package org.earshot.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Writes WAV fixtures in memory, including deliberately broken ones, for the audio tests. */
public final class TestWavs {
    public static final int PCM = 1;
    public static final int FLOAT = 3;
    public static final int EXTENSIBLE = 0xFFFE;

    private TestWavs() {}

    /** A sine of the given frequency and peak amplitude. */
    public static float[] sine(double hz, double amplitude, int sampleRate, int samples) {
        float[] x = new float[samples];
        for (int i = 0; i < samples; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / sampleRate));
        }
        return x;
    }

    /** Encodes channels (each the same length) as interleaved little-endian samples. */
    public static byte[] encode(float[][] channels, int bits, boolean isFloat) {
        int frames = channels[0].length;
        int bytes = bits / 8;
        ByteBuffer bb = ByteBuffer.allocate(frames * channels.length * bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int f = 0; f < frames; f++) {
            for (float[] channel : channels) {
                double v = channel[f];
                if (isFloat) {
                    if (bits == 32) {
                        bb.putFloat((float) v);
                    } else {
                        bb.putDouble(v);
                    }
                    continue;
                }
                long full = 1L << (bits - 1);
                long q = Math.max(-full, Math.min(full - 1, Math.round(v * full)));
                switch (bits) {
                    case 8 -> bb.put((byte) (q + 128));
                    case 16 -> bb.putShort((short) q);
                    case 24 -> bb.put((byte) q).put((byte) (q >> 8)).put((byte) (q >> 16));
                    case 32 -> bb.putInt((int) q);
                    default -> throw new IllegalArgumentException("bits " + bits);
                }
            }
        }
        return bb.array();
    }

    public static Builder wav() {
        return new Builder();
    }

    /** Builds a WAV byte image; every field can be set to a wrong value on purpose. */
    public static final class Builder {
        private String riff = "RIFF";
        private String wave = "WAVE";
        private int formatTag = PCM;
        private int channels = 1;
        private long sampleRate = 16_000;
        private int bits = 16;
        private Integer blockAlign;
        private Integer subFormat;
        private int validBits = -1;
        private byte[] guidTail;
        private byte[] data = new byte[0];
        private Long dataSizeField;
        private boolean omitFmt;
        private boolean omitData;
        private boolean dataBeforeFmt;
        private final List<byte[]> chunksBeforeFmt = new ArrayList<>();
        private final List<byte[]> chunksBeforeData = new ArrayList<>();
        private byte[] trailing = new byte[0];

        public Builder riff(String id) { riff = id; return this; }
        public Builder wave(String id) { wave = id; return this; }
        public Builder formatTag(int tag) { formatTag = tag; return this; }
        public Builder channels(int n) { channels = n; return this; }
        public Builder sampleRate(long hz) { sampleRate = hz; return this; }
        public Builder bits(int b) { bits = b; return this; }
        public Builder blockAlign(int b) { blockAlign = b; return this; }
        /** Writes WAVE_FORMAT_EXTENSIBLE with this subformat code in the GUID. */
        public Builder extensible(int subFormatCode, int valid) {
            formatTag = EXTENSIBLE;
            subFormat = subFormatCode;
            validBits = valid;
            return this;
        }
        public Builder guidTail(byte[] tail) { guidTail = tail; return this; }
        public Builder data(byte[] d) { data = d; return this; }
        public Builder dataSizeField(long size) { dataSizeField = size; return this; }
        public Builder omitFmt() { omitFmt = true; return this; }
        public Builder omitData() { omitData = true; return this; }
        public Builder dataBeforeFmt() { dataBeforeFmt = true; return this; }
        public Builder chunkBeforeFmt(String id, byte[] body) { chunksBeforeFmt.add(chunk(id, body, body.length)); return this; }
        public Builder chunkBeforeData(String id, byte[] body) { chunksBeforeData.add(chunk(id, body, body.length)); return this; }
        public Builder trailing(byte[] t) { trailing = t; return this; }

        /** Data of the given channels encoded with this builder's bits and format. */
        public Builder samples(float[]... chans) {
            channels = chans.length;
            int code = formatTag == EXTENSIBLE ? subFormat : formatTag;
            data = encode(chans, bits, code == FLOAT);
            return this;
        }

        public byte[] build() {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(wave.getBytes(StandardCharsets.US_ASCII));
            byte[] fmt = fmtChunk();
            byte[] dataChunk = chunk("data", data, dataSizeField == null ? data.length : dataSizeField);
            chunksBeforeFmt.forEach(body::writeBytes);
            if (dataBeforeFmt && !omitData) {
                body.writeBytes(dataChunk);
            }
            if (!omitFmt) {
                body.writeBytes(fmt);
            }
            chunksBeforeData.forEach(body::writeBytes);
            if (!dataBeforeFmt && !omitData) {
                body.writeBytes(dataChunk);
            }
            body.writeBytes(trailing);
            byte[] b = body.toByteArray();
            ByteBuffer out = ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN);
            out.put(riff.getBytes(StandardCharsets.US_ASCII)).putInt(b.length).put(b);
            return out.array();
        }

        private byte[] fmtChunk() {
            int bytesPerSample = (bits + 7) / 8;
            int align = blockAlign != null ? blockAlign : channels * bytesPerSample;
            boolean ext = formatTag == EXTENSIBLE;
            ByteBuffer f = ByteBuffer.allocate(ext ? 40 : 16).order(ByteOrder.LITTLE_ENDIAN);
            f.putShort((short) formatTag).putShort((short) channels).putInt((int) sampleRate)
                    .putInt((int) (sampleRate * align)).putShort((short) align).putShort((short) bits);
            if (ext) {
                f.putShort((short) 22).putShort((short) (validBits < 0 ? bits : validBits)).putInt(0x3)
                        .putShort((short) (int) subFormat);
                f.put(guidTail != null ? guidTail : new byte[] {
                    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38,
                    (byte) 0x9B, 0x71});
            }
            return chunk("fmt ", f.array(), f.capacity());
        }

        private static byte[] chunk(String id, byte[] body, long sizeField) {
            int pad = body.length & 1;
            ByteBuffer c = ByteBuffer.allocate(8 + body.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            c.put(id.getBytes(StandardCharsets.US_ASCII)).putInt((int) sizeField).put(body);
            return c.array();
        }
    }
}
