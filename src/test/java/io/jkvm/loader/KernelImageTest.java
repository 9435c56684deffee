package io.jkvm.loader;

import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelImageTest {
    @Test
    void detectsByContent() {
        assertEquals(KernelImage.BZIMAGE, KernelImage.detect(SyntheticImages.bytes(SyntheticImages.bzImage())));
        assertEquals(KernelImage.ELF64, KernelImage.detect(SyntheticImages.elf()));
        byte[] elf32 = SyntheticImages.elf();
        elf32[4] = 1;
        assertEquals(KernelImage.UNKNOWN, KernelImage.detect(elf32));
        assertEquals(KernelImage.UNKNOWN, KernelImage.detect(new byte[] {(byte) 0xf4}));
        assertEquals(KernelImage.UNKNOWN, KernelImage.detect(new byte[0]));
        assertEquals(KernelImage.UNKNOWN, KernelImage.detect(new byte[4096]));
    }

    @Test
    void debianKernelIsABzImage() {
        assertEquals(KernelImage.BZIMAGE, KernelImage.detect(TestKernel.bzImage()));
    }

    @Test
    void requireNamesWhatItFound() {
        byte[] elf32 = SyntheticImages.elf();
        elf32[4] = 1;
        assertEquals("k is a 32-bit ELF file (multiboot kernels are not supported yet)",
                assertThrows(JkvmException.class, () -> KernelImage.require(elf32, "k")).getMessage());
        assertEquals("k is a GZIP-compressed file: decompress it, or give the bzImage",
                assertThrows(JkvmException.class, () -> KernelImage.require(new byte[] {0x1f, (byte) 0x8b, 8, 0}, "k")).getMessage());
        assertEquals("k is neither a bzImage nor an ELF64 kernel",
                assertThrows(JkvmException.class, () -> KernelImage.require(new byte[] {1, 2, 3, 4}, "k")).getMessage());
        assertEquals(KernelImage.ELF64, KernelImage.require(SyntheticImages.elf(), "k"));
    }
}
