package io.jkvm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Root System Description Pointer (ACPI 6.5 5.2.5.3), revision 2: the structure
 * the OS finds by scanning memory, pointing at the XSDT. 36 bytes with two checksums.
 *
 * <pre>
 *  0 Signature "RSD PTR " (8)   8 Checksum of bytes 0-19 (1)   9 OEMID (6)   15 Revision (1)
 * 16 RsdtAddress (4)           20 Length (4)                  24 XsdtAddress (8)
 * 32 Extended Checksum of bytes 0-35 (1)                      33 Reserved (3)
 * </pre>
 */
public final class Rsdp {
    private Rsdp() {}

    public static final int LENGTH = 36;
    /** Revision 2: ACPI 2.0 and later, with the XSDT address and the extended checksum. */
    public static final int REVISION = 2;
    public static final String SIGNATURE = "RSD PTR ";

    static final int CHECKSUM = 8;
    static final int OEM_ID = 9;
    static final int REVISION_OFFSET = 15;
    static final int RSDT_ADDRESS = 16;
    static final int LENGTH_OFFSET = 20;
    static final int XSDT_ADDRESS = 24;
    static final int EXTENDED_CHECKSUM = 32;
    /** The first checksum covers the ACPI 1.0 part: the first 20 bytes. */
    static final int V1_LENGTH = 20;

    /** The RSDP of a system whose only root table is the XSDT at {@code xsdtAddress} (no RSDT). */
    public static byte[] build(long xsdtAddress) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        SdtHeader.putAscii(b, 0, SIGNATURE, 8);
        SdtHeader.putAscii(b, OEM_ID, SdtHeader.JKVM_OEM_ID, 6);
        b.put(REVISION_OFFSET, (byte) REVISION);
        b.putInt(RSDT_ADDRESS, 0);
        b.putInt(LENGTH_OFFSET, LENGTH);
        b.putLong(XSDT_ADDRESS, xsdtAddress);
        byte[] bytes = b.array();
        Checksum.set(bytes, CHECKSUM, 0, V1_LENGTH);
        Checksum.set(bytes, EXTENDED_CHECKSUM, 0, LENGTH);
        return bytes;
    }
}
