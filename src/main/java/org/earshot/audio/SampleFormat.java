package org.earshot.audio;

import java.util.Locale;

/**
 * How a sensor frame encodes its samples: interleaved little-endian integer PCM in 16, 24 or 32 bits, or IEEE 754
 * 32-bit floats. Integers are read at full scale (the most negative value is -1.0), floats as they are. Each format
 * has the one-byte code it carries on the wire and a short name ({@code s16le}, ...) for configuration files and
 * logs; both are part of sensor protocol version 1 and never change meaning.
 */
public enum SampleFormat {
    PCM_S16LE(1, 2, "s16le"),
    PCM_S24LE(2, 3, "s24le"),
    PCM_S32LE(3, 4, "s32le"),
    FLOAT32LE(4, 4, "f32le");

    private final int code;
    private final int bytesPerSample;
    private final String wireName;

    SampleFormat(int code, int bytesPerSample, String wireName) {
        this.code = code;
        this.bytesPerSample = bytesPerSample;
        this.wireName = wireName;
    }

    /** The code in byte 5 of a frame header. */
    public int code() {
        return code;
    }

    public int bytesPerSample() {
        return bytesPerSample;
    }

    /** The short name: {@code s16le}, {@code s24le}, {@code s32le} or {@code f32le}. */
    public String wireName() {
        return wireName;
    }

    /** The format with this wire code; an unknown code raises an exception naming it and the known ones. */
    public static SampleFormat fromCode(int code) {
        SampleFormat format = byCodeOrNull(code);
        if (format == null) {
            throw new IllegalArgumentException("unknown sample format code " + code + "; known: " + known());
        }
        return format;
    }

    /** The format with this short name, in any letter case; an unknown name raises an exception naming it. */
    public static SampleFormat fromName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (SampleFormat format : values()) {
            if (format.wireName.equals(lower)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown sample format '" + name + "'; known: " + known());
    }

    /** For the decoder, which reports an unknown code as a frame error rather than an illegal argument. */
    static SampleFormat byCodeOrNull(int code) {
        for (SampleFormat format : values()) {
            if (format.code == code) {
                return format;
            }
        }
        return null;
    }

    /** "1 (s16le), 2 (s24le), ...", for messages. */
    static String known() {
        StringBuilder s = new StringBuilder();
        for (SampleFormat format : values()) {
            s.append(s.length() == 0 ? "" : ", ").append(format.code).append(" (").append(format.wireName).append(')');
        }
        return s.toString();
    }

    /** The sample at {@code offset}, full scale 1.0. */
    double sampleAt(byte[] pcm, int offset) {
        return switch (this) {
            case PCM_S16LE -> (short) (pcm[offset] & 0xFF | pcm[offset + 1] << 8) / 32768.0;
            // The top byte is taken signed, so its shift sign-extends the 24-bit value.
            case PCM_S24LE -> (pcm[offset] & 0xFF | (pcm[offset + 1] & 0xFF) << 8 | pcm[offset + 2] << 16)
                    / 8388608.0;
            case PCM_S32LE -> int32At(pcm, offset) / 2147483648.0;
            case FLOAT32LE -> Float.intBitsToFloat(int32At(pcm, offset));
        };
    }

    static int int32At(byte[] b, int offset) {
        return b[offset] & 0xFF | (b[offset + 1] & 0xFF) << 8 | (b[offset + 2] & 0xFF) << 16 | b[offset + 3] << 24;
    }
}
