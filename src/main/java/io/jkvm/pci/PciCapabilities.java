package io.jkvm.pci;

import java.util.ArrayList;
import java.util.List;

/**
 * Capability IDs (PCI Local Bus 3.0, appendix H; PCI Code and ID Assignment) and a walk of a
 * function's capability list (6.7) that survives any list a device or a guest could build: a
 * pointer loop, a pointer into the header or past 0xff. As Linux's {@code __pci_find_next_cap_ttl},
 * the walk follows at most {@link #MAX_HOPS} pointers, ignores bits 1:0 of each (reserved,
 * 6.7) and stops at a pointer below 0x40.
 */
public final class PciCapabilities {
    private PciCapabilities() {}

    public static final int ID_MSI = 0x05;
    public static final int ID_VENDOR_SPECIFIC = 0x09;
    public static final int ID_PCI_EXPRESS = 0x10;
    public static final int ID_MSIX = 0x11;

    /** (256 - 64) / 4: more capabilities than fit in the device-specific area means a loop (Linux's PCI_FIND_CAP_TTL). */
    public static final int MAX_HOPS = 48;

    /** The offsets of {@code device}'s capabilities in list order; empty when status bit 4 is clear. */
    public static List<Integer> walk(PciDevice device) {
        List<Integer> offsets = new ArrayList<>();
        if ((device.configRead(PciConfigSpace.STATUS, 2) & PciConfigSpace.STATUS_CAPABILITIES) == 0) return offsets;
        boolean[] seen = new boolean[PciConfigSpace.SIZE / 4];
        int at = device.configRead(PciConfigSpace.CAPABILITY_LIST, 1) & 0xfc;
        for (int hops = 0; hops < MAX_HOPS && at >= PciConfigSpace.HEADER_SIZE && !seen[at / 4]; hops++) {
            seen[at / 4] = true;
            offsets.add(at);
            at = device.configRead(at + 1, 1) & 0xfc;
        }
        return offsets;
    }

    /** The offset of {@code device}'s first capability with ID {@code id}, or 0. */
    public static int find(PciDevice device, int id) {
        for (int at : walk(device)) if ((device.configRead(at, 1) & 0xff) == id) return at;
        return 0;
    }
}
