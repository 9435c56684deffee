package io.jkvm.boot;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pins the MSRs a PC-platform vCPU starts with: exactly these indexes, each with this value
 * (Intel SDM vol. 4; the set Firecracker writes). Removing, adding or changing one fails here.
 */
class BootMsrsTest {
    @Test
    void exactlyTheseMsrsWithTheseValues() {
        assertEquals(BootMsrs.INDEXES.length, BootMsrs.VALUES.length, "one value per index");
        Map<Integer, Long> actual = new LinkedHashMap<>();
        for (int i = 0; i < BootMsrs.INDEXES.length; i++) {
            Long previous = actual.put(BootMsrs.INDEXES[i], BootMsrs.VALUES[i]);
            assertEquals(null, previous, String.format("MSR 0x%x listed twice", BootMsrs.INDEXES[i]));
        }
        Map<Integer, Long> expected = new LinkedHashMap<>();
        expected.put(0x174, 0L);                // IA32_SYSENTER_CS
        expected.put(0x175, 0L);                // IA32_SYSENTER_ESP
        expected.put(0x176, 0L);                // IA32_SYSENTER_EIP
        expected.put(0xc0000081, 0L);           // STAR
        expected.put(0xc0000083, 0L);           // CSTAR
        expected.put(0xc0000102, 0L);           // KERNEL_GS_BASE
        expected.put(0xc0000084, 0L);           // SYSCALL_MASK (FMASK)
        expected.put(0xc0000082, 0L);           // LSTAR
        expected.put(0x10, 0L);                 // IA32_TSC
        expected.put(0x1a0, 1L);                // IA32_MISC_ENABLE: fast strings
        expected.put(0x2ff, 0x806L);            // IA32_MTRR_DEF_TYPE: MTRRs enabled, default write-back
        assertEquals(hex(expected), hex(actual));
    }

    private static Map<String, String> hex(Map<Integer, Long> msrs) {
        Map<String, String> out = new java.util.TreeMap<>();
        msrs.forEach((k, v) -> out.put(String.format("0x%08x", k), String.format("0x%x", v)));
        return out;
    }
}
