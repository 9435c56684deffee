package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import static io.jkvm.acpi.TableAssertions.assertHeader;
import static io.jkvm.acpi.TableAssertions.le;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** ACPI 6.5 5.2.8. */
class XsdtTest {
    @Test
    void headerThenOne64BitAddressPerTable() {
        byte[] x = Xsdt.build(0xE0080, 0x1_0000_0000L);
        assertHeader(x, "XSDT", 36 + 16, 1, "JKVMXSDT");
        assertEquals(0xE0080L, le(x).getLong(36));
        assertEquals(0x1_0000_0000L, le(x).getLong(44));
    }

    @Test
    void anEmptyXsdtIsJustTheHeader() {
        assertHeader(Xsdt.build(), "XSDT", 36, 1, "JKVMXSDT");
    }
}
