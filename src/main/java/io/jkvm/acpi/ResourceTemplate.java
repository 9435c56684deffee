package io.jkvm.acpi;

import java.io.ByteArrayOutputStream;

/**
 * A resource template (ACPI 6.5 6.4): the _CRS buffer of a device, resource descriptors one
 * after another, closed by an End Tag. jkvm needs these kinds:
 *
 * <pre>
 * I/O Port (6.4.2.5), 8 bytes:  0x47, Information (bit 0: 16-bit decode), _MIN (2), _MAX (2),
 *                               _ALN (1), _LEN (1)
 * IRQ (6.4.2.1), 3 bytes:       0x22, IRQ mask (2): bit n = IRQ n, ISA style (edge, active high)
 * Address space (6.4.3.5.1-3): tag 0x8A (QWord), 0x87 (DWord) or 0x88 (Word), length (2),
 *                               resource type (0 memory, 1 I/O, 2 bus numbers), general flags,
 *                               type-specific flags, then _GRA, _MIN, _MAX, _TRA, _LEN of 8, 4
 *                               or 2 bytes each
 * Memory32Fixed (6.4.3.4), 12:  0x86, length 9 (2), Information (bit 0: read-write), base (4),
 *                               length (4)
 * Extended Interrupt (6.4.3.6): 0x89, length (2) = 2 + 4 n, flags (bit 0 consumer, bit 1 edge,
 *                               bit 2 active low, bit 3 shared, bit 4 wake capable), n (1), then
 *                               n interrupt numbers (GSIs) of 4 bytes; no resource source
 * End Tag (6.4.2.9), 2 bytes:   0x79, checksum (all bytes of the template sum to zero)
 * </pre>
 * The address space descriptors jkvm writes are a host bridge's windows: ResourceProducer,
 * MinFixed, MaxFixed, PosDecode (general flags 0x0C, 6.4.3.5.1 table 6.50), granularity,
 * translation 0.
 */
public final class ResourceTemplate {
    static final int IO_PORT_TAG = 0x47; // small item 0x08, length 7
    static final int IRQ_TAG = 0x22; // small item 0x04, length 2 (no information byte)
    static final int END_TAG = 0x79; // small item 0x0f, length 1
    static final int MEMORY32_FIXED_TAG = 0x86;
    static final int EXTENDED_INTERRUPT_TAG = 0x89;
    /** Memory32Fixed information: bit 0, _RW read-write. */
    static final int READ_WRITE = 0x01;
    /**
     * Extended Interrupt flags (6.4.3.6 table 6.56): ResourceConsumer (bit 0 = 1), Level (bit 1,
     * _HE = 0), ActiveHigh (bit 2, _LL = 0), Exclusive (bit 3, _SHR = 0), not wake capable.
     */
    static final int CONSUMER_LEVEL_HIGH_EXCLUSIVE = 0x01;
    static final int DECODE_16 = 1;
    static final int QWORD_ADDRESS_TAG = 0x8a;
    static final int DWORD_ADDRESS_TAG = 0x87;
    static final int WORD_ADDRESS_TAG = 0x88;
    static final int TYPE_MEMORY = 0;
    static final int TYPE_IO = 1;
    static final int TYPE_BUS_NUMBER = 2;
    /** _MAF and _MIF set (bits 3, 2), _DEC positive (bit 1 = 0), producer (bit 0 = 0). */
    static final int PRODUCER_FIXED = 0x0c;
    /** Memory type-specific flags: _MEM bits 2:1 (0 non-cacheable, 1 cacheable), _RW bit 0 (read-write). */
    public static final int MEMORY_NON_CACHEABLE = 0x01;
    public static final int MEMORY_CACHEABLE = 0x03;
    /** I/O type-specific flags: _RNG bits 1:0 = 3, ISA and non-ISA ports (EntireRange). */
    static final int IO_ENTIRE_RANGE = 0x03;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** {@code IO (Decode16, min, max, alignment, length)}. */
    public ResourceTemplate io(int min, int max, int alignment, int length) {
        if (min < 0 || max > 0xffff || min > max || alignment < 0 || alignment > 0xff || length < 0 || length > 0xff) {
            throw new IllegalArgumentException(String.format("bad IO descriptor 0x%x-0x%x, align %d, length %d", min, max, alignment, length));
        }
        out.write(IO_PORT_TAG);
        out.write(DECODE_16);
        out.writeBytes(Aml.le(min, 2));
        out.writeBytes(Aml.le(max, 2));
        out.write(alignment);
        out.write(length);
        return this;
    }

    /** {@code IRQNoFlags () { irqs }}: ISA interrupts 0-15, edge-triggered, active high. */
    public ResourceTemplate irq(int... irqs) {
        int mask = 0;
        for (int irq : irqs) {
            if (irq < 0 || irq > 15) throw new IllegalArgumentException("not an ISA IRQ: " + irq);
            mask |= 1 << irq;
        }
        out.write(IRQ_TAG);
        out.writeBytes(Aml.le(mask, 2));
        return this;
    }

    /** {@code Memory32Fixed (ReadWrite, base, length)}: registers at a fixed 32-bit address. */
    public ResourceTemplate memory32Fixed(long base, long length) {
        if (base < 0 || length < 0 || base + length > 1L << 32) {
            throw new IllegalArgumentException(String.format("bad Memory32Fixed 0x%x+0x%x", base, length));
        }
        out.write(MEMORY32_FIXED_TAG);
        out.writeBytes(Aml.le(9, 2));
        out.write(READ_WRITE);
        out.writeBytes(Aml.le(base, 4));
        out.writeBytes(Aml.le(length, 4));
        return this;
    }

    /**
     * {@code Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { gsi }}: one GSI, as a
     * level-triggered device that does not share its line (virtio-mmio's, virtio 1.2 §4.2.3.4).
     */
    public ResourceTemplate levelInterrupt(int gsi) {
        if (gsi < 0) throw new IllegalArgumentException("GSI " + gsi);
        out.write(EXTENDED_INTERRUPT_TAG);
        out.writeBytes(Aml.le(2 + 4, 2));
        out.write(CONSUMER_LEVEL_HIGH_EXCLUSIVE);
        out.write(1);
        out.writeBytes(Aml.le(gsi, 4));
        return this;
    }

    /** {@code WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, max - min + 1)}. */
    public ResourceTemplate wordBusNumber(int min, int max) {
        return address(WORD_ADDRESS_TAG, 2, TYPE_BUS_NUMBER, 0, min, max);
    }

    /** {@code WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, max - min + 1)}. */
    public ResourceTemplate wordIo(int min, int max) {
        return address(WORD_ADDRESS_TAG, 2, TYPE_IO, IO_ENTIRE_RANGE, min, max);
    }

    /**
     * {@code DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, cacheability, ReadWrite,
     * 0, min, max, 0, max - min + 1)}; {@code flags} {@link #MEMORY_NON_CACHEABLE} or {@link #MEMORY_CACHEABLE}.
     */
    public ResourceTemplate dwordMemory(int flags, long min, long max) {
        return address(DWORD_ADDRESS_TAG, 4, TYPE_MEMORY, flags, min, max);
    }

    /** {@code QWordMemory (...)}, as {@link #dwordMemory} with 64-bit fields. */
    public ResourceTemplate qwordMemory(int flags, long min, long max) {
        return address(QWORD_ADDRESS_TAG, 8, TYPE_MEMORY, flags, min, max);
    }

    private ResourceTemplate address(int tag, int width, int type, int typeFlags, long min, long max) {
        long limit = width == 8 ? -1L : (1L << (8 * width)) - 1;
        if (Long.compareUnsigned(min, max) > 0 || Long.compareUnsigned(max, limit) > 0) {
            throw new IllegalArgumentException(String.format("bad %d-byte address space descriptor 0x%x-0x%x", width, min, max));
        }
        out.write(tag);
        out.writeBytes(Aml.le(3 + 5L * width, 2)); // type, flags, type flags, then five fields
        out.write(type);
        out.write(PRODUCER_FIXED);
        out.write(typeFlags);
        out.writeBytes(Aml.le(0, width));           // _GRA
        out.writeBytes(Aml.le(min, width));
        out.writeBytes(Aml.le(max, width));
        out.writeBytes(Aml.le(0, width));           // _TRA
        out.writeBytes(Aml.le(max - min + 1, width));
        return this;
    }

    /** The descriptors and the End Tag, checksummed. */
    public byte[] bytes() {
        byte[] body = out.toByteArray();
        byte[] all = new byte[body.length + 2];
        System.arraycopy(body, 0, all, 0, body.length);
        all[body.length] = (byte) END_TAG;
        Checksum.set(all, all.length - 1, 0, all.length);
        return all;
    }

    /** The template as an AML Buffer, what {@code ResourceTemplate () {...}} compiles to. */
    public byte[] toAml() {
        return Aml.buffer(bytes());
    }
}
