package io.jkvm.pci;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusAccess;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * PCI bus 0 of a PC: up to 32 devices of 8 functions, reached through
 * {@linkplain PciConfigMechanism configuration mechanism #1}, with their BAR regions kept on
 * the port and MMIO {@link Bus}es.
 *
 * <h2>Configuration cycles</h2>
 * As QEMU's {@code pci_data_read}/{@code pci_data_write} (hw/pci/pci_host.c): a bus other
 * than 0 or a function with no device reads all ones and ignores writes (PCI Local Bus 3.0,
 * 6.1: the host bridge reports a non-existent device by returning all ones, an invalid vendor
 * ID 0xffff); an access reaching past offset 255 is cut short there and the missing bytes
 * read 0.
 *
 * <h2>BAR mapping</h2>
 * After every configuration write that changes where a BAR decodes (see
 * {@link PciConfigSpace}), the bus detaches the regions that moved or stopped decoding and
 * attaches the regions at their new addresses, as QEMU's {@code pci_update_mappings} does. A
 * region whose range overlaps another device on the {@link Bus} or leaves it (an I/O BAR past
 * 0xffff) stays unmapped until a later change lets it in: jkvm's buses have no overlap
 * priorities, where QEMU would let the BAR shadow the other region.
 *
 * <p>jkvm has no firmware: {@link #assignResources} gives the BARs addresses and enables
 * decoding as a BIOS would before the guest starts; the guest may move them afterwards.
 *
 * <p>Thread-safe: configuration cycles and remapping are serialized on this object.
 */
public final class PciBus {
    public static final int SLOTS = 32;
    public static final int FUNCTIONS = 8;

    private final PciDevice[] devices = new PciDevice[SLOTS * FUNCTIONS];
    private final PciConfigMechanism mechanism = new PciConfigMechanism(this);
    private final Map<PciBar, Long> mapped = new IdentityHashMap<>();
    private Bus ports;
    private Bus mmio;

    /** Adds {@code device} as function 0 of {@code slot}. */
    public void add(int slot, PciDevice device) {
        add(slot, 0, device);
    }

    /** Adds {@code device} at {@code slot}.{@code function}; the place must be free. */
    public synchronized void add(int slot, int function, PciDevice device) {
        if (slot < 0 || slot >= SLOTS) throw new IllegalArgumentException("PCI slot " + slot + " is not 0-31");
        if (function < 0 || function >= FUNCTIONS) throw new IllegalArgumentException("PCI function " + function + " is not 0-7");
        if (device == null) throw new IllegalArgumentException("no device");
        int devfn = slot * FUNCTIONS + function;
        if (devices[devfn] != null) throw new IllegalArgumentException(String.format("PCI %02x.%d is taken", slot, function));
        devices[devfn] = device;
        device.config().setDecodeListener(this::remap);
        remap();
    }

    /** The device at {@code slot}.{@code function}, or null. */
    public synchronized PciDevice device(int slot, int function) {
        if (slot < 0 || slot >= SLOTS || function < 0 || function >= FUNCTIONS) return null;
        return devices[slot * FUNCTIONS + function];
    }

    public PciConfigMechanism configMechanism() {
        return mechanism;
    }

    /**
     * Puts the configuration mechanism at 0xcf8 and 0xcfc (4 bytes each, {@link PcPorts}) on {@code ports} and
     * from now on keeps BAR regions on {@code ports} (I/O) and {@code mmio} (memory).
     */
    public synchronized void attach(Bus ports, Bus mmio) {
        if (this.ports != null) throw new IllegalStateException("PCI bus already attached");
        ports.attach(PcPorts.PCI_CONFIG_ADDRESS.base(), PcPorts.PCI_CONFIG_ADDRESS.length(), mechanism.addressPort());
        ports.attach(PcPorts.PCI_CONFIG_DATA.base(), PcPorts.PCI_CONFIG_DATA.length(), mechanism.dataPort());
        this.ports = ports;
        this.mmio = mmio;
        remap();
    }

    /** A configuration read of {@code size} (1-4) bytes; all ones where no device answers. */
    public long configRead(int bus, int slot, int function, int offset, int size) {
        if (!valid(bus, slot, function, offset)) return BusAccess.mask(size);
        return configRead(bus << 16 | slot << 11 | function << 8 | offset, size);
    }

    /** A configuration write of the low {@code size} (1-4) bytes of {@code value}. */
    public void configWrite(int bus, int slot, int function, int offset, int size, int value) {
        if (valid(bus, slot, function, offset)) configWrite(bus << 16 | slot << 11 | function << 8 | offset, size, value);
    }

    private static boolean valid(int bus, int slot, int function, int offset) {
        return bus >= 0 && bus <= 0xff && slot >= 0 && slot < SLOTS && function >= 0 && function < FUNCTIONS
                && offset >= 0 && offset < PciConfigSpace.SIZE;
    }

    /** A read at a CONFIG_ADDRESS-style address: bus 23:16, device/function 15:8, register 7:0. */
    synchronized long configRead(int address, int size) {
        PciDevice device = find(address);
        if (device == null || size < 1 || size > 4) return BusAccess.mask(size);
        int offset = address & 0xff;
        int length = Math.min(size, PciConfigSpace.SIZE - offset);
        return device.configRead(offset, length) & BusAccess.mask(length);
    }

    synchronized void configWrite(int address, int size, int value) {
        PciDevice device = find(address);
        if (device == null || size < 1 || size > 4) return;
        int offset = address & 0xff;
        device.configWrite(offset, Math.min(size, PciConfigSpace.SIZE - offset), value);
    }

    private PciDevice find(int address) {
        return ((address >>> 16) & 0xff) == 0 ? devices[(address >>> 8) & 0xff] : null;
    }

    /**
     * Firmware's resource assignment, a simple form of SeaBIOS's (src/fw/pciinit.c): gives every
     * BAR of every device a naturally aligned address, memory BARs from {@code mmioBase} up and
     * I/O BARs from {@code ioBase} up, largest first so that alignment wastes little (slot
     * order among equals), then sets I/O space, memory space and SERR# enable in each device's
     * command register, as SeaBIOS's {@code pci_bios_init_device} does. Rejects ranges that
     * would leave the 32-bit memory space or the 64 KiB port space, before changing anything.
     */
    public synchronized void assignResources(long mmioBase, int ioBase) {
        if (mmioBase <= 0 || mmioBase >= 0x1_0000_0000L || ioBase <= 0 || ioBase > 0xffff) {
            throw new IllegalArgumentException(String.format("resource bases 0x%x, 0x%x are not in the 32-bit memory and 16-bit port spaces",
                    mmioBase, ioBase));
        }
        record Need(PciDevice device, PciBar bar) {}
        record Assignment(PciDevice device, PciBar bar, long address) {}
        List<Need> needs = new ArrayList<>();
        List<PciDevice> withBars = new ArrayList<>();
        for (PciDevice device : devices) {
            if (device == null) continue;
            List<PciBar> bars = device.config().bars();
            if (!bars.isEmpty()) withBars.add(device);
            for (PciBar bar : bars) needs.add(new Need(device, bar));
        }
        needs.sort(Comparator.comparingLong((Need n) -> n.bar().size()).reversed()); // a stable sort
        List<Assignment> plan = new ArrayList<>();
        long nextMemory = mmioBase;
        long nextIo = ioBase;
        for (Need n : needs) {
            PciBar bar = n.bar();
            long size = bar.size();
            long address = ((bar.io() ? nextIo : nextMemory) + size - 1) & -size;
            long limit = bar.io() ? 0x1_0000L : 0xffff_ffffL; // QEMU does not decode a 32-bit BAR reaching 0xffffffff
            if (address + size > limit) {
                throw new IllegalArgumentException(String.format("%s BAR %d (0x%x bytes) does not fit below 0x%x from 0x%x",
                        bar.io() ? "I/O" : "memory", bar.index(), size, limit, bar.io() ? ioBase : mmioBase));
            }
            plan.add(new Assignment(n.device(), bar, address));
            if (bar.io()) nextIo = address + size; else nextMemory = address + size;
        }
        for (Assignment a : plan) a.device().configWrite(a.bar().register(), 4, (int) a.address());
        int enable = PciConfigSpace.COMMAND_IO | PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_SERR;
        for (PciDevice device : withBars) {
            int command = device.configRead(PciConfigSpace.COMMAND, 2);
            device.configWrite(PciConfigSpace.COMMAND, 2, command | enable);
        }
    }

    /** Where {@code bar}'s region is on its bus now, or {@link PciConfigSpace#UNMAPPED}. */
    public synchronized long mappedAddress(PciBar bar) {
        Long base = mapped.get(bar);
        return base == null ? PciConfigSpace.UNMAPPED : base;
    }

    /** Brings the buses in line with where the BARs decode (QEMU's pci_update_mappings, for all devices). */
    private synchronized void remap() {
        if (ports == null) return;
        List<PciBar> bars = new ArrayList<>();
        Map<PciBar, Long> wanted = new IdentityHashMap<>();
        for (PciDevice device : devices) {
            if (device == null) continue;
            PciConfigSpace config = device.config();
            for (PciBar bar : config.bars()) {
                long address = config.decodedAddress(bar.index());
                if (address == PciConfigSpace.UNMAPPED) continue;
                bars.add(bar);
                wanted.put(bar, address);
            }
        }
        var it = mapped.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            Long address = wanted.get(entry.getKey());
            if (address != null && address.longValue() == entry.getValue()) continue;
            busFor(entry.getKey()).detach(entry.getValue(), entry.getKey().region());
            it.remove();
        }
        for (PciBar bar : bars) {
            if (mapped.containsKey(bar)) continue;
            long address = wanted.get(bar);
            try {
                busFor(bar).attach(address, bar.size(), bar.region());
                mapped.put(bar, address);
            } catch (IllegalArgumentException overlapsOrOutside) {
                // Stays unmapped; retried at the next change.
            }
        }
    }

    private Bus busFor(PciBar bar) {
        return bar.io() ? ports : mmio;
    }
}
