package org.earshot.train.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reading half of {@link ProtoWriter}: splits a protobuf message into its fields without knowing its schema, so
 * that an existing ONNX model can be copied field by field with some fields replaced. Only the wire types ONNX uses
 * (varint, fixed64, length-delimited, fixed32) are accepted; anything else, or a field running past the end, is
 * reported as a malformed message rather than guessed at.
 */
final class ProtoReader {
    static final int WIRE_VARINT = 0;
    static final int WIRE_FIXED64 = 1;
    static final int WIRE_LENGTH_DELIMITED = 2;
    static final int WIRE_FIXED32 = 5;

    /** One field: its number, wire type, and its whole encoding (tag included) for copying unchanged. */
    record Field(int number, int wireType, long varint, byte[] payload, byte[] encoded) {
        String string() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private ProtoReader() {}

    static List<Field> fields(byte[] message) {
        List<Field> fields = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < message.length) {
            int start = pos[0];
            long tag = varint(message, pos);
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (number <= 0) {
                throw new IllegalArgumentException("malformed protobuf: field number " + number + " at byte " + start);
            }
            long value = 0;
            byte[] payload = new byte[0];
            switch (wire) {
                case WIRE_VARINT -> value = varint(message, pos);
                case WIRE_FIXED64 -> pos[0] = skip(message, pos[0], 8);
                case WIRE_FIXED32 -> pos[0] = skip(message, pos[0], 4);
                case WIRE_LENGTH_DELIMITED -> {
                    long length = varint(message, pos);
                    if (length < 0 || length > message.length - pos[0]) {
                        throw new IllegalArgumentException("malformed protobuf: field " + number + " of " + length
                                + " bytes runs past the end at byte " + pos[0]);
                    }
                    payload = Arrays.copyOfRange(message, pos[0], pos[0] + (int) length);
                    pos[0] += (int) length;
                }
                default -> throw new IllegalArgumentException("malformed protobuf: wire type " + wire + " of field "
                        + number + " at byte " + start);
            }
            fields.add(new Field(number, wire, value, payload, Arrays.copyOfRange(message, start, pos[0])));
        }
        return fields;
    }

    private static int skip(byte[] message, int pos, int bytes) {
        if (bytes > message.length - pos) {
            throw new IllegalArgumentException("malformed protobuf: fixed field runs past the end at byte " + pos);
        }
        return pos + bytes;
    }

    private static long varint(byte[] message, int[] pos) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= message.length) {
                throw new IllegalArgumentException("malformed protobuf: varint runs past the end");
            }
            int b = message[pos[0]++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("malformed protobuf: varint longer than 10 bytes");
    }
}
