package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import static io.jkvm.acpi.TableAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ACPI 6.5 6.4.2: small resource descriptors. */
class ResourceTemplateTest {
    @Test
    void com1IoAndIrqWithAChecksummedEndTag() {
        byte[] b = new ResourceTemplate().io(0x3f8, 0x3f8, 1, 8).irq(4).bytes();
        assertArrayEquals(hex("47 01 F8 03 F8 03 01 08  22 10 00  79 0E"), b);
        assertEquals(0, TableAssertions.sum(b, 0, b.length));
    }

    @Test
    void anEmptyTemplateIsJustTheEndTag() {
        assertArrayEquals(hex("79 87"), new ResourceTemplate().bytes());
    }

    @Test
    void irqMaskHasOneBitPerIrq() {
        assertArrayEquals(hex("22 08 02"), java.util.Arrays.copyOf(new ResourceTemplate().irq(3, 9).bytes(), 3));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().irq(16));
    }

    @Test
    void asAmlItIsABuffer() {
        assertArrayEquals(hex("11 05 0A 02 79 87"), new ResourceTemplate().toAml());
    }

    @Test
    void badIoRangesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0x400, 0x3ff, 1, 8));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0, 0x10000, 1, 8));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0, 0, 1, 256));
    }
}
