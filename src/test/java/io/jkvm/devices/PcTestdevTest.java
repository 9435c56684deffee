package io.jkvm.devices;

import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PcTestdevTest {
    private final List<String> irqEvents = new ArrayList<>();
    private final List<Integer> linesAskedFor = new ArrayList<>();
    private final List<Long> flushedPages = new ArrayList<>();
    private final PcTestdev dev = new PcTestdev(irq -> {
        linesAskedFor.add(irq);
        return high -> irqEvents.add("IRQ" + irq + (high ? " high" : " low"));
    }, flushedPages::add);
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();

    PcTestdevTest() {
        ports.attach(PcPorts.PC_TESTDEV.base(), PcPorts.PC_TESTDEV.length(), dev.portWindow());
        ports.attach(PcPorts.PC_TESTDEV_IRQ.base(), PcPorts.PC_TESTDEV_IRQ.length(), dev.irqPort());
        mmio.attach(Layout.PC_TESTDEV_IOMEM_ADDR, Layout.PC_TESTDEV_IOMEM_SIZE, dev.iomem());
    }

    @Test
    void attachPutsTheThreeWindowsWhereQemuHasThem() {
        Bus p = Bus.ports();
        Bus m = Bus.mmio();
        PcTestdev d = PcTestdev.attach(p, m, irq -> InterruptLine.NONE);
        assertEquals(List.of(new Bus.Mapping(0xe0, 12, d.portWindow()), new Bus.Mapping(0x2000, 24, d.irqPort())), p.mappings());
        assertEquals(List.of(new Bus.Mapping(0xff00_0000L, 0x1_0000, d.iomem())), m.mappings());
    }

    @Test
    void theIoportRegisterReadsAndWritesItsBytes() {
        assertEquals(0L, ports.read(0xe0, 4));
        ports.write(0xe0, 4, 0x1234_5678L);
        assertEquals(0x1234_5678L, ports.read(0xe0, 4));
        assertEquals(0x56L, ports.read(0xe1, 1));
        assertEquals(0x1234L, ports.read(0xe2, 2));
        assertEquals(0x3456L, ports.read(0xe1, 2), "two 1-byte pieces");
        ports.write(0xe2, 1, 0xab);
        assertEquals(0x12ab_5678L, ports.read(0xe0, 4));
        ports.write(0xe0, 2, 0xbeef);
        assertEquals(0x12ab_beef, dev.ioportData());
        ports.write(0xe1, 2, 0x0102);
        assertEquals(0x1201_02efL, ports.read(0xe0, 4));
    }

    @Test
    void theByteIoportIsTheSameRegister() {
        ports.write(0xe0, 4, 0x1234_5678L);
        assertEquals(0x1234_5678L, ports.read(0xe8, 4));
        assertEquals(0x34L, ports.read(0xea, 1));
        ports.write(0xe8, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00dL, ports.read(0xe0, 4));
        ports.write(0xeb, 1, 0x11);
        ports.write(0xe9, 2, 0x2233);
        assertEquals(0x1122_330dL, ports.read(0xe0, 4));
        assertEquals(0x330dL, ports.read(0xe8, 2));
    }

    @Test
    void flushPageTakesOnlyDwordWritesAndReadsZero() {
        ports.write(0xe0, 4, 0x1234_5678L);
        ports.write(0xe4, 4, 0x0012_3abcL);
        ports.write(0xe4, 4, 0xffff_ffffL);
        ports.write(0xe4, 2, 0x5000);
        ports.write(0xe6, 1, 0x77);
        assertEquals(List.of(0x0012_3000L, 0xffff_f000L), flushedPages);
        assertEquals(0L, ports.read(0xe4, 4));
        assertEquals(0L, ports.read(0xe6, 2));
        assertEquals(0L, ports.read(0xe7, 1));
        assertEquals(0x1234_5678, dev.ioportData(), "flush writes leave the register alone");
        PcTestdev noHook = new PcTestdev(irq -> InterruptLine.NONE);
        assertDoesNotThrow(() -> noHook.portWindow().write(4, 4, 0x1000));
    }

    @Test
    void accessesAcrossRegisterBoundariesAreSplitAsQemuSplitsThem() {
        BusDevice window = dev.portWindow();
        window.write(0, 4, 0x1234_5678L);
        assertEquals(0x1234L, window.read(2, 4), "ioport bits 31:16, then flush-page's 0");
        window.write(2, 4, 0xaaaa_bbbbL); // 2 bytes to ioport, 2 bytes to flush-page (dropped: not 4 bytes)
        assertEquals(0xbbbb_5678, dev.ioportData());
        assertEquals(List.of(), flushedPages);
        assertEquals(0x7800L, window.read(7, 2), "flush-page byte 0, then ioport-byte bits 7:0");
        window.write(6, 4, 0x3344_0000L); // 2 bytes to flush-page, 2 to ioport-byte
        assertEquals(0xbbbb_3344, dev.ioportData());
    }

    @Test
    void irqLineWritesDriveTheIsaIrqsByteByByte() {
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), linesAskedFor, "each ISA IRQ once, up front");
        ports.write(0x2004, 1, 1);
        ports.write(0x2004, 1, 0);
        ports.write(0x200e, 1, 0x80);
        assertEquals(List.of("IRQ4 high", "IRQ4 low", "IRQ14 high"), irqEvents);
        irqEvents.clear();
        ports.write(0x2004, 2, 0x0001);
        assertEquals(List.of("IRQ4 high", "IRQ5 low"), irqEvents);
        irqEvents.clear();
        ports.write(0x2000, 4, 0x0100_0100L);
        assertEquals(List.of("IRQ0 low", "IRQ1 high", "IRQ2 low", "IRQ3 high"), irqEvents);
        irqEvents.clear();
        ports.write(0x200e, 4, 0x0101_0101L); // IRQ 14, 15, then 16 and 17, which are not ISA lines
        ports.write(0x2010, 4, 0x0101_0101L);
        ports.write(0x2017, 1, 1);
        assertEquals(List.of("IRQ14 high", "IRQ15 high"), irqEvents);
        assertEquals(0L, ports.read(0x2000, 4));
        assertEquals(0L, ports.read(0x2017, 1));
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), linesAskedFor, "not asked again");
    }

    @Test
    void aMissingInterruptLineIsNone() {
        PcTestdev d = new PcTestdev(irq -> null);
        assertDoesNotThrow(() -> d.irqPort().write(0, 4, 0x0101_0101L));
    }

    @Test
    void iomemIsZeroedLittleEndianScratchMemory() {
        long base = Layout.PC_TESTDEV_IOMEM_ADDR;
        assertEquals(0L, mmio.read(base, 8));
        assertEquals(0L, mmio.read(base + 0xfff8, 8));
        mmio.write(base + 0x10, 8, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, mmio.read(base + 0x10, 8));
        assertEquals(0x0405L, mmio.read(base + 0x13, 2));
        assertEquals(0x08L, mmio.read(base + 0x10, 1));
        mmio.write(base + 0x11, 4, 0xaabb_ccddL); // unaligned
        assertEquals(0x0102_03aa_bbcc_dd08L, mmio.read(base + 0x10, 8));
        mmio.write(base + 0xffff, 1, 0x5a);
        assertEquals(0x5a00L, mmio.read(base + 0xfffe, 2));
        mmio.write(base + 0x20, 3, 0x11_2233); // KVM's page-split pieces can be any length
        assertEquals(0x0011_2233L, mmio.read(base + 0x20, 4));
        assertEquals(0, mmio.unmappedReads());
    }

    @Test
    void hostileAccessesNeverThrow() {
        assertDoesNotThrow(() -> {
            for (BusDevice window : List.of(dev.portWindow(), dev.irqPort(), dev.iomem())) {
                for (long offset : new long[] {-1, 0, 11, 12, 23, 24, 0xffff, 0x10000, Long.MAX_VALUE, Long.MIN_VALUE}) {
                    for (int size : new int[] {-1, 0, 1, 2, 3, 4, 8, 9, 64}) {
                        window.read(offset, size);
                        window.write(offset, size, -1L);
                    }
                }
            }
        });
        assertEquals(0xffffL, dev.portWindow().read(11, 2), "outside the window");
        assertEquals(0xffL, dev.irqPort().read(24, 1));
        assertEquals(0xffff_ffffL, dev.iomem().read(0xfffd, 4));
        assertEquals(0L, dev.portWindow().read(0, 0));
    }
}
