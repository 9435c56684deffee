package io.jkvm.pci;

import io.jkvm.bus.BusDevice;
import io.jkvm.irq.MsiMessage;
import io.jkvm.irq.MsiSink;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.jkvm.pci.MsixCapability.CONTROL_ENABLE;
import static io.jkvm.pci.MsixCapability.CONTROL_FUNCTION_MASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MsixCapability}: the capability registers, the table and PBA, masking and delivery (PCI Local Bus 3.0, 6.8.2). */
class MsixCapabilityTest {
    private static final long APIC = 0xfee0_0000L;

    private final List<MsiMessage> sent = new ArrayList<>();
    private final List<String> logged = new ArrayList<>();
    private boolean sinkAccepts = true;
    private final MsiSink sink = m -> {
        sent.add(m);
        return sinkAccepts;
    };
    private final PciConfigSpace config = new PciConfigSpace(0x1234, 0x0001, 0, 0xff0000);
    private MsixCapability msix;
    private BusDevice bar;
    private int cap;

    @BeforeEach
    void device() {
        msix = MsixCapability.exclusiveBar(config, 0, true, 3, sink, new GuestErrorLog(logged::add));
        bar = config.bars().getFirst().region();
        cap = msix.capabilityOffset();
        config.write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_MASTER);
    }

    private void control(int value) {
        config.write(cap + MsixCapability.MESSAGE_CONTROL, 2, value);
    }

    private void entry(int vector, long address, int data, int vectorControl) {
        bar.write(16L * vector, 4, address & 0xffff_ffffL);
        bar.write(16L * vector + 4, 4, address >>> 32);
        bar.write(16L * vector + 8, 4, data);
        bar.write(16L * vector + 12, 4, vectorControl);
    }

    private long pba() {
        return bar.read(0x800, 8);
    }

    @Test
    void capabilityRegistersDescribeTheTableAndPba() {
        assertEquals(0x40, cap);
        assertEquals(PciCapabilities.ID_MSIX, config.read(cap, 1));
        assertEquals(2, config.read(cap + 2, 2), "table size N - 1, disabled, function not masked");
        assertEquals(0x0000_0000, config.read(cap + 4, 4), "table at offset 0 of BAR 0");
        assertEquals(0x0000_0800, config.read(cap + 8, 4), "PBA at 0x800 of BAR 0");
        control(0xffff);
        assertEquals(0xc002, config.read(cap + 2, 2), "only enable and function mask are writable");
        config.write(cap + 4, 4, 0xffff_ffff);
        config.write(cap + 8, 4, 0xffff_ffff);
        assertEquals(0, config.read(cap + 4, 4));
        assertEquals(0x800, config.read(cap + 8, 4));
        assertEquals(4096, MsixCapability.exclusiveBarSize(3));
        assertEquals(48, msix.tableSize());
        assertEquals(8, msix.pbaSize());
        PciBar b = config.bars().getFirst();
        assertTrue(b.memory64());
        assertEquals(4096, b.size());
    }

    @Test
    void entriesResetMaskedAndReadBackInDwordsQwordsAndBytes() {
        for (int v = 0; v < 3; v++) {
            assertEquals(1, bar.read(16L * v + 12, 4), "vector " + v + " masked after reset");
            assertTrue(msix.masked(v));
        }
        entry(1, 0x1_fee0_1000L, 0x4041, 0);
        assertEquals(0x1_fee0_1000L, bar.read(16, 8));
        assertEquals(0xfee0_1000L, bar.read(16, 4));
        assertEquals(0x4041, bar.read(24, 4));
        assertEquals(0x41, bar.read(24, 1));
        assertEquals(0x10, bar.read(17, 1));
        bar.write(28, 4, 0xffff_ffffL);
        assertEquals(1, bar.read(28, 4), "vector control bits 31:1 are reserved, read 0");
        bar.write(25, 1, 0x99);
        assertEquals(0x9941, bar.read(24, 4), "a byte write merges into the dword");
    }

    @Test
    void triggerWhileDisabledReturnsFalseAndSendsNothing() {
        entry(0, APIC, 0x40, 0);
        assertFalse(msix.trigger(0));
        assertEquals(List.of(), sent);
        assertFalse(msix.pending(0));
        control(CONTROL_ENABLE);
        control(0);
        assertFalse(msix.trigger(0), "disabled again");
        assertEquals(List.of(), sent);
    }

    @Test
    void anUnmaskedVectorIsSentWithItsAddressAndData() {
        entry(2, APIC | 0x3000, 0x4052, 0);
        control(CONTROL_ENABLE);
        assertTrue(msix.enabled());
        assertTrue(msix.trigger(2));
        assertEquals(List.of(new MsiMessage(APIC | 0x3000, 0x4052)), sent);
        assertEquals(0, pba());
        entry(2, APIC, 0x61, 0);
        msix.trigger(2);
        assertEquals(new MsiMessage(APIC, 0x61), sent.getLast(), "a rewritten entry sends its new message");
    }

    @Test
    void aMaskedVectorIsPendingAndSentWhenUnmasked() {
        entry(1, APIC, 0x41, 1);
        control(CONTROL_ENABLE);
        assertTrue(msix.trigger(1));
        msix.trigger(1); // twice: still one pending message
        assertEquals(List.of(), sent);
        assertTrue(msix.pending(1));
        assertEquals(0b010, pba());
        bar.write(0x800, 8, 0); // the PBA is read-only
        assertEquals(0b010, pba());
        bar.write(28, 4, 0);    // unmask
        assertEquals(List.of(new MsiMessage(APIC, 0x41)), sent);
        assertFalse(msix.pending(1));
        assertEquals(0, pba());
    }

    @Test
    void theFunctionMaskHoldsEveryVectorUntilCleared() {
        entry(0, APIC, 0x40, 0);
        entry(2, APIC, 0x42, 0);
        control(CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
        assertTrue(msix.functionMasked());
        msix.trigger(0);
        msix.trigger(2);
        assertEquals(List.of(), sent);
        assertEquals(0b101, pba());
        bar.write(12, 4, 0); // unmasking an entry under the function mask sends nothing
        assertEquals(List.of(), sent);
        control(CONTROL_ENABLE);
        assertEquals(List.of(new MsiMessage(APIC, 0x40), new MsiMessage(APIC, 0x42)), sent);
        assertEquals(0, pba());
    }

    @Test
    void pendingMessagesOutliveADisableAndGoOutOnEnable() {
        entry(0, APIC, 0x40, 0);
        control(CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
        msix.trigger(0);
        control(0);
        assertEquals(List.of(), sent);
        control(CONTROL_ENABLE);
        assertEquals(List.of(new MsiMessage(APIC, 0x40)), sent);
    }

    @Test
    void aBadAddressIsRefusedBeforeTheSinkAndLoggedOnce() {
        entry(0, 0x0010_0000L, 0x40, 0); // guest RAM: a DMA write on real hardware
        control(CONTROL_ENABLE);
        for (int i = 0; i < 1000; i++) assertTrue(msix.trigger(0));
        entry(0, 0xdead_0000_0000L | APIC, 0x40, 0); // an upper address outside the window
        msix.trigger(0);
        assertEquals(List.of(), sent);
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.getFirst().contains("0x100000"), logged.getFirst());
    }

    @Test
    void aRefusingSinkIsLoggedOnce() {
        sinkAccepts = false;
        entry(0, APIC, 0x40, 0);
        control(CONTROL_ENABLE);
        msix.trigger(0);
        msix.trigger(0);
        assertEquals(2, sent.size());
        assertEquals(1, logged.size(), logged.toString());
    }

    @Test
    void withoutBusMasteringNothingIsSent() {
        config.write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
        entry(0, APIC, 0x40, 0);
        control(CONTROL_ENABLE);
        assertTrue(msix.trigger(0));
        msix.trigger(0);
        assertEquals(List.of(), sent);
        assertEquals(1, logged.size());
    }

    @Test
    void aVectorPastTheTableIsIgnoredAndLoggedOnce() {
        control(CONTROL_ENABLE);
        assertTrue(msix.trigger(3));
        assertTrue(msix.trigger(-1));
        assertEquals(List.of(), sent);
        assertEquals(1, logged.size());
    }

    @Test
    void accessesOutsideTheTableAndPbaReadZeroAndChangeNothing() {
        assertEquals(0, bar.read(48, 4), "past the last entry");
        assertEquals(0, bar.read(0x7fc, 4));
        assertEquals(0, bar.read(0x808, 8), "past the PBA");
        assertEquals(0, bar.read(0xfff, 1));
        bar.write(48, 8, -1L);
        bar.write(0x900, 4, -1L);
        bar.write(44, 8, -1L); // half in the last entry's vector control, half past the table
        assertEquals(1, bar.read(44, 4));
        assertEquals(0, bar.read(48, 4));
        assertEquals(0, msix.table().read(-8, 4));
        msix.table().write(-8, 4, 1);
        assertEquals(0, msix.pba().read(1L << 40, 8));
    }

    @Test
    void randomGuestAccessesNeverThrow() {
        Random random = new Random(10);
        control(CONTROL_ENABLE);
        for (int i = 0; i < 100_000; i++) {
            long offset = random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(4200) - 50;
            int size = random.nextInt(10);
            switch (random.nextInt(4)) {
                case 0 -> bar.read(offset, size);
                case 1 -> bar.write(offset, size, random.nextLong());
                case 2 -> config.write(random.nextInt(300) - 20, random.nextInt(6), random.nextInt());
                default -> msix.trigger(random.nextInt(8) - 2);
            }
        }
        for (MsiMessage m : sent) assertTrue(m.valid(), "an invalid message reached the sink: " + m);
    }
}
