package io.jkvm.host;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostProfileTest {
    private static final String F = HostProfile.NESTED_FLAGS;

    @Test
    void nestedFlagsGoToTheKernelNotToInit() {
        assertEquals("console=ttyS0 " + F, HostProfile.NESTED.apply("console=ttyS0"));
        assertEquals("console=ttyS0 " + F + " -- echo", HostProfile.NESTED.apply("console=ttyS0 -- echo"));
        assertEquals(F + " -- echo", HostProfile.NESTED.apply("-- echo"));
        assertEquals("a " + F + " --", HostProfile.NESTED.apply("a --"));
        assertEquals(F, HostProfile.NESTED.apply("  "));
    }

    @Test
    void noneLeavesTheCommandLineAlone() {
        assertEquals("console=ttyS0 -- echo", HostProfile.NONE.apply("console=ttyS0 -- echo"));
    }

    @Test
    void flagsNameWhatHostNotesList() {
        assertEquals(true, F.contains("clearcpuid=128,129,137"));
        assertEquals(true, F.contains("initcall_blacklist=load_system_certificate_list,"));
        assertEquals(true, F.contains("nopv"));
    }
}
