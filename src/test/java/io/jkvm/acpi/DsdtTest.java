package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import io.jkvm.boot.PcPorts;

import java.util.Arrays;

import static io.jkvm.acpi.TableAssertions.assertHeader;
import static io.jkvm.acpi.TableAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ACPI 6.5 5.2.11.1: the header, then the AML, byte for byte. */
class DsdtTest {
    /** What iasl makes of Dsdt's javadoc ASL (DefinitionBlock body), assembled by hand. */
    static final String AML = """
            08 5F 53 35 5F 12 07 04 0A 05 00 00 00
            10 33 5C 5F 53 42 5F
               5B 82 2B 43 4F 4D 31
                  08 5F 48 49 44 0C 41 D0 05 01
                  08 5F 55 49 44 00
                  08 5F 43 52 53 11 10 0A 0D
                     47 01 F8 03 F8 03 01 08
                     22 10 00
                     79 0E
            """;

    @Test
    void pci0OnlyWithAPciBus() {
        String without = new String(Dsdt.aml(Platform.of(1).withI8042(true)), java.nio.charset.StandardCharsets.ISO_8859_1);
        var windows = new io.jkvm.pci.PciWindows(0xc000, 0x1_0000, 0xc000_0000L, 0xfec0_0000L, 0, 0);
        byte[] with = Dsdt.aml(Platform.of(1).withI8042(true).withPci(windows));
        String text = new String(with, java.nio.charset.StandardCharsets.ISO_8859_1);
        org.junit.jupiter.api.Assertions.assertFalse(without.contains("PCI0"));
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("PCI0") && text.contains("_PRT"));
        org.junit.jupiter.api.Assertions.assertTrue(text.startsWith(without.substring(0, 13)), "_S5 first, as before");
        // no 64-bit window: no QWord descriptor (tag 0x8A, length 0x2B)
        org.junit.jupiter.api.Assertions.assertFalse(text.contains("\u008a\u002b\u0000"));
        // slot 3 INTA#: Package (4) { 0x0003FFFF, Zero, Zero, 0x0B }
        org.junit.jupiter.api.Assertions.assertTrue(text.contains(new String(hex("12 0B 04 0C FF FF 03 00 00 00 0A 0B"),
                java.nio.charset.StandardCharsets.ISO_8859_1)));
    }

    @Test
    void amlMatchesHandAssembly() {
        assertArrayEquals(hex(AML), Dsdt.aml(Platform.of(1)));
    }

    @Test
    void tableIsTheHeaderAndTheAml() {
        byte[] t = Dsdt.build(Platform.of(4));
        assertHeader(t, "DSDT", 36 + 65, 2, "JKVMDSDT");
        assertArrayEquals(hex(AML), Arrays.copyOfRange(t, 36, t.length));
    }

    @Test
    void keyboardAndRtcDevicesFollowCom1WhenPresent() {
        byte[] kbd = hex("""
                5B 82 2D 4B 42 44 5F
                   08 5F 48 49 44 0C 41 D0 03 03
                   08 5F 43 52 53 11 18 0A 15
                      47 01 60 00 60 00 01 01
                      47 01 64 00 64 00 01 01
                      22 02 00
                      79 47
                """);
        byte[] rtc = hex("""
                5B 82 25 52 54 43 5F
                   08 5F 48 49 44 0C 41 D0 0B 00
                   08 5F 43 52 53 11 10 0A 0D
                      47 01 70 00 70 00 01 02
                      22 00 01
                      79 39
                """);
        assertArrayEquals(kbd, Dsdt.keyboard());
        assertArrayEquals(rtc, Dsdt.rtc());
        byte[] all = Dsdt.aml(Platform.of(1).withI8042(true).withCmosRtc(true));
        byte[] base = hex(AML);
        // the scope's body grows to 5 + 45 + 47 + 39 = 136 bytes: PkgLength 138 = 0x8A, two bytes 4A 08
        assertArrayEquals(hex("10 4A 08 5C 5F 53 42 5F"), Arrays.copyOfRange(all, 13, 21));
        assertArrayEquals(Arrays.copyOfRange(base, 20, base.length), Arrays.copyOfRange(all, 21, 21 + base.length - 20));
        assertArrayEquals(kbd, Arrays.copyOfRange(all, 21 + base.length - 20, 21 + base.length - 20 + kbd.length));
        assertArrayEquals(rtc, Arrays.copyOfRange(all, all.length - rtc.length, all.length));
    }

    /**
     * QEMU microvm's description of a virtio-mmio transport (hw/virtio/virtio-acpi.c), assembled
     * by hand: slot 0 at 0xD0000000, the 4 KiB slot, GSI 16 level-triggered, active high.
     */
    static final String VR00 = """
            5B 82 41 04 56 52 30 30
               08 5F 48 49 44 0D 4C 4E 52 4F 30 30 30 35 00
               08 5F 55 49 44 00
               08 5F 43 43 41 01
               08 5F 43 52 53 11 1A 0A 17
                  86 09 00 01 00 00 00 D0 00 10 00 00
                  89 06 00 01 01 10 00 00 00
                  79 76
            """;

    @Test
    void virtioMmioDeviceMatchesHandAssembly() {
        assertArrayEquals(hex(VR00), Dsdt.virtioMmio(0, VirtioMmioSlot.microvm(1).get(0)));
    }

    @Test
    void virtioMmioDevicesFollowTheOthersNumberedBySlot() {
        byte[] base = Dsdt.aml(Platform.of(1));
        byte[] two = Dsdt.aml(Platform.of(1).withVirtioMmio(VirtioMmioSlot.microvm(2)));
        byte[] vr00 = hex(VR00);
        byte[] vr01 = hex(VR00.replace("56 52 30 30", "56 52 30 31")   // VR01
                .replace("5F 55 49 44 00", "5F 55 49 44 01")                // _UID One
                .replace("00 00 00 D0", "00 10 00 D0")                      // 0xD0001000
                .replace("01 01 10 00", "01 01 11 00")                      // GSI 17
                .replace("79 76", "79 65"));                                // End Tag checksum
        assertArrayEquals(vr01, Dsdt.virtioMmio(1, VirtioMmioSlot.microvm(2).get(1)));
        // the scope's body grows to 5 + 45 + 67 + 67 = 184 bytes: PkgLength 186 = 0xBA, two bytes 4A 0B
        assertArrayEquals(hex("10 4A 0B 5C 5F 53 42 5F"), Arrays.copyOfRange(two, 13, 21));
        assertArrayEquals(Arrays.copyOfRange(base, 20, base.length), Arrays.copyOfRange(two, 21, 21 + base.length - 20));
        assertArrayEquals(vr00, Arrays.copyOfRange(two, two.length - 2 * vr00.length, two.length - vr00.length));
        assertArrayEquals(vr01, Arrays.copyOfRange(two, two.length - vr01.length, two.length));
        assertEquals(two.length, base.length + 1 + 2 * vr00.length, "PkgLength one byte longer, and the two devices");
        assertThrows(IllegalArgumentException.class, () -> VirtioMmioSlot.microvm(PcPorts.VIRTIO_MMIO_DEVICES + 1),
                "microvm has a GSI for 8");
        assertEquals(8, VirtioMmioSlot.microvm(8).size());
    }

    @Test
    void sleepTypeIsThreeBits() {
        assertThrows(IllegalArgumentException.class, () -> Dsdt.s5(8));
    }
}
