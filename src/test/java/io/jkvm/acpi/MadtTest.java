package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static io.jkvm.acpi.TableAssertions.assertHeader;
import static io.jkvm.acpi.TableAssertions.hex;
import static io.jkvm.acpi.TableAssertions.le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ACPI 6.5 5.2.12. */
class MadtTest {
    @Test
    void oneCpu() {
        byte[] m = Madt.build(1, List.of());
        assertHeader(m, "APIC", 44 + 8 + 12, 6, "JKVMAPIC");
        ByteBuffer b = le(m);
        assertEquals(0xFEE0_0000, b.getInt(36), "local APIC address");
        assertEquals(1, b.getInt(40), "PCAT_COMPAT");
        assertArrayEquals(hex("00 08 00 00 01 00 00 00"), slice(m, 44, 8), "Processor Local APIC: UID 0, APIC ID 0, enabled");
        assertArrayEquals(hex("01 0C 00 00 00 00 C0 FE 00 00 00 00"), slice(m, 52, 12), "I/O APIC: ID 0 at 0xFEC00000, GSI base 0");
    }

    @Test
    void fourCpusHaveApicIdsZeroToThree() {
        byte[] m = Madt.build(4, List.of());
        assertHeader(m, "APIC", 44 + 4 * 8 + 12, 6, "JKVMAPIC");
        for (int cpu = 0; cpu < 4; cpu++) {
            assertArrayEquals(hex(String.format("00 08 %02X %02X 01 00 00 00", cpu, cpu)), slice(m, 44 + 8 * cpu, 8), "CPU " + cpu);
        }
        assertArrayEquals(hex("01 0C 00 00 00 00 C0 FE 00 00 00 00"), slice(m, 76, 12));
    }

    @Test
    void interruptSourceOverridesFollowTheIoApic() {
        byte[] m = Madt.build(2, List.of(InterruptSourceOverride.PC_TIMER,
                new InterruptSourceOverride(9, 9, InterruptSourceOverride.ACTIVE_HIGH | InterruptSourceOverride.LEVEL)));
        assertHeader(m, "APIC", 44 + 16 + 12 + 20, 6, "JKVMAPIC");
        assertArrayEquals(hex("02 0A 00 00 02 00 00 00 05 00"), slice(m, 72, 10), "ISA IRQ0 -> GSI 2, edge, active high");
        assertArrayEquals(hex("02 0A 00 09 09 00 00 00 0D 00"), slice(m, 82, 10), "ISA IRQ9 -> GSI 9, level, active high");
    }

    @Test
    void cpuCountLimits() {
        assertHeader(Madt.build(255, List.of()), "APIC", 44 + 255 * 8 + 12, 6, "JKVMAPIC");
        assertEquals((byte) 254, Madt.build(255, List.of())[44 + 254 * 8 + 3], "last APIC ID");
        assertThrows(IllegalArgumentException.class, () -> Madt.build(0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> Madt.build(256, List.of()));
    }

    @Test
    void overridesMustFitTheIoApic() {
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(0, 24, 0));
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(16, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(0, 2, 0x10));
    }

    private static byte[] slice(byte[] b, int from, int length) {
        return java.util.Arrays.copyOfRange(b, from, from + length);
    }
}
