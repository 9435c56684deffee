package io.jkvm.pci;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusAccess;
import io.jkvm.irq.InterruptLine;
import io.jkvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

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
 * region whose range overlaps another device on the {@link Bus} (another BAR included), guest
 * RAM, or leaves the bus (an I/O BAR past 0xffff) stays unmapped until a later change lets it
 * in, and the refusal is logged once per kind ({@link GuestErrorLog}): jkvm's buses have no
 * overlap priorities, where QEMU would let the BAR shadow the other region, and a region over
 * RAM would never see an access under KVM (the memory slot wins).
 *
 * <h2>INTx</h2>
 * A device whose header declares an interrupt pin gets an input of {@link PciIntxRouting} when
 * it is added: its pin reaches GSI 10 or 11 as on QEMU's pc.
 *
 * <p>jkvm has no firmware: {@link #assignResources} gives the BARs addresses, writes the
 * interrupt line registers and enables decoding as a BIOS would before the guest starts; the
 * guest may move the BARs afterwards.
 *
 * <p>Thread-safe: configuration cycles and remapping are serialized on this object.
 */
public final class PciBus {
    public static final int SLOTS = 32;
    public static final int FUNCTIONS = 8;

    private final PciDevice[] devices = new PciDevice[SLOTS * FUNCTIONS];
    private final PciConfigMechanism mechanism = new PciConfigMechanism(this);
    private final Map<PciBar, Long> mapped = new IdentityHashMap<>();
    private final PciIntxRouting intx;
    private final GuestErrorLog log;
    private List<GuestMemory.Range> ram = List.of();
    private Bus ports;
    private Bus mmio;

    /** A bus whose INTx pins go nowhere, logging guest errors to stderr. */
    public PciBus() {
        this(gsi -> InterruptLine.NONE, GuestErrorLog.stderr());
    }

    /**
     * @param gsiLines the irqchip's line for a GSI, where INTx pins end ({@link PciIntxRouting})
     * @param log      where refused BAR placements are reported
     */
    public PciBus(IntFunction<InterruptLine> gsiLines, GuestErrorLog log) {
        this.intx = new PciIntxRouting(gsiLines);
        this.log = log;
    }

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
        int pin = device.configRead(PciConfigSpace.INTERRUPT_PIN, 1) & 0xff;
        if (pin >= 1 && pin <= 4) device.config().connectIntx(intx.input(slot, pin));
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
    public void attach(Bus ports, Bus mmio) {
        attach(ports, mmio, List.of());
    }

    /** As {@link #attach(Bus, Bus)}, and never maps a memory BAR over the guest RAM {@code ram}. */
    public synchronized void attach(Bus ports, Bus mmio, List<GuestMemory.Range> ram) {
        if (this.ports != null) throw new IllegalStateException("PCI bus already attached");
        this.ram = List.copyOf(ram);
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
     * {@link #assignResources(PciWindows)} with the I/O window {@code ioBase}-0xffff, the 32-bit
     * window from {@code mmioBase} up to (not reaching) 0xffffffff and no 64-bit window.
     */
    public void assignResources(long mmioBase, int ioBase) {
        if (mmioBase <= 0 || mmioBase >= 0x1_0000_0000L || ioBase <= 0 || ioBase > 0xffff) {
            throw new IllegalArgumentException(String.format("resource bases 0x%x, 0x%x are not in the 32-bit memory and 16-bit port spaces",
                    mmioBase, ioBase));
        }
        // QEMU does not decode a 32-bit BAR reaching 0xffffffff
        assignResources(new PciWindows(ioBase, 0x1_0000, mmioBase, 0xffff_ffffL, 0, 0));
    }

    /**
     * Firmware's resource assignment, a simple form of SeaBIOS's (src/fw/pciinit.c,
     * {@code pci_bios_map_devices}): gives every BAR of every device a naturally aligned address
     * in {@code windows}, largest first so that alignment wastes little (slot order among
     * equals), writes each interrupt line register with the GSI its pin reaches
     * ({@link PciIntxRouting}; SeaBIOS writes the IRQ of the PIRQ), then sets I/O space, memory
     * space and SERR# enable in each device's command register, as SeaBIOS's
     * {@code pci_bios_init_device} does.
     *
     * <p>Memory BARs all go below 4 GiB when they fit there together; otherwise the 64-bit BARs
     * move to the 64-bit window and only the 32-bit ones stay below (SeaBIOS's rule, without its
     * separate prefetchable windows and bridges). A 32-bit-only guest therefore reaches every
     * BAR unless the devices need more than the 32-bit window. Rejects windows that cannot hold
     * the BARs, before changing anything.
     */
    public synchronized void assignResources(PciWindows windows) {
        List<Need> io = new ArrayList<>();
        List<Need> memory = new ArrayList<>();
        List<PciDevice> withBars = new ArrayList<>();
        for (PciDevice device : devices) {
            if (device == null) continue;
            List<PciBar> bars = device.config().bars();
            if (!bars.isEmpty()) withBars.add(device);
            for (PciBar bar : bars) (bar.io() ? io : memory).add(new Need(device, bar));
        }
        Comparator<Need> largestFirst = Comparator.comparingLong((Need n) -> n.bar().size()).reversed(); // a stable sort
        io.sort(largestFirst);
        memory.sort(largestFirst);
        List<Assignment> plan = new ArrayList<>();
        place(io, windows.ioBase(), windows.ioEnd(), "I/O", plan);
        if (windows.hasMmio64() && place(memory, windows.mmio32Base(), windows.mmio32End(), null, new ArrayList<>()) != null) {
            place(memory.stream().filter(n -> n.bar().memory64()).toList(), windows.mmio64Base(), windows.mmio64End(), "64-bit memory", plan);
            memory = memory.stream().filter(n -> !n.bar().memory64()).toList();
        }
        place(memory, windows.mmio32Base(), windows.mmio32End(), "memory", plan);
        for (Assignment a : plan) {
            int register = a.bar().register();
            a.device().configWrite(register, 4, (int) a.address());
            if (a.bar().memory64()) a.device().configWrite(register + 4, 4, (int) (a.address() >>> 32));
        }
        for (int devfn = 0; devfn < devices.length; devfn++) {
            PciDevice device = devices[devfn];
            if (device == null) continue;
            int pin = device.configRead(PciConfigSpace.INTERRUPT_PIN, 1) & 0xff;
            if (pin >= 1 && pin <= 4) device.configWrite(PciConfigSpace.INTERRUPT_LINE, 1, PciIntxRouting.gsi(devfn / FUNCTIONS, pin));
        }
        int enable = PciConfigSpace.COMMAND_IO | PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_SERR;
        for (PciDevice device : withBars) {
            int command = device.configRead(PciConfigSpace.COMMAND, 2);
            device.configWrite(PciConfigSpace.COMMAND, 2, command | enable);
        }
    }

    private record Need(PciDevice device, PciBar bar) {}

    private record Assignment(PciDevice device, PciBar bar, long address) {}

    /**
     * Places {@code needs} (largest first) one after another in [base, end), each naturally
     * aligned, adding them to {@code plan}. If one does not fit: throws naming {@code what}, or
     * returns that BAR when {@code what} is null (a trial).
     */
    private static PciBar place(List<Need> needs, long base, long end, String what, List<Assignment> plan) {
        long next = base;
        for (Need n : needs) {
            PciBar bar = n.bar();
            long size = bar.size();
            long address = (next + size - 1) & -size;
            if (address < next || address > end - size) {
                if (what == null) return bar;
                throw new IllegalArgumentException(String.format("%s BAR %d (0x%x bytes) does not fit below 0x%x from 0x%x",
                        what, bar.index(), size, end, base));
            }
            plan.add(new Assignment(n.device(), bar, address));
            next = address + size;
        }
        return null;
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
            if (!bar.io() && overlapsRam(address, bar.size())) {
                log.once("bar-over-ram", () -> String.format("memory BAR %d (0x%x bytes) placed at 0x%x, over guest RAM: not mapped",
                        bar.index(), bar.size(), address));
                continue; // stays unmapped; retried at the next change
            }
            try {
                busFor(bar).attach(address, bar.size(), bar.region());
                mapped.put(bar, address);
            } catch (IllegalArgumentException overlapsOrOutside) {
                log.once(bar.io() ? "io-bar-overlap" : "bar-overlap", () -> String.format("%s BAR %d placed at 0x%x: %s; not mapped",
                        bar.io() ? "I/O" : "memory", bar.index(), address, overlapsOrOutside.getMessage()));
            }
        }
    }

    private boolean overlapsRam(long address, long size) {
        for (GuestMemory.Range r : ram) {
            if (address < r.start() + r.size() && r.start() < address + size) return true;
        }
        return false;
    }

    private Bus busFor(PciBar bar) {
        return bar.io() ? ports : mmio;
    }
}
