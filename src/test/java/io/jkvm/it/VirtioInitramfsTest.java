package io.jkvm.it;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VirtioInitramfs}'s module order and the guest-side helpers, without KVM. */
class VirtioInitramfsTest {
    /** As busybox depmod wrote it for Debian's 6.1 cloud kernel (dependency lists in no useful order). */
    static final String DEP = """
            kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
            kernel/drivers/virtio/virtio_ring.ko:
            kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio_pci_modern_dev.ko:
            kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            """;

    @Test
    void dependenciesComeFirstEachOnce() {
        List<String> order = VirtioInitramfs.loadOrder(DEP, VirtioInitramfs.MODULES);
        assertEquals(List.of("kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
                "kernel/drivers/virtio/virtio_mmio.ko", "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
                "kernel/drivers/virtio/virtio_pci_legacy_dev.ko", "kernel/drivers/virtio/virtio_pci.ko",
                "kernel/drivers/block/virtio_blk.ko", "kernel/drivers/char/virtio_console.ko",
                "kernel/drivers/char/hw_random/virtio-rng.ko"), order);
    }

    @Test
    void missingModulesAndCyclesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> VirtioInitramfs.loadOrder(DEP, List.of("virtio_net")));
        assertThrows(IllegalArgumentException.class, () -> VirtioInitramfs.loadOrder(
                "a.ko: b.ko\n", List.of("a")), "a dependency without a line of its own");
        assertThrows(IllegalArgumentException.class, () -> VirtioInitramfs.loadOrder("a.ko: b.ko\nb.ko: a.ko\n", List.of("a")));
    }

    @Test
    void moduleNamesWithoutDirectoryOrSuffix() {
        assertEquals("virtio-rng", VirtioInitramfs.moduleName("kernel/drivers/char/hw_random/virtio-rng.ko"));
        assertEquals("virtio_blk", VirtioInitramfs.moduleName("kernel/drivers/block/virtio_blk.ko.xz"));
    }

    /** The initramfs carries every module in order, the guest script and the init (when the kernel is cached). */
    @Test
    void initramfsHoldsTheModulesInOrder() throws Exception {
        Path kernel = DebianKernel.path();
        byte[] cpio = VirtioInitramfs.build(kernel, "echo \"jkvm-vio: hello\"\n");
        String text = new String(cpio, StandardCharsets.ISO_8859_1);
        List<String> order = VirtioInitramfs.loadOrder(
                Files.readString(VirtioInitramfs.modulesDir(kernel).resolve("modules.dep")), VirtioInitramfs.MODULES);
        assertEquals(9, order.size(), order.toString());
        assertTrue(text.contains(String.join("\n", order) + "\n"), "modules.order");
        for (String m : order) assertTrue(text.contains("lib/modules/" + m + "\0"), m);
        assertTrue(text.contains("echo \"jkvm-vio: hello\""), "the guest script");
        assertTrue(text.contains("TRAILER!!!"), "a complete archive");
    }

    /** The pattern is what {@code seq -w 1 200000 | head -c 1048576} prints. */
    @Test
    void patternIsSeqOutput() {
        byte[] p = VirtioGuest.pattern();
        assertEquals(VirtioGuest.PATTERN_SIZE, p.length);
        assertEquals("000001\n000002\n", new String(p, 0, 14, StandardCharsets.US_ASCII));
        assertEquals("796\n1497", new String(p, p.length - 8, 8, StandardCharsets.US_ASCII));
    }

    @Test
    void consoleComparisonLeavesOutKernelLinesOnly() {
        assertEquals(List.of("jkvm-vio: a", "/ # echo x", "x"), LinuxVirtioQemuTest.consoleLines(
                "[    1.234567] virtio_blk virtio0: [vda] 32768 512-byte logical blocks\r\njkvm-vio: a\r\n\r\n/ # \u001b[6necho x\r\nx\r\n"));
    }
}
