package io.jkvm.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BootMsrsTest {
    @Test
    void fastStringsAndWriteBackMtrrs() {
        assertEquals(BootMsrs.INDEXES.length, BootMsrs.VALUES.length);
        for (int i = 0; i < BootMsrs.INDEXES.length; i++) {
            if (BootMsrs.INDEXES[i] == 0x1a0) assertEquals(1L, BootMsrs.VALUES[i]);
            if (BootMsrs.INDEXES[i] == 0x2ff) assertEquals(0x806L, BootMsrs.VALUES[i]);
        }
    }
}
