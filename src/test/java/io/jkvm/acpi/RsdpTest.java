package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import static io.jkvm.acpi.TableAssertions.ascii;
import static io.jkvm.acpi.TableAssertions.le;
import static io.jkvm.acpi.TableAssertions.sum;
import static io.jkvm.acpi.TableAssertions.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** ACPI 6.5 5.2.5.3. */
class RsdpTest {
    private final byte[] rsdp = Rsdp.build(0xE0040);

    @Test
    void layout() {
        assertEquals(36, rsdp.length);
        assertEquals("RSD PTR ", ascii(rsdp, 0, 8));
        assertEquals("JKVM  ", ascii(rsdp, 9, 6));
        assertEquals(2, u8(rsdp, 15), "revision");
        assertEquals(0, le(rsdp).getInt(16), "no RSDT");
        assertEquals(36, le(rsdp).getInt(20), "length");
        assertEquals(0xE0040L, le(rsdp).getLong(24), "XSDT address");
        assertEquals(0, u8(rsdp, 33) | u8(rsdp, 34) | u8(rsdp, 35), "reserved");
    }

    @Test
    void bothChecksums() {
        assertEquals(0, sum(rsdp, 0, 20), "checksum over the ACPI 1.0 part, bytes 0-19");
        assertEquals(0, sum(rsdp, 0, 36), "extended checksum over all 36 bytes");
    }

    @Test
    void checksumsFollowTheAddress() {
        byte[] other = Rsdp.build(0x1234_5678_9AL);
        assertEquals(0, sum(other, 0, 20));
        assertEquals(0, sum(other, 0, 36));
        assertEquals(0x1234_5678_9AL, le(other).getLong(24));
    }
}
