package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import static io.jkvm.acpi.TableAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** AML encodings (ACPI 6.5 chapter 20) against hand-assembled bytes. */
class AmlTest {
    @Test
    void integersTakeTheShortestForm() {
        assertArrayEquals(hex("00"), Aml.integer(0));
        assertArrayEquals(hex("01"), Aml.integer(1));
        assertArrayEquals(hex("0A 05"), Aml.integer(5));
        assertArrayEquals(hex("0A FF"), Aml.integer(0xff));
        assertArrayEquals(hex("0B 00 01"), Aml.integer(0x100));
        assertArrayEquals(hex("0C 00 00 C0 FE"), Aml.integer(0xFEC0_0000L));
        assertArrayEquals(hex("0E 00 00 00 00 01 00 00 00"), Aml.integer(0x1_0000_0000L));
    }

    @Test
    void stringsAreNulTerminated() {
        assertArrayEquals(hex("0D 4A 4B 00"), Aml.string("JK"));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("\u00e9"));
    }

    @Test
    void eisaIdIsCompressedAndByteSwapped() {
        // EISAID("PNP0501") = 0x0105D041, as iasl compiles it.
        assertArrayEquals(hex("0C 41 D0 05 01"), Aml.eisaId("PNP0501"));
        assertArrayEquals(hex("0C 41 D0 0A 03"), Aml.eisaId("PNP0A03"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0501"));
    }

    @Test
    void namesArePaddedSegmentsWithPrefixes() {
        assertArrayEquals(hex("5F 53 35 5F"), NameString.encode("_S5"));
        assertArrayEquals(hex("43 4F 4D 31"), NameString.encode("COM1"));
        assertArrayEquals(hex("5C 5F 53 42 5F"), NameString.encode("\\_SB"));
        assertArrayEquals(hex("5C 2E 5F 53 42 5F 43 4F 4D 31"), NameString.encode("\\_SB.COM1"));
        assertArrayEquals(hex("2F 03 5F 53 42 5F 50 43 49 30 53 31 5F 5F"), NameString.encode("_SB.PCI0.S1"));
        assertArrayEquals(hex("5E 5E 41 5F 5F 5F"), NameString.encode("^^A"));
        assertArrayEquals(hex("5C 00"), NameString.encode("\\"));
        assertThrows(IllegalArgumentException.class, () -> NameString.encode("TOOLONG"));
        assertThrows(IllegalArgumentException.class, () -> NameString.encode("1ABC"));
        assertThrows(IllegalArgumentException.class, () -> NameString.encode("com1"));
        assertThrows(IllegalArgumentException.class, () -> NameString.encode("\\_SB..X"));
    }

    @Test
    void s5PackageMatchesHandAssembly() {
        // NameOp "_S5_" PackageOp PkgLength(7: itself, NumElements and 5 bytes) NumElements(4)
        // BytePrefix 5, Zero, Zero, Zero -- as iasl compiles Package () { 5, 0, 0, 0 }
        assertArrayEquals(hex("08 5F 53 35 5F 12 07 04 0A 05 00 00 00"), Dsdt.s5(5));
        assertArrayEquals(hex("08 5F 53 35 5F 12 06 04 00 00 00 00"), Dsdt.s5(0));
    }

    @Test
    void packageBufferDeviceAndScope() {
        assertArrayEquals(hex("12 02 00"), Aml.pkg());
        assertArrayEquals(hex("11 06 0A 03 01 02 03"), Aml.buffer(hex("01 02 03")));
        // ExtOpPrefix DeviceOp PkgLength(11) "COM1" { Name (_UID, Zero) }
        assertArrayEquals(hex("5B 82 0B 43 4F 4D 31 08 5F 55 49 44 00"), Aml.device("COM1", Aml.name("_UID", Aml.integer(0))));
        assertArrayEquals(hex("10 06 5C 5F 53 42 5F"), Aml.scope("\\_SB"));
    }

    @Test
    void aLongDeviceTakesATwoBytePkgLength() {
        byte[][] names = new byte[10][];
        for (int i = 0; i < names.length; i++) names[i] = Aml.name("N" + i, Aml.integer(0x10)); // 7 bytes each
        byte[] device = Aml.device("DEV0", names);
        // body = 4 (name) + 70 = 74; with 2 PkgLength bytes, 76 = 0x4C: nibble 0xC, then 0x04
        assertArrayEquals(hex("5B 82 4C 04 44 45 56 30"), java.util.Arrays.copyOf(device, 8));
        org.junit.jupiter.api.Assertions.assertEquals(2 + 2 + 74, device.length);
    }
}
