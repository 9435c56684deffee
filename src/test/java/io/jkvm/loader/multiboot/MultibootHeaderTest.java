package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static io.jkvm.loader.multiboot.MultibootImages.header;
import static io.jkvm.loader.multiboot.MultibootImages.putInt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultibootHeaderTest {
    private static final int AOUT = MultibootHeader.FLAG_AOUT_KLUDGE;

    @Test
    void magicNumbers() {
        assertEquals(0x1BADB002, Multiboot.MAGIC_HEADER);
        assertEquals(0x2BADB002, Multiboot.MAGIC_BOOTLOADER);
    }

    @Test
    void findsTheHeaderAtAnyAlignedOffsetInTheFirst8KiB() {
        for (int at : new int[] {0, 4, 0x200, 0x1000, 8192 - 32}) {
            byte[] b = new byte[12 * 1024];
            header(b, at, AOUT | 3, 0x100000 + at, 0x100000, 0x180000, 0x190000, 0x100020);
            MultibootHeader h = MultibootHeader.find(b).orElseThrow();
            assertEquals(at, h.offset());
            assertEquals(0x10003, h.flags());
            assertEquals(new MultibootHeader.AddressFields(0x100000 + at, 0x100000, 0x180000, 0x190000, 0x100020), h.addressFields().orElseThrow());
            assertFalse(h.videoModeRequested());
        }
    }

    @Test
    void headerWithoutAddressFields() {
        byte[] b = new byte[8192];
        header(b, 8192 - 12, 3);  // the last place 12 bytes fit
        MultibootHeader h = MultibootHeader.find(b).orElseThrow();
        assertEquals(8180, h.offset());
        assertEquals(Optional.empty(), h.addressFields());
    }

    @Test
    void headerBeyond8KiBIsNotFound() {
        byte[] b = new byte[16 * 1024];
        header(b, 8192, 3);
        assertEquals(Optional.empty(), MultibootHeader.find(b));
        b = new byte[16 * 1024];
        header(b, 8188, 3);  // its checksum would lie past 8 KiB
        assertEquals(Optional.empty(), MultibootHeader.find(b));
    }

    @Test
    void misalignedHeaderIsNotFound() {
        for (int at : new int[] {1, 2, 3, 0x102}) {
            byte[] b = new byte[8192];
            header(b, at, 3);
            assertEquals(Optional.empty(), MultibootHeader.find(b), "offset " + at);
        }
    }

    @Test
    void addressFieldsMustFitInTheFirst8KiBAndTheFile() {
        byte[] b = new byte[16 * 1024];
        header(b, 8192 - 28, AOUT, 1, 1, 1, 1, 1);
        assertEquals("the multiboot header at file offset 0x1fe4 sets flag 16 but its address fields run past the first 8192 bytes",
                assertThrows(JkvmException.class, () -> MultibootHeader.find(b)).getMessage());
        byte[] full = new byte[64];
        header(full, 16, AOUT, 1, 1, 1, 1, 1);
        byte[] cut = java.util.Arrays.copyOf(full, 40);
        assertEquals("the multiboot header at file offset 0x10 sets flag 16 but its address fields run past the end of the 40-byte file",
                assertThrows(JkvmException.class, () -> MultibootHeader.find(cut)).getMessage());
    }

    @Test
    void badChecksumIsSkippedByFindAndReportedByRequire() {
        byte[] b = new byte[8192];
        header(b, 0x40, 3);
        putInt(b, 0x48, 0x12345678);
        assertEquals(Optional.empty(), MultibootHeader.find(b));
        assertEquals("the multiboot header at file offset 0x40 has a bad checksum 0x12345678: magic + flags (0x3) + checksum must be 0 mod 2^32",
                assertThrows(JkvmException.class, () -> MultibootHeader.require(b)).getMessage());

        header(b, 0x100, 3);  // a good one further on wins
        assertEquals(0x100, MultibootHeader.require(b).offset());
    }

    @Test
    void noHeader() {
        assertEquals("no multiboot header (magic 0x1BADB002, 32-bit aligned, in the first 8192 bytes): not a multiboot kernel",
                assertThrows(JkvmException.class, () -> MultibootHeader.require(new byte[100])).getMessage());
        assertEquals(Optional.empty(), MultibootHeader.find(new byte[0]));
        assertEquals(Optional.empty(), MultibootHeader.find(new byte[11]));
    }

    @Test
    void unsupportedRequiredFlagsAreRefused() {
        byte[] b = new byte[8192];
        header(b, 0, 3 | 1 << 3 | 1 << 15);
        assertEquals("the multiboot header at file offset 0x0 requires features jkvm does not support (flags 0x800b, required bits 3, 15): jkvm provides bits 0-2",
                assertThrows(JkvmException.class, () -> MultibootHeader.find(b)).getMessage());
    }

    @Test
    void videoModeIsAcceptedAndIgnoredAsQemuDoes() {
        byte[] b = new byte[8192];
        header(b, 0, MultibootHeader.FLAG_VIDEO_MODE | 3);
        MultibootHeader h = MultibootHeader.find(b).orElseThrow();
        assertTrue(h.videoModeRequested());
        assertEquals(7, h.flags());
    }

    @Test
    void optionalFlagsAreIgnored() {
        byte[] b = new byte[8192];
        header(b, 0, 1 << 17 | 1 << 31 | 3);
        MultibootHeader h = MultibootHeader.find(b).orElseThrow();
        assertEquals(0x80020003, h.flags());
        assertEquals(Optional.empty(), h.addressFields());
    }
}
