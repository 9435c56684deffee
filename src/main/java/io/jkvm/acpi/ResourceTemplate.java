package io.jkvm.acpi;

import java.io.ByteArrayOutputStream;

/**
 * A resource template (ACPI 6.5 6.4): the _CRS buffer of a device, small resource descriptors
 * one after another, closed by an End Tag. jkvm needs two kinds:
 *
 * <pre>
 * I/O Port (6.4.2.5), 8 bytes:  0x47, Information (bit 0: 16-bit decode), _MIN (2), _MAX (2),
 *                               _ALN (1), _LEN (1)
 * IRQ (6.4.2.1), 3 bytes:       0x22, IRQ mask (2): bit n = IRQ n, ISA style (edge, active high)
 * End Tag (6.4.2.9), 2 bytes:   0x79, checksum (all bytes of the template sum to zero)
 * </pre>
 */
public final class ResourceTemplate {
    static final int IO_PORT_TAG = 0x47; // small item 0x08, length 7
    static final int IRQ_TAG = 0x22; // small item 0x04, length 2 (no information byte)
    static final int END_TAG = 0x79; // small item 0x0f, length 1
    static final int DECODE_16 = 1;

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
