package org.earshot.train.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few pieces of the protobuf wire format that an ONNX model needs: varints, fixed32 floats, length-delimited
 * strings, bytes, nested messages and repeated int64s. Written by hand so that exporting adds no protobuf
 * dependency; fields are appended in call order, which protobuf parsers accept in any order.
 */
final class ProtoWriter {
    private static final int WIRE_VARINT = 0;
    private static final int WIRE_FIXED32 = 5;
    private static final int WIRE_LENGTH_DELIMITED = 2;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** An int64/int32/enum/bool field. Negative values take ten bytes, as protobuf sign-extends them to 64 bits. */
    ProtoWriter int64(int field, long value) {
        tag(field, WIRE_VARINT);
        varint(value);
        return this;
    }

    ProtoWriter float32(int field, float value) {
        tag(field, WIRE_FIXED32);
        int bits = Float.floatToIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter bytes(int field, byte[] value) {
        tag(field, WIRE_LENGTH_DELIMITED);
        varint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A plain (unpacked) repeated int64 field, such as {@code TensorProto.dims} or {@code AttributeProto.ints}. */
    ProtoWriter repeatedInt64(int field, long[] values) {
        for (long v : values) {
            int64(field, v);
        }
        return this;
    }

    /** Bytes already encoded as whole fields (tag included), such as a field copied from {@link ProtoReader}. */
    ProtoWriter raw(byte[] encodedFields) {
        out.writeBytes(encodedFields);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    private void varint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
