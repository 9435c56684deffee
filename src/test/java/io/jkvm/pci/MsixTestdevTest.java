package io.jkvm.pci;

import io.jkvm.bus.BusDevice;
import io.jkvm.irq.MsiMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MsixTestdev}: its header, and its TRIGGER, INTX and COUNT registers with MSI-X off and on. */
class MsixTestdevTest {
    private final List<MsiMessage> sent = new ArrayList<>();
    private final MsixTestdev dev = new MsixTestdev(m -> sent.add(m), new GuestErrorLog(s -> { }));
    private final PciConfigSpace config = dev.config();
    private final BusDevice regs = dev.registers();

    @Test
    void headerBarsAndCapability() {
        assertEquals(0x6a6b_1234, config.read(0, 4));
        assertEquals(1, config.read(PciConfigSpace.INTERRUPT_PIN, 1));
        assertEquals(List.of(0x40), PciCapabilities.walk(dev));
        assertEquals(PciCapabilities.ID_MSIX, config.read(0x40, 1));
        List<PciBar> bars = config.bars();
        assertEquals(2, bars.size());
        assertTrue(bars.get(0).memory64());
        assertEquals(0, bars.get(0).index());
        assertTrue(bars.get(1).io());
        assertEquals(2, bars.get(1).index());
    }

    @Test
    void withMsixOffATriggerAssertsIntxUntilAcknowledged() {
        regs.write(MsixTestdev.TRIGGER, 4, 0);
        assertTrue(config.intxAsserted());
        assertEquals(1, regs.read(MsixTestdev.INTX, 4));
        regs.write(MsixTestdev.INTX, 1, 0);
        assertFalse(config.intxAsserted());
        assertEquals(0, regs.read(MsixTestdev.INTX, 4));
        assertEquals(1, regs.read(MsixTestdev.COUNT, 4));
        assertEquals(List.of(), sent);
    }

    @Test
    void withMsixOnATriggerSendsTheVectorsMessage() {
        config.write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MASTER);
        BusDevice table = config.bars().getFirst().region();
        table.write(16, 4, 0xfee0_0000L);
        table.write(24, 4, 0x41);
        table.write(28, 4, 0);
        config.write(0x42, 2, MsixCapability.CONTROL_ENABLE);
        regs.write(MsixTestdev.TRIGGER, 2, 1);
        assertEquals(List.of(new MsiMessage(0xfee0_0000L, 0x41)), sent);
        assertFalse(config.intxAsserted());
        regs.write(MsixTestdev.TRIGGER, 4, 7); // no vector 7: ignored, no INTx either
        assertEquals(1, sent.size());
        assertFalse(config.intxAsserted());
        assertEquals(2, regs.read(MsixTestdev.COUNT, 4));
        assertEquals(0, regs.read(MsixTestdev.TRIGGER, 4));
        assertEquals(0, regs.read(0xc, 4));
    }
}
