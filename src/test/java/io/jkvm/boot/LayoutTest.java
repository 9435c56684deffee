package io.jkvm.boot;

import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayoutTest {
    private static final long M = 1L << 20;
    private static final long G = 1L << 30;
    /** RAM sizes from the smallest VM jkvm runs to ones with RAM above the hole. */
    private static final long[] RAM_SIZES = {Layout.MIN_MEMORY, 64 * M, 3 * G - 4096, 3 * G, 3 * G + 4096, 4 * G, 64 * G};

    private static Map<String, Layout.Region> byName() {
        Map<String, Layout.Region> map = new HashMap<>();
        for (Layout.Region r : Layout.MAP) assertEquals(null, map.put(r.name(), r), "two regions named " + r.name());
        return map;
    }

    private static boolean shareAMode(Layout.Region a, Layout.Region b) {
        return !Collections.disjoint(a.modes(), b.modes());
    }

    private static boolean inRam(long start, long end, long ramSize) {
        for (GuestMemory.Range r : Layout.ramRanges(ramSize)) {
            if (start < r.start() + r.size() && r.start() < end) return true;
        }
        return false;
    }

    @Test
    void smallRamIsOneRangeFromZero() {
        assertEquals(List.of(new GuestMemory.Range(0, 64 * M)), Layout.ramRanges(64 * M));
        assertEquals(List.of(new GuestMemory.Range(0, 3 * G)), Layout.ramRanges(3 * G), "exactly up to the hole");
    }

    @Test
    void ramPastThreeGigabytesMovesAboveFour() {
        assertEquals(List.of(new GuestMemory.Range(0, 3 * G), new GuestMemory.Range(4 * G, G)), Layout.ramRanges(4 * G));
        assertEquals(List.of(new GuestMemory.Range(0, 3 * G), new GuestMemory.Range(4 * G, 4096)),
                Layout.ramRanges(3 * G + 4096));
    }

    @Test
    void reservedRangesPerMode() {
        assertEquals(0, Layout.reservedFor(CpuMode.REAL).size());

        List<long[]> prot = Layout.reservedFor(CpuMode.PROTECTED);
        assertEquals(1, prot.size());
        assertArrayEquals(new long[] {0x500, 0x1000}, prot.get(0));

        List<long[]> lng = Layout.reservedFor(CpuMode.LONG);
        assertEquals(2, lng.size());
        assertArrayEquals(new long[] {0x500, 0x1000}, lng.get(0));
        assertArrayEquals(new long[] {0x9000, 0xF000}, lng.get(1));
    }

    @Test
    void defaultLoadAddresses() {
        assertEquals(0x1000, Layout.defaultLoadAddress(CpuMode.REAL));
        assertEquals(0x100000, Layout.defaultLoadAddress(CpuMode.PROTECTED));
        assertEquals(0x100000, Layout.defaultLoadAddress(CpuMode.LONG));
    }

    @Test
    void kvmPagesSitInTheMmioHoleBelowFourGigabytes() {
        assertEquals(0xFEFF_C000L, Layout.IDENTITY_MAP_ADDR);
        assertEquals(0xFFFB_D000L, Layout.TSS_ADDR);
        // The TSS takes three pages; it and the identity-map page stay inside the hole and apart.
        assertTrue(Layout.IDENTITY_MAP_ADDR + 0x1000 <= Layout.TSS_ADDR);
        assertTrue(Layout.TSS_ADDR + 3 * 0x1000 <= Layout.HIGH_RAM_START);
        assertTrue(Layout.IDENTITY_MAP_ADDR >= Layout.MMIO_HOLE_START);
    }

    // ---- The map: disjoint, or nested or mode-exclusive on purpose ----

    /**
     * Two ranges a boot uses together never overlap unless one is declared inside the other; a
     * nested range lies wholly inside its parent.
     */
    @Test
    void mapRangesAreDisjointOrNestedOnPurpose() {
        Map<String, Layout.Region> named = byName();
        for (Layout.Region r : Layout.MAP) {
            if (r.within() == null) continue;
            Layout.Region parent = named.get(r.within());
            assertNotNull(parent, r.name() + " lies within an unknown region " + r.within());
            assertTrue(parent.start() <= r.start() && r.end() <= parent.end(), r + " is not inside " + parent);
            assertTrue(parent.modes().containsAll(r.modes()), r.name() + " is used where its parent is not");
        }
        for (int i = 0; i < Layout.MAP.size(); i++) {
            for (int j = i + 1; j < Layout.MAP.size(); j++) {
                Layout.Region a = Layout.MAP.get(i), b = Layout.MAP.get(j);
                if (!a.overlaps(b) || !shareAMode(a, b)) continue;
                boolean nested = b.name().equals(a.within()) || a.name().equals(b.within());
                assertTrue(nested, a + " overlaps " + b);
            }
        }
    }

    /** Nested siblings (the ACPI tables in the BIOS area, the MMIO windows in the hole) are disjoint too. */
    @Test
    void siblingsInsideOneRegionAreDisjoint() {
        for (Layout.Region a : Layout.MAP) {
            for (Layout.Region b : Layout.MAP) {
                if (a == b || a.within() == null || !a.within().equals(b.within())) continue;
                assertFalse(a.overlaps(b), a + " overlaps " + b);
            }
        }
    }

    /**
     * The only ranges that overlap across boot modes are the multiboot information block's
     * (PROTECTED: a multiboot kernel gets no page tables and no Linux command line) and the
     * long-mode structures it shares low memory with. Anything else overlapping is a mistake.
     */
    @Test
    void onlyTheMultibootBlockSharesMemoryWithLongModeStructures() {
        List<String> crossMode = new ArrayList<>();
        for (int i = 0; i < Layout.MAP.size(); i++) {
            for (int j = i + 1; j < Layout.MAP.size(); j++) {
                Layout.Region a = Layout.MAP.get(i), b = Layout.MAP.get(j);
                if (a.overlaps(b) && !shareAMode(a, b)) crossMode.add(a.name() + " / " + b.name());
            }
        }
        assertEquals(List.of("page tables / multiboot information block", "multiboot information block / Linux command line"), crossMode);
        Layout.Region block = byName().get("multiboot information block");
        assertEquals(Set.of(CpuMode.PROTECTED), block.modes());
    }

    @Test
    void mapIsListedLowToHigh() {
        for (int i = 1; i < Layout.MAP.size(); i++) {
            assertTrue(Layout.MAP.get(i - 1).start() <= Layout.MAP.get(i).start(), Layout.MAP.get(i) + " is out of order");
        }
    }

    /** Every structure jkvm writes for a bare image ({@link Layout#reservedFor}) is in the map, for that mode. */
    @Test
    void reservedRangesAreInTheMap() {
        for (CpuMode mode : CpuMode.values()) {
            for (long[] r : Layout.reservedFor(mode)) {
                assertTrue(Layout.MAP.stream().anyMatch(m -> m.start() == r[0] && m.end() == r[1] && m.modes().contains(mode)),
                        String.format("[0x%x, 0x%x) of %s is not in the map", r[0], r[1], mode));
            }
        }
    }

    // ---- Where the ranges lie ----

    /** jkvm's own boot structures lie below 1 MiB, so in the RAM of the smallest VM. */
    @Test
    void bootStructuresLieBelowOneMebibyteInRam() {
        for (Layout.Region r : Layout.MAP) {
            if (r.start() >= Layout.MMIO_HOLE_START) continue;
            assertTrue(r.end() <= Layout.BIOS_END, r + " reaches past 1 MiB");
            assertTrue(r.end() <= Layout.MIN_MEMORY, r + " is not in the RAM of a " + Layout.MIN_MEMORY + "-byte VM");
        }
        assertTrue(Layout.RSDP_ADDR >= 0xE0000 && Layout.RSDP_ADDR % 16 == 0, "the RSDP is where a PC's OS scans for it (ACPI 6.5 5.2.5.1)");
        assertTrue(Layout.REAL_MODE_LOAD_ADDR >= Layout.GDT_RESERVED_END, "real-mode images go past the GDT");
        assertTrue(Layout.DEFAULT_LOAD_ADDR >= Layout.BIOS_END && Layout.LINUX_LEGACY_LOAD_ADDR >= Layout.BIOS_END);
        assertTrue(Layout.MULTIBOOT_INFO_ADDR + 0x580 <= Layout.MULTIBOOT_INFO_END, "the multiboot block's fixed part fits below the EBDA");
    }

    /** Everything from the hole up is MMIO: never RAM, whatever the VM's size, and below 4 GiB. */
    @Test
    void mmioRangesLieInTheHoleAndNeverInRam() {
        for (Layout.Region r : Layout.MAP) {
            if (r.end() <= Layout.BIOS_END) continue;
            assertTrue(r.start() >= Layout.MMIO_HOLE_START && r.end() <= Layout.HIGH_RAM_START, r + " is outside the MMIO hole");
            for (long ram : RAM_SIZES) assertFalse(inRam(r.start(), r.end(), ram), r + " is RAM for " + ram + " bytes");
        }
    }

    @Test
    void pciMmio64WindowLiesAboveRamOnAGibibyte() {
        assertEquals(4 * G, Layout.pciMmio64Start(64 * M), "no RAM above the hole: right at 4 GiB");
        assertEquals(4 * G, Layout.pciMmio64Start(3 * G));
        assertEquals(5 * G, Layout.pciMmio64Start(3 * G + 4096), "rounded up to the next GiB");
        assertEquals(5 * G, Layout.pciMmio64Start(4 * G));
        assertEquals(65 * G, Layout.pciMmio64Start(64 * G));
        for (long ram : RAM_SIZES) {
            long start = Layout.pciMmio64Start(ram), end = start + Layout.PCI_MMIO64_SIZE;
            assertEquals(0, start % Layout.PCI_MMIO64_ALIGN);
            assertFalse(inRam(start, end, ram), "64-bit window overlaps RAM for " + ram);
            for (Layout.Region r : Layout.MAP) assertTrue(r.end() <= start, r + " is above the 64-bit window");
        }
    }

    @Test
    void virtioMmioSlotsArePagesInTheirWindow() {
        assertEquals(0xD000_0000L, Layout.virtioMmioSlot(0));
        assertEquals(0xD000_1000L, Layout.virtioMmioSlot(1));
        long last = Layout.virtioMmioSlot(Layout.VIRTIO_MMIO_SLOTS - 1);
        assertEquals(Layout.VIRTIO_MMIO_START + Layout.VIRTIO_MMIO_SIZE, last + Layout.VIRTIO_MMIO_SLOT_SIZE);
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioMmioSlot(-1));
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioMmioSlot(Layout.VIRTIO_MMIO_SLOTS));
    }

    /** Every virtio-mmio device microvm can have (one per GSI, PcPorts) has its slot, a page of its own. */
    @Test
    void everyVirtioMmioGsiHasASlot() {
        assertTrue(PcPorts.VIRTIO_MMIO_DEVICES <= Layout.VIRTIO_MMIO_SLOTS);
        for (int n = 0; n < PcPorts.VIRTIO_MMIO_DEVICES; n++) {
            assertEquals(0, Layout.virtioMmioSlot(n) % Layout.PAGE_SIZE, "slot " + n);
        }
        assertTrue(Layout.VIRTIO_MMIO_SLOT_SIZE >= 0x100 + 0x100, "the registers and a device configuration space fit a slot");
    }

    /** Addresses fixed by the hardware, KVM or QEMU parity: moving one breaks a guest or a comparison with QEMU. */
    @Test
    void addressesOthersDependOn() {
        assertEquals(0xFEC0_0000L, Layout.IO_APIC_ADDR, "KVM_IOAPIC_DEFAULT_BASE_ADDRESS");
        assertEquals(0xFEE0_0000L, Layout.LOCAL_APIC_ADDR, "the xAPIC base (Intel SDM 3A 11.4.1)");
        assertEquals(0x000E_0000L, Layout.RSDP_ADDR);
        assertEquals(0x9000, Layout.MULTIBOOT_INFO_ADDR, "QEMU's MULTIBOOT_STRUCT_ADDR");
        assertEquals(0x2_0000, Layout.CMDLINE_ADDR, "QEMU's fw_cfg CMDLINE_ADDR for Linux");
        assertEquals(0xFF00_0000L, Layout.PC_TESTDEV_IOMEM_ADDR, "kvm-unit-tests' pc-testdev iomem");
        assertEquals(0x7000, Layout.ZERO_PAGE_ADDR);
        assertEquals(0xC000_0000L, Layout.PCI_MMIO32_START);
    }
}
