package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;
import io.jkvm.pci.PciBus;
import io.jkvm.pci.PciIntxRouting;
import io.jkvm.pci.PciWindows;


import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Differentiated System Description Table (ACPI 6.5 5.2.11.1): the header, then AML. jkvm's
 * holds what Linux needs from the namespace, the legacy devices only when the VM has them:
 *
 * <pre>
 * Name (_S5, Package () { 5, 0, 0, 0 })                  // 7.4.2: SLP_TYP for soft-off
 * Scope (\_SB) {
 *     Device (COM1) {                                     // 8250_pnp binds ttyS0 through ACPI
 *         Name (_HID, EisaId ("PNP0501"))                 // 16550A-compatible COM port
 *         Name (_UID, Zero)
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08)  IRQNoFlags () {4} })
 *     }
 *     Device (KBD) {                                      // with an 8042: i8042 finds it by PnP
 *         Name (_HID, EisaId ("PNP0303"))                 // and, with no PNP0F13, drops the aux port
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x60, 0x60, 0x01, 0x01)
 *                                           IO (Decode16, 0x64, 0x64, 0x01, 0x01)  IRQNoFlags () {1} })
 *     }
 *     Device (RTC) {                                      // with an RTC: rtc_cmos binds by PnP
 *         Name (_HID, EisaId ("PNP0B00"))
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x70, 0x70, 0x01, 0x02)  IRQNoFlags () {8} })
 *     }
 *     Device (PCI0) {                                     // with a PCI bus: the host bridge (6.1.5, 6.2.2)
 *         Name (_HID, EisaId ("PNP0A03"))                 // PCI bus; segment 0 and bus 0 by default
 *         Name (_UID, Zero)                               // (no _SEG, _BBN: _CRS starts at bus 0)
 *         Name (_CRS, ResourceTemplate () {
 *             WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0x00, 0xFF, 0, 0x100)
 *             IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)    // configuration mechanism #1
 *             WordIO (..., EntireRange, 0, 0x0000, 0x0CF7, 0, 0x0CF8)
 *             WordIO (..., EntireRange, 0, 0x0D00, 0xFFFF, 0, 0xF300)
 *             DWordMemory (..., NonCacheable, ReadWrite, 0, 32-bit window, 0, length)
 *             QWordMemory (..., NonCacheable, ReadWrite, 0, 64-bit window, 0, length)
 *         })
 *         Name (_PRT, Package () {                        // 6.2.13: every slot's four pins
 *             Package () { 0xSSSSFFFF, pin 0-3, Zero, GSI }  // ... 128 entries, GSI 10 or 11
 *         })
 *     }
 *     Device (VR00) {                                     // each virtio-mmio transport, n = 00, 01, ...
 *         Name (_HID, "LNRO0005")                         // Linux's virtio_mmio ACPI match
 *         Name (_UID, n)
 *         Name (_CCA, One)                                // 6.2.17: DMA is cache-coherent
 *         Name (_CRS, ResourceTemplate () {
 *             Memory32Fixed (ReadWrite, base, 0x1000)     // the whole 4 KiB slot
 *             Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { GSI }
 *         })
 *     }
 * }
 * </pre>
 * The virtio-mmio devices are QEMU microvm's (hw/virtio/virtio-acpi.c, {@code virtio_acpi_dsdt_add}),
 * which Linux's virtio_mmio driver binds through its ACPI match table: Debian's cloud kernel has
 * no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so the DSDT is the only way it finds them. jkvm puts
 * no {@code virtio_mmio.device=} on the kernel command line as well: a kernel that has the option
 * would then register every device twice, and the second probe of the same registers fails.
 * QEMU declares its 0x200-byte transports; jkvm declares the whole slot the bus gives each one.
 * QEMU's pc declares the same windows (hw/i386/acpi-build.c, {@code build_dsdt}; with the
 * legacy VGA window, which jkvm lacks) but routes _PRT entries through the link devices
 * LNKA-LNKD of its PIIX3; jkvm's routing is fixed ({@link PciIntxRouting}), so its _PRT names
 * the GSIs directly (source Zero, source index = GSI), which the spec allows for
 * non-configurable routing.
 *
 * The ports and IRQs are {@link PcPorts}'. Revision 2: integers in this table's AML are 64 bits wide.
 */
public final class Dsdt {
    private Dsdt() {}

    public static final String SIGNATURE = "DSDT";
    public static final int REVISION = 2;

    public static byte[] build(Platform platform) {
        byte[] aml = aml(platform);
        ByteBuffer b = SdtHeader.begin(SIGNATURE, SdtHeader.LENGTH + aml.length, REVISION, "JKVMDSDT");
        b.put(SdtHeader.LENGTH, aml);
        return SdtHeader.finish(b);
    }

    /** The AML definition block after the header. */
    public static byte[] aml(Platform platform) {
        ByteArrayOutputStream devices = new ByteArrayOutputStream();
        devices.writeBytes(com1());
        if (platform.i8042()) devices.writeBytes(keyboard());
        if (platform.cmosRtc()) devices.writeBytes(rtc());
        if (platform.pci() != null) devices.writeBytes(pci0(platform.pci()));
        for (int n = 0; n < platform.virtioMmio().size(); n++) devices.writeBytes(virtioMmio(n, platform.virtioMmio().get(n)));
        return Aml.concat(s5(SleepControl.S5_SLP_TYP), Aml.scope("\\_SB", devices.toByteArray()));
    }

    /**
     * {@code Name (_S5, Package () { SLP_TYPa, SLP_TYPb, 0, 0 })} (7.4.2). Both SLP_TYP values
     * are the same; a hardware-reduced platform uses only the first (4.8.3.7).
     */
    static byte[] s5(int sleepType) {
        if (sleepType < 0 || sleepType > 7) throw new IllegalArgumentException("SLP_TYP is 3 bits: " + sleepType);
        return Aml.name("_S5", Aml.pkg(Aml.integer(sleepType), Aml.integer(0), Aml.integer(0), Aml.integer(0)));
    }

    static byte[] com1() {
        return Aml.device("COM1",
                Aml.name("_HID", Aml.eisaId("PNP0501")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(PcPorts.COM1.base(), PcPorts.COM1.base(), 1, PcPorts.COM1.length())
                        .irq(PcPorts.COM1.irq())
                        .toAml()));
    }

    static byte[] keyboard() {
        return Aml.device("KBD",
                Aml.name("_HID", Aml.eisaId("PNP0303")),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(PcPorts.I8042_DATA.base(), PcPorts.I8042_DATA.base(), 1, PcPorts.I8042_DATA.length())
                        .io(PcPorts.I8042_COMMAND.base(), PcPorts.I8042_COMMAND.base(), 1, PcPorts.I8042_COMMAND.length())
                        .irq(PcPorts.I8042_DATA.irq())
                        .toAml()));
    }

    static byte[] rtc() {
        return Aml.device("RTC",
                Aml.name("_HID", Aml.eisaId("PNP0B00")),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(PcPorts.RTC.base(), PcPorts.RTC.base(), 1, PcPorts.RTC.length())
                        .irq(PcPorts.RTC.irq())
                        .toAml()));
    }

    /** The _HID Linux's virtio_mmio driver matches (drivers/virtio/virtio_mmio.c, virtio_mmio_acpi_match). */
    public static final String VIRTIO_MMIO_HID = "LNRO0005";

    /** {@code Device (VRnn)}: virtio-mmio transport {@code n} (virtio 1.2 §4.2) and its registers and interrupt. */
    static byte[] virtioMmio(int n, VirtioMmioSlot slot) {
        return Aml.device(String.format(Locale.ROOT, "VR%02d", n),
                Aml.name("_HID", Aml.string(VIRTIO_MMIO_HID)),
                Aml.name("_UID", Aml.integer(n)),
                Aml.name("_CCA", Aml.integer(1)),
                Aml.name("_CRS", new ResourceTemplate()
                        .memory32Fixed(slot.base(), slot.size())
                        .levelInterrupt(slot.gsi())
                        .toAml()));
    }

    /** The PCI configuration ports, 0xcf8-0xcff, which the host bridge itself decodes. */
    public static final int PCI_CONFIG_PORT = 0xcf8;
    public static final int PCI_CONFIG_PORTS = 8;

    /** {@code Device (PCI0)}: the root bridge, its windows and its interrupt routing. */
    static byte[] pci0(PciWindows w) {
        ResourceTemplate crs = new ResourceTemplate()
                .wordBusNumber(0, 0xff)
                .io(PCI_CONFIG_PORT, PCI_CONFIG_PORT, 1, PCI_CONFIG_PORTS)
                .wordIo(0, PCI_CONFIG_PORT - 1)
                .wordIo(PCI_CONFIG_PORT + PCI_CONFIG_PORTS, 0xffff) // 0xd00 up, as QEMU's pc
                .dwordMemory(ResourceTemplate.MEMORY_NON_CACHEABLE, w.mmio32Base(), w.mmio32End() - 1);
        if (w.hasMmio64()) crs.qwordMemory(ResourceTemplate.MEMORY_NON_CACHEABLE, w.mmio64Base(), w.mmio64End() - 1);
        return Aml.device("PCI0",
                Aml.name("_HID", Aml.eisaId("PNP0A03")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", crs.toAml()),
                Aml.name("_PRT", prt()));
    }

    /**
     * {@code _PRT} (ACPI 6.5 6.2.13): for each slot 0-31 and pin 0-3 (INTA#-INTD#), a package of
     * the address (slot in the high word, function 0xFFFF: any), the pin, source Zero (a GSI,
     * not a link device) and the GSI.
     */
    static byte[] prt() {
        byte[][] entries = new byte[PciBus.SLOTS * 4][];
        for (int slot = 0; slot < PciBus.SLOTS; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                entries[slot * 4 + pin] = Aml.pkg(Aml.integer((long) slot << 16 | 0xffff), Aml.integer(pin),
                        Aml.integer(0), Aml.integer(PciIntxRouting.gsi(slot, pin + 1)));
            }
        }
        return Aml.pkg(entries);
    }
}
