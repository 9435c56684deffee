package io.jkvm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 36-byte header every system description table starts with (ACPI 6.5 5.2.6).
 * A table is built by {@link #begin} (header filled in, checksum zero), the body put at
 * absolute offsets, then {@link #finish} (checksum over the whole table).
 *
 * <pre>
 *  0 Signature (4)     4 Length (4)      8 Revision (1)   9 Checksum (1)
 * 10 OEMID (6)        16 OEM Table ID (8)
 * 24 OEM Revision (4) 28 Creator ID (4) 32 Creator Revision (4)
 * </pre>
 */
final class SdtHeader {
    private SdtHeader() {}

    static final int LENGTH = 36;

    static final int SIGNATURE = 0;
    static final int TABLE_LENGTH = 4;
    static final int REVISION = 8;
    static final int CHECKSUM = 9;
    static final int OEM_ID = 10;
    static final int OEM_TABLE_ID = 16;
    static final int OEM_REVISION = 24;
    static final int CREATOR_ID = 28;
    static final int CREATOR_REVISION = 32;

    /** Six characters, space-padded, as firmware vendors write theirs. */
    static final String JKVM_OEM_ID = "JKVM  ";
    static final int JKVM_OEM_REVISION = 1;
    static final String JKVM_CREATOR_ID = "JKVM";
    static final int JKVM_CREATOR_REVISION = 1;

    /** A little-endian buffer of {@code length} bytes with the header written and the checksum zero. */
    static ByteBuffer begin(String signature, int length, int revision, String oemTableId) {
        if (length < LENGTH) throw new IllegalArgumentException("a table is at least " + LENGTH + " bytes: " + length);
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        putAscii(b, SIGNATURE, signature, 4);
        b.putInt(TABLE_LENGTH, length);
        b.put(REVISION, (byte) revision);
        putAscii(b, OEM_ID, JKVM_OEM_ID, 6);
        putAscii(b, OEM_TABLE_ID, oemTableId, 8);
        b.putInt(OEM_REVISION, JKVM_OEM_REVISION);
        putAscii(b, CREATOR_ID, JKVM_CREATOR_ID, 4);
        b.putInt(CREATOR_REVISION, JKVM_CREATOR_REVISION);
        return b;
    }

    /** The table's bytes with the header checksum set. */
    static byte[] finish(ByteBuffer table) {
        byte[] bytes = table.array();
        Checksum.set(bytes, CHECKSUM, 0, bytes.length);
        return bytes;
    }

    /** Writes exactly {@code width} ASCII characters at {@code offset}. */
    static void putAscii(ByteBuffer b, int offset, String s, int width) {
        byte[] ascii = s.getBytes(StandardCharsets.US_ASCII);
        if (ascii.length != width) throw new IllegalArgumentException("\"" + s + "\" is not " + width + " characters");
        b.put(offset, ascii);
    }
}
