package io.jkvm.devices;

import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusAccess;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import io.jkvm.state.Stateful;

import java.util.function.IntFunction;
import java.util.function.LongConsumer;

/**
 * QEMU's {@code pc-testdev} (hw/misc/pc-testdev.c), the ISA test device kvm-unit-tests' x86
 * tests expect ({@code -device pc-testdev}), on QEMU's ports and address ({@link PcPorts#PC_TESTDEV},
 * {@link PcPorts#PC_TESTDEV_IRQ}, {@link Layout#PC_TESTDEV_IOMEM_ADDR}):
 * <pre>
 * port 0xe0-0xe3      "ioport": a 32-bit little-endian register; any access reads/writes its bytes
 * port 0xe4-0xe7      "flush-page": a 4-byte write of A flushes the guest page A &amp; ~0xfff; reads 0
 * port 0xe8-0xeb      "ioport-byte": the same register, accessed a byte at a time
 * port 0x2000-0x2017  "irq-line": writing byte V at 0x2000 + n sets ISA IRQ n to V != 0; reads 0
 * 0xff000000-0xff00ffff "iomem": 64 KiB of zeroed, byte-addressable scratch memory
 * </pre>
 * Access by access as in QEMU, whose memory core cuts accesses into naturally aligned pieces
 * ({@link BusAccess#pieceSize}) before the handlers see them:
 * <ul>
 * <li>ioport and ioport-byte share the register; since every piece covers only its own bytes
 *     ({@code test_ioport_read}/{@code write} shift by {@code (addr & 3) * 8}), both behave as
 *     four bytes of memory: {@code outb 0x12, 0xe9} changes bits 15:8 only.</li>
 * <li>flush-page accepts only 4-byte pieces (valid.min/max_access_size 4): smaller writes are
 *     dropped and every read returns 0. For a 4-byte write QEMU mprotects the host page
 *     backing guest page {@code A & ~0xfff} to PROT_NONE and back, which makes KVM drop its
 *     mappings of the page; guest memory is unchanged. jkvm passes the page address to an
 *     optional {@link LongConsumer} and otherwise does nothing.</li>
 * <li>irq-line takes 1-byte pieces (valid.max_access_size 1), so {@code outw 0x0001, 0x2004}
 *     raises IRQ 4 and lowers IRQ 5. Lines 16-23 are in the region but not on the ISA bus:
 *     QEMU aborts ({@code isa_get_irq} asserts {@code isairq < ISA_NUM_IRQS}); jkvm ignores
 *     writes to them.</li>
 * <li>iomem: {@code memcpy} in and out of a zeroed buffer for each piece, so any access inside
 *     the window reads and writes its bytes little-endian.</li>
 * </ul>
 * Accesses crossing between the three 4-byte port registers are split between them as QEMU
 * does, since the registers are attached as one 12-byte window. Thread-safe: state is guarded
 * by this object; interrupt lines and the flush hook are called without the lock.
 *
 * <p>Not {@link io.jkvm.state.Resettable}: QEMU's pc-testdev registers no reset handler, so
 * the register and iomem survive a machine reset there, and here. Its state is a
 * {@link PcTestdevState}.
 */
public final class PcTestdev implements Stateful<PcTestdevState> {
    /** In the port window (0xe0-0xeb): ioport at 0, flush-page and ioport-byte, 4 bytes each. */
    static final int FLUSH_PAGE_OFFSET = 4;
    static final int IOPORT_BYTE_OFFSET = 8;
    static final int PORT_WINDOW_LENGTH = PcPorts.PC_TESTDEV.length();
    private static final int IRQ_PORT_LENGTH = PcPorts.PC_TESTDEV_IRQ.length();
    static final int IOMEM_LENGTH = Layout.PC_TESTDEV_IOMEM_SIZE;
    /** ISA IRQs 0-15 (QEMU's ISA_NUM_IRQS). */
    private static final int ISA_IRQS = PcPorts.ISA_IRQS;

    private final InterruptLine[] irqLines = new InterruptLine[ISA_IRQS];
    private final LongConsumer flushPage;
    private final byte[] iomem = new byte[IOMEM_LENGTH];
    private final BusDevice portWindow = new PortWindow();
    private final BusDevice irqPort = new IrqPort();
    private final BusDevice iomemWindow = new Iomem();
    private int ioportData;

    /** @param isaIrq the line for ISA IRQ n (0-15), asked for each once, here */
    public PcTestdev(IntFunction<InterruptLine> isaIrq) {
        this(isaIrq, page -> { });
    }

    /** @param flushPage told the guest-physical page address of each flush-page write */
    public PcTestdev(IntFunction<InterruptLine> isaIrq, LongConsumer flushPage) {
        for (int irq = 0; irq < ISA_IRQS; irq++) {
            InterruptLine line = isaIrq.apply(irq);
            irqLines[irq] = line == null ? InterruptLine.NONE : line;
        }
        this.flushPage = flushPage;
    }

    /** Creates the device and attaches its three windows. */
    public static PcTestdev attach(Bus ports, Bus mmio, IntFunction<InterruptLine> isaIrq) {
        PcTestdev device = new PcTestdev(isaIrq);
        ports.attach(PcPorts.PC_TESTDEV.base(), PORT_WINDOW_LENGTH, device.portWindow);
        ports.attach(PcPorts.PC_TESTDEV_IRQ.base(), IRQ_PORT_LENGTH, device.irqPort);
        mmio.attach(Layout.PC_TESTDEV_IOMEM_ADDR, IOMEM_LENGTH, device.iomemWindow);
        return device;
    }

    /** Ports 0xe0-0xeb ({@link PcPorts#PC_TESTDEV}). */
    public BusDevice portWindow() { return portWindow; }

    /** Ports 0x2000-0x2017 ({@link PcPorts#PC_TESTDEV_IRQ}). */
    public BusDevice irqPort() { return irqPort; }

    /** The 64 KiB at 0xff000000 ({@link Layout#PC_TESTDEV_IOMEM_ADDR}). */
    public BusDevice iomem() { return iomemWindow; }

    /** The ioport register. */
    public synchronized int ioportData() { return ioportData; }

    @Override
    public synchronized PcTestdevState state() {
        return new PcTestdevState(ioportData, iomem);
    }

    @Override
    public synchronized void restore(PcTestdevState state) {
        ioportData = state.ioportData();
        System.arraycopy(state.iomem(), 0, iomem, 0, IOMEM_LENGTH);
    }

    private static boolean inside(long offset, int size, long length) {
        return size >= 1 && size <= 8 && offset >= 0 && offset <= length - size;
    }

    private final class PortWindow implements BusDevice {
        @Override
        public long read(long offset, int size) {
            if (!inside(offset, size, PORT_WINDOW_LENGTH)) return BusAccess.mask(size);
            long value = 0;
            for (int done = 0, piece; done < size; done += piece) {
                long at = offset + done;
                piece = BusAccess.pieceSize(at, size - done, 4);
                if (at < FLUSH_PAGE_OFFSET || at >= IOPORT_BYTE_OFFSET) {
                    value |= ioportBytes((int) at & 3, piece) << (8 * done);
                } // flush-page reads 0
            }
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (!inside(offset, size, PORT_WINDOW_LENGTH)) return;
            for (int done = 0, piece; done < size; done += piece) {
                long at = offset + done;
                piece = BusAccess.pieceSize(at, size - done, 4);
                long data = (value >>> (8 * done)) & BusAccess.mask(piece);
                if (at < FLUSH_PAGE_OFFSET || at >= IOPORT_BYTE_OFFSET) {
                    setIoportBytes((int) at & 3, piece, (int) data);
                } else if (piece == 4) {
                    flushPage.accept(data & ~0xfffL);
                }
            }
        }
    }

    private synchronized long ioportBytes(int shift, int size) {
        return ((ioportData & 0xffff_ffffL) >>> (8 * shift)) & BusAccess.mask(size);
    }

    private synchronized void setIoportBytes(int shift, int size, int data) {
        int mask = (int) BusAccess.mask(size) << (8 * shift);
        ioportData = (ioportData & ~mask) | ((data << (8 * shift)) & mask);
    }

    private final class IrqPort implements BusDevice {
        @Override
        public long read(long offset, int size) {
            return inside(offset, size, IRQ_PORT_LENGTH) ? 0 : BusAccess.mask(size);
        }

        @Override
        public void write(long offset, int size, long value) {
            if (!inside(offset, size, IRQ_PORT_LENGTH)) return;
            for (int i = 0; i < size; i++) {
                long line = offset + i;
                if (line < ISA_IRQS) irqLines[(int) line].set(((value >>> (8 * i)) & 0xff) != 0);
            }
        }
    }

    private final class Iomem implements BusDevice {
        @Override
        public long read(long offset, int size) {
            if (!inside(offset, size, IOMEM_LENGTH)) return BusAccess.mask(size);
            long value = 0;
            synchronized (PcTestdev.this) {
                for (int i = 0; i < size; i++) value |= (iomem[(int) offset + i] & 0xffL) << (8 * i);
            }
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (!inside(offset, size, IOMEM_LENGTH)) return;
            synchronized (PcTestdev.this) {
                for (int i = 0; i < size; i++) iomem[(int) offset + i] = (byte) (value >>> (8 * i));
            }
        }
    }
}
