package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;
import io.jkvm.exit.VmExit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SleepControlTest {
    private final List<VmExit> requested = new ArrayList<>();
    private final SleepControl device = new SleepControl(requested::add);

    @Test
    void slpEnWithTheS5TypePowersOff() {
        device.write(0, 1, 0x20 | 5 << 2); // what ACPICA acpi_hw_extended_sleep writes for \_S5 = 5
        assertEquals(List.of(VmExit.powerOff("guest powered off (ACPI S5)")), requested);
        assertEquals(VmExit.Reason.POWER_OFF, requested.getFirst().reason());
        assertEquals(0, requested.getFirst().status());
    }

    @Test
    void reservedBitsDoNotMatter() {
        device.write(0, 1, 0x20 | 5 << 2 | 0x03 | 0x40);
        assertEquals(1, requested.size());
    }

    @Test
    void otherWritesAreIgnored() {
        device.write(0, 1, 0x80); // clearing WAK_STS, as ACPICA does first
        device.write(0, 1, 5 << 2); // SLP_TYP without SLP_EN
        device.write(0, 1, 0x20); // SLP_EN with SLP_TYP 0
        device.write(0, 1, 0x20 | 3 << 2); // another sleep state
        device.write(1, 1, 0x20 | 5 << 2); // past the register
        device.write(0, 2, 0x3400); // the S5 value in the wrong byte
        assertEquals(List.of(), requested);
    }

    @Test
    void readsReportAwake() {
        assertEquals(0x80, device.read(0, 1));
        assertEquals(0, device.read(1, 1));
    }

    @Test
    void theS5TypeIsConfigurable() {
        SleepControl zero = new SleepControl(requested::add, 0);
        zero.write(0, 1, 0x20 | 5 << 2);
        assertEquals(0, requested.size());
        zero.write(0, 1, 0x20);
        assertEquals(1, requested.size());
    }

    @Test
    void theFadtNamesThisRegisterForControlAndStatus() {
        byte[] fadt = Fadt.build(0xE01C0, Platform.of(1));
        assertEquals(PcPorts.ACPI_SLEEP.base(), TableAssertions.le(fadt).getShort(248));
        assertEquals(PcPorts.ACPI_SLEEP.base(), TableAssertions.le(fadt).getShort(260));
    }

    @Test
    void theDsdtAndTheDeviceAgreeOnS5() {
        // Dsdt's \_S5 first element is the SLP_TYP SleepControl waits for.
        byte[] s5 = Dsdt.s5(SleepControl.S5_SLP_TYP);
        assertEquals(SleepControl.S5_SLP_TYP, s5[9]);
        device.write(0, 1, SleepControl.SLP_EN | s5[9] << SleepControl.SLP_TYP_SHIFT);
        assertEquals(1, requested.size());
    }
}
