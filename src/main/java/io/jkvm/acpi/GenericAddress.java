package io.jkvm.acpi;

import java.nio.ByteBuffer;

/**
 * A Generic Address Structure (ACPI 6.5 5.2.3.2): where a register lives, 12 bytes.
 *
 * <pre>
 * 0 Address Space ID (1)  1 Register Bit Width (1)  2 Register Bit Offset (1)
 * 3 Access Size (1)       4 Address (8)
 * </pre>
 */
public record GenericAddress(int spaceId, int bitWidth, int bitOffset, int accessSize, long address) {
    public static final int SIZE = 12;

    /** Address Space IDs. */
    public static final int SYSTEM_MEMORY = 0;
    public static final int SYSTEM_IO = 1;

    /** Access sizes: 0 undefined (legacy), 1 byte, 2 word, 3 dword, 4 qword. */
    public static final int ACCESS_BYTE = 1;

    /** The all-zero structure: "not supported". */
    public static final GenericAddress NONE = new GenericAddress(0, 0, 0, 0, 0);

    /** An 8-bit register at an I/O port, accessed a byte at a time. */
    public static GenericAddress ioPort8(int port) {
        if (port < 0 || port > 0xffff) throw new IllegalArgumentException("not an I/O port: " + port);
        return new GenericAddress(SYSTEM_IO, 8, 0, ACCESS_BYTE, port);
    }

    void put(ByteBuffer b, int offset) {
        b.put(offset, (byte) spaceId);
        b.put(offset + 1, (byte) bitWidth);
        b.put(offset + 2, (byte) bitOffset);
        b.put(offset + 3, (byte) accessSize);
        b.putLong(offset + 4, address);
    }
}
