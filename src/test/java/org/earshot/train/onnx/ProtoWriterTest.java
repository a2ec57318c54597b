package org.earshot.train.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class ProtoWriterTest {
    @Test
    void varintsUseSevenBitGroupsLeastSignificantFirst() {
        // The example of the protobuf encoding guide: field 1, value 150.
        assertArrayEquals(bytes(0x08, 0x96, 0x01), new ProtoWriter().int64(1, 150).toByteArray());
        assertArrayEquals(bytes(0x08, 0xAC, 0x02), new ProtoWriter().int64(1, 300).toByteArray());
    }

    @Test
    void negativeIntegersTakeTenBytes() {
        assertArrayEquals(
                bytes(0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
                new ProtoWriter().int64(3, -1).toByteArray());
    }

    @Test
    void fieldNumbersAboveFifteenNeedTwoTagBytes() {
        // ModelProto.metadata_props is 14 (one byte), AttributeProto.type is 20 (two bytes).
        assertArrayEquals(bytes(0xA0, 0x01, 0x07), new ProtoWriter().int64(20, 7).toByteArray());
    }

    @Test
    void floatsAreFixed32LittleEndian() {
        assertArrayEquals(bytes(0x15, 0x00, 0x00, 0x80, 0x3F), new ProtoWriter().float32(2, 1.0f).toByteArray());
    }

    @Test
    void stringsAndMessagesAreLengthDelimited() {
        assertArrayEquals(bytes(0x12, 0x02, 'h', 'i'), new ProtoWriter().string(2, "hi").toByteArray());
        ProtoWriter inner = new ProtoWriter().int64(1, 150);
        assertArrayEquals(bytes(0x1A, 0x03, 0x08, 0x96, 0x01), new ProtoWriter().message(3, inner).toByteArray());
    }

    @Test
    void repeatedIntegersRepeatTheTag() {
        assertArrayEquals(bytes(0x40, 0x02, 0x40, 0x03), new ProtoWriter().repeatedInt64(8, new long[] {2, 3}).toByteArray());
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
