package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.jkvm.acpi.TableAssertions.ascii;
import static io.jkvm.acpi.TableAssertions.assertHeader;
import static io.jkvm.acpi.TableAssertions.hex;
import static io.jkvm.acpi.TableAssertions.le;
import static io.jkvm.acpi.TableAssertions.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ACPI 6.5 5.2.9: offsets as the spec's FADT format table gives them. */
class FadtTest {
    private final byte[] fadt = Fadt.build(0xE01C0, Platform.of(2));
    private final ByteBuffer b = le(fadt);

    @Test
    void header() {
        assertHeader(fadt, "FACP", 276, 6, "JKVMFACP");
        assertEquals(5, u8(fadt, 131), "FADT minor version: ACPI 6.5");
    }

    @Test
    void dsdtInBothFieldsAndNoFacs() {
        assertEquals(0xE01C0, b.getInt(40), "DSDT");
        assertEquals(0xE01C0L, b.getLong(140), "X_DSDT");
        assertEquals(0, b.getInt(36), "FIRMWARE_CTRL");
        assertEquals(0L, b.getLong(132), "X_FIRMWARE_CTRL");
    }

    @Test
    void hardwareReducedWithResetRegister() {
        int flags = b.getInt(112);
        assertTrue((flags & (1 << 20)) != 0, "HW_REDUCED_ACPI");
        assertTrue((flags & (1 << 10)) != 0, "RESET_REG_SUP");
        assertTrue((flags & 1) != 0, "WBINVD");
        assertEquals(0x0010_0431, flags, "WBINVD, PWR_BUTTON, SLP_BUTTON, RESET_REG_SUP, HW_REDUCED_ACPI");
    }

    @Test
    void bootArchitectureFlagsWithoutLegacyDevices() {
        int iapc = Short.toUnsignedInt(b.getShort(109));
        assertEquals(0, iapc & 0b11, "no legacy devices, no 8042");
        assertTrue((iapc & 0b100) != 0, "VGA not present");
        assertEquals(0, iapc & 0b1000, "MSI supported");
        assertTrue((iapc & 0b10000) != 0, "no PCIe ASPM");
        assertTrue((iapc & 0b100000) != 0, "no CMOS RTC");
        assertEquals(0, u8(fadt, 108), "no CENTURY without an RTC");
    }

    @Test
    void bootArchitectureFlagsWithAn8042AndAnRtc() {
        byte[] f = Fadt.build(0xE01C0, Platform.of(2).withI8042(true).withCmosRtc(true));
        assertEquals(0b010110, Short.toUnsignedInt(le(f).getShort(109)), "8042, VGA not present, no ASPM; RTC present");
        assertEquals(0x32, u8(f, 108), "CENTURY: CMOS index 0x32");
        assertHeader(f, "FACP", 276, 6, "JKVMFACP");
        assertEquals(0x34, Short.toUnsignedInt(le(Fadt.build(0xE01C0, Platform.of(1).withCmosRtc(false))).getShort(109)));
        assertEquals(0x36, Short.toUnsignedInt(le(Fadt.build(0xE01C0, Platform.of(1).withI8042(true))).getShort(109)));
    }

    @Test
    void resetRegisterIsAnIoByte() {
        // GAS: SystemIO, 8 bits, offset 0, byte access, address 0x601
        assertArrayEquals(hex("01 08 00 01 01 06 00 00 00 00 00 00"), java.util.Arrays.copyOfRange(fadt, 116, 128));
        assertEquals(0x06, u8(fadt, 128), "RESET_VALUE");
    }

    @Test
    void sleepControlAndStatusRegistersShareAnIoByte() {
        byte[] gas = hex("01 08 00 01 00 06 00 00 00 00 00 00");
        assertArrayEquals(gas, java.util.Arrays.copyOfRange(fadt, 244, 256), "SLEEP_CONTROL_REG");
        assertArrayEquals(gas, java.util.Arrays.copyOfRange(fadt, 256, 268), "SLEEP_STATUS_REG");
    }

    @Test
    void hypervisorVendorIdentity() {
        assertEquals("JKVM", ascii(fadt, 268, 4));
        assertEquals(0, b.getInt(272));
    }

    @Test
    void fixedHardwareFieldsAreZero() {
        for (int i = 44; i < 108; i++) assertEquals(0, fadt[i], "byte " + i + " (Reserved, PM profile, SCI_INT ... MON_ALRM)");
        for (int i = 148; i < 244; i++) assertEquals(0, fadt[i], "byte " + i + " (X_PM1a_EVT_BLK ... X_GPE1_BLK)");
    }

    @Test
    void theDsdtMustBeBelow4GiB() {
        assertThrows(IllegalArgumentException.class, () -> Fadt.build(0x1_0000_0000L, Platform.of(1)));
    }
}
