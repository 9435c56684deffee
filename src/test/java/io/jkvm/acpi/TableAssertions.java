package io.jkvm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reading table bytes in tests, at the offsets the spec gives (not the constants under test). */
final class TableAssertions {
    private TableAssertions() {}

    static ByteBuffer le(byte[] table) {
        return ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String ascii(byte[] b, int offset, int length) {
        return new String(Arrays.copyOfRange(b, offset, offset + length), StandardCharsets.US_ASCII);
    }

    static int u8(byte[] b, int offset) { return Byte.toUnsignedInt(b[offset]); }

    static int sum(byte[] b, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) s += b[i] & 0xff;
        return s & 0xff;
    }

    /** ACPI 6.5 5.2.6: signature, length, revision, OEM fields, and a whole-table checksum of zero. */
    static void assertHeader(byte[] table, String signature, int length, int revision, String oemTableId) {
        assertEquals(length, table.length, "table length");
        assertEquals(signature, ascii(table, 0, 4), "signature");
        assertEquals(length, le(table).getInt(4), "length field");
        assertEquals(revision, u8(table, 8), "revision");
        assertEquals("JKVM  ", ascii(table, 10, 6), "OEM ID");
        assertEquals(oemTableId, ascii(table, 16, 8), "OEM table ID");
        assertEquals(1, le(table).getInt(24), "OEM revision");
        assertEquals("JKVM", ascii(table, 28, 4), "creator ID");
        assertEquals(1, le(table).getInt(32), "creator revision");
        assertEquals(0, sum(table, 0, table.length), "checksum: the table's bytes sum to zero");
    }

    static byte[] hex(String s) {
        String[] parts = s.trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = (byte) Integer.parseInt(parts[i], 16);
        return out;
    }
}
