package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;
import io.jkvm.exit.VmExit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResetControlTest {
    private final List<VmExit> requested = new ArrayList<>();
    private final ResetControl device = new ResetControl(requested::add);

    @Test
    void theResetValueResets() {
        device.write(0, 1, ResetControl.RESET_VALUE);
        assertEquals(List.of(VmExit.reset("guest reset (ACPI RESET_REG)")), requested);
    }

    @Test
    void otherWritesAndReadsDoNothing() {
        device.write(0, 1, 0x02);
        device.write(0, 1, 0x04);
        device.write(1, 1, ResetControl.RESET_VALUE);
        assertEquals(0, device.read(0, 1));
        assertEquals(List.of(), requested);
    }

    @Test
    void theFadtNamesThisRegister() {
        byte[] fadt = Fadt.build(0xE01C0, Platform.of(1));
        assertEquals(PcPorts.ACPI_RESET.base(), TableAssertions.le(fadt).getShort(120));
        assertEquals(ResetControl.RESET_VALUE, fadt[128]);
    }
}
