package io.jkvm.pci;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jkvm.pci.PciConfigSpace.CAPABILITY_LIST;
import static io.jkvm.pci.PciConfigSpace.STATUS;
import static io.jkvm.pci.PciConfigSpace.STATUS_CAPABILITIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The capability list of {@link PciConfigSpace} (PCI Local Bus 3.0, 6.7) and {@link PciCapabilities#walk}. */
class PciCapabilitiesTest {
    private final PciConfigSpace config = new PciConfigSpace(0x1234, 0x0001, 0, 0xff0000);
    private final PciDevice device = () -> config;

    @Test
    void withoutCapabilitiesStatusBit4IsClearAndTheListIsEmpty() {
        assertEquals(0, config.read(STATUS, 2) & STATUS_CAPABILITIES);
        assertEquals(0, config.read(CAPABILITY_LIST, 1));
        assertEquals(List.of(), PciCapabilities.walk(device));
        assertEquals(0, PciCapabilities.find(device, PciCapabilities.ID_MSIX));
    }

    @Test
    void capabilitiesAreLinkedFrom0x34InOrderDwordAligned() {
        int first = config.addCapability(PciCapabilities.ID_VENDOR_SPECIFIC, 5, null);
        int second = config.addCapability(PciCapabilities.ID_MSIX, 12, null);
        int third = config.addCapability(PciCapabilities.ID_MSI, 10, null);
        assertEquals(0x40, first);
        assertEquals(0x48, second, "after 5 bytes at 0x40, the next dword boundary");
        assertEquals(0x54, third);
        assertEquals(STATUS_CAPABILITIES, config.read(STATUS, 2) & STATUS_CAPABILITIES);
        assertEquals(0x40, config.read(CAPABILITY_LIST, 1));
        assertEquals(0x09 | 0x48 << 8, config.read(0x40, 2), "ID and next pointer");
        assertEquals(0x11 | 0x54 << 8, config.read(0x48, 2));
        assertEquals(0x05, config.read(0x54, 2), "the last one points nowhere");
        assertEquals(List.of(0x40, 0x48, 0x54), PciCapabilities.walk(device));
        assertEquals(List.of(0x40, 0x48, 0x54), config.capabilityOffsets());
        assertEquals(0x48, PciCapabilities.find(device, PciCapabilities.ID_MSIX));
    }

    @Test
    void theGuestCannotChangeThePointersIdsOrUndeclaredBytes() {
        config.addCapability(PciCapabilities.ID_VENDOR_SPECIFIC, 8, null);
        config.addCapability(PciCapabilities.ID_MSIX, 12, null);
        config.write(CAPABILITY_LIST, 1, 0x40 | 0x80);
        config.write(0x40, 4, 0xffff_ffff);   // ID, next, and two body bytes never declared
        config.write(0x48, 4, 0x4040_4040);   // a loop attempt
        config.write(STATUS, 2, 0xffff);      // status bit 4 is not write-1-to-clear
        assertEquals(0x40, config.read(CAPABILITY_LIST, 1));
        assertEquals(0x0000_4809, config.read(0x40, 4));
        assertEquals(0x0000_0011, config.read(0x48, 4));
        assertEquals(STATUS_CAPABILITIES, config.read(STATUS, 2) & STATUS_CAPABILITIES);
        assertEquals(List.of(0x40, 0x48), PciCapabilities.walk(device));
    }

    @Test
    void declaredRegistersKeepTheirWritableBitsAndTheListenerHearsWritesThatTouchTheCapability() {
        AtomicInteger heard = new AtomicInteger();
        int at = config.addCapability(0x09, 8, heard::incrementAndGet);
        config.initRegister(at + 4, 4, 0x1234_5678, 0x0000_ff00);
        config.write(at + 4, 4, 0xaaaa_aaaa);
        assertEquals(0x1234_aa78, config.read(at + 4, 4));
        assertEquals(1, heard.get());
        config.write(at + 6, 2, 0);
        config.write(at + 2, 2, 0); // header and body: still the capability
        assertEquals(3, heard.get());
        config.write(at + 8, 4, 0); // the byte after it
        config.write(at - 4, 4, 0); // before it (the header's last dword)
        assertEquals(3, heard.get());
        config.write(at - 2, 4, 0); // straddling into it
        assertEquals(4, heard.get());
    }

    @Test
    void capabilitiesMustFitAndRegistersMustBeDeviceSpecific() {
        assertThrows(IllegalArgumentException.class, () -> config.addCapability(0, 4, null));
        assertThrows(IllegalArgumentException.class, () -> config.addCapability(0x11, 1, null));
        assertThrows(IllegalArgumentException.class, () -> config.addCapability(0x11, 0xc1, null));
        config.addCapability(0x11, 0xbc, null); // 0x40-0xfb
        assertThrows(IllegalArgumentException.class, () -> config.addCapability(0x09, 8, null));
        assertThrows(IllegalArgumentException.class, () -> config.initRegister(0x3c, 1, 0, 0xff));
        assertThrows(IllegalArgumentException.class, () -> config.initRegister(0xfe, 4, 0, 0));
    }

    /** A device whose configuration space is a plain array: lists a device model never builds. */
    private static PciDevice raw(int... pointers) {
        byte[] space = new byte[256];
        space[STATUS] = (byte) STATUS_CAPABILITIES;
        for (int i = 0; i + 1 < pointers.length; i += 2) space[pointers[i]] = (byte) pointers[i + 1];
        PciConfigSpace unused = new PciConfigSpace(0, 0, 0, 0);
        return new PciDevice() {
            @Override public PciConfigSpace config() { return unused; }

            @Override public int configRead(int offset, int size) {
                int v = 0;
                for (int i = 0; i < size; i++) v |= (space[(offset + i) & 0xff] & 0xff) << (8 * i);
                return v;
            }
        };
    }

    @Test
    void theWalkEndsOnLoopsSelfLoopsAndPointersIntoTheHeader() {
        // 0x34 -> 0x40 -> 0x50 -> 0x40 ...
        assertEquals(List.of(0x40, 0x50), PciCapabilities.walk(raw(0x34, 0x40, 0x41, 0x50, 0x51, 0x40)));
        // a capability pointing at itself
        assertEquals(List.of(0x60), PciCapabilities.walk(raw(0x34, 0x60, 0x61, 0x60)));
        // into the header: the walk stops there
        assertEquals(List.of(0x40), PciCapabilities.walk(raw(0x34, 0x40, 0x41, 0x10)));
        // bits 1:0 of a pointer are reserved and ignored
        assertEquals(List.of(0x40, 0x80), PciCapabilities.walk(raw(0x34, 0x43, 0x41, 0x82)));
        // the longest possible chain: every dword from 0x40 to 0xfc, 48 capabilities
        int[] chain = new int[2 + 2 * 48];
        chain[0] = 0x34;
        chain[1] = 0x40;
        for (int i = 0; i < 48; i++) {
            chain[2 + 2 * i] = 0x40 + 4 * i + 1;
            chain[3 + 2 * i] = i == 47 ? 0x40 : 0x44 + 4 * i;
        }
        assertEquals(48, PciCapabilities.walk(raw(chain)).size());
        assertEquals(0, PciCapabilities.find(raw(0x34, 0x40, 0x41, 0x40), PciCapabilities.ID_MSIX));
    }
}
