package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.jkvm.acpi.TableAssertions.assertHeader;
import static io.jkvm.acpi.TableAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void sleepTypeIsThreeBits() {
        assertThrows(IllegalArgumentException.class, () -> Dsdt.s5(8));
    }
}
