package io.jkvm.boot;

import java.util.List;

/**
 * Every I/O port range and ISA IRQ of jkvm's PC, each with its reason; guest-physical addresses
 * are in {@link Layout}. Devices, ACPI tables, the platform and the QEMU command line read them
 * here, so a port or IRQ is written once. {@link #TABLE} lists the ranges so that
 * {@code PcPortsTest} can check they are disjoint.
 *
 * <pre>
 * port           length  IRQ  what                                   whose
 * 0x020-0x021      2      -   8259 PIC, master                       KVM (KVM_CREATE_IRQCHIP)
 * 0x040-0x043      4      0   8254 PIT                               KVM (KVM_CREATE_PIT2)
 * 0x060            1      1   i8042 data (keyboard IRQ 1, aux 12)     I8042
 * 0x061            1      -   system control port B                  KVM's PIT, or SystemControlPortB
 * 0x064            1      -   i8042 command/status                   I8042
 * 0x070-0x071      2      8   CMOS RTC                               CmosRtc
 * 0x080            1      -   POST code / I/O delay                  PostCodePort
 * 0x0a0-0x0a1      2      2   8259 PIC, slave (cascade on IRQ 2)     KVM
 * 0x0e0-0x0eb     12      -   pc-testdev ioport, flush-page, byte    PcTestdev
 * 0x0f4-0x0f7      4      -   debug exit, jkvm's default place       DebugExit
 * 0x2f8-0x2ff      8      3   COM2                                   Uart16550
 * 0x3f8-0x3ff      8      4   COM1                                   Uart16550
 * 0x4d0-0x4d1      2      -   8259 edge/level control (ELCR)         KVM
 * 0x501-0x502      2      -   debug exit, QEMU's default place       DebugExit (jkvm-qemu)
 * 0x510-0x511      2      -   fw_cfg selector and data               FwCfg
 * 0x514-0x51b      8      -   fw_cfg DMA address                     FwCfg
 * 0x600            1      -   ACPI sleep control/status              SleepControl
 * 0x601            1      -   ACPI reset register                    ResetControl
 * 0xcf8-0xcfb      4      -   PCI CONFIG_ADDRESS                     PciConfigMechanism
 * 0xcfc-0xcff      4      -   PCI CONFIG_DATA                        PciConfigMechanism
 * 0x2000-0x2017   24      -   pc-testdev irq-line                    PcTestdev
 * 0xc000-0xffff  16 KiB   -   PCI I/O BARs                           PciBus.assignResources
 * </pre>
 *
 * GSIs past the ISA IRQs, on the IOAPIC's pins 16-23 (level-triggered, active high):
 * <pre>
 * GSI 16 + n      virtio-mmio device n (0-7) on microvm, at Layout.virtioMmioSlot(n)   VirtioMmio
 * </pre>
 */
public final class PcPorts {
    private PcPorts() {}

    /** Ports [base, base + length), and the ISA IRQ the device behind them raises ({@link #NO_IRQ} for none). */
    public record PortRange(String name, int base, int length, int irq) {
        public PortRange {
            if (base < 0 || length <= 0 || base + length > PORT_SPACE) {
                throw new IllegalArgumentException(name + ": ports 0x" + Integer.toHexString(base) + "+" + length + " leave the 64 KiB port space");
            }
        }

        public PortRange(String name, int base, int length) {
            this(name, base, length, NO_IRQ);
        }

        public int end() { return base + length; }

        public boolean overlaps(PortRange other) {
            return base < other.end() && other.base < end();
        }

        @Override
        public String toString() {
            return String.format("%s [0x%x, 0x%x)%s", name, base, end(), irq == NO_IRQ ? "" : " IRQ " + irq);
        }
    }

    public static final int NO_IRQ = -1;
    /** x86 I/O space: 64 KiB of ports. */
    public static final int PORT_SPACE = 0x1_0000;
    /** ISA IRQs 0-15, the 8259 pair's inputs and the IOAPIC's first 16 pins (KVM's default routing: IRQ n is GSI n). */
    public static final int ISA_IRQS = 16;
    /** KVM's in-kernel IOAPIC has 24 pins, GSIs 0-23 (KVM_IOAPIC_NUM_PINS). */
    public static final int IOAPIC_PINS = 24;

    // ---- KVM's in-kernel devices: jkvm never sees these ports, but must not put a device on them.

    /** The master 8259's command and data ports (KVM_CREATE_IRQCHIP: arch/x86/kvm/i8259.c). */
    public static final PortRange PIC_MASTER = new PortRange("8259 PIC master", 0x20, 2);
    /** The 8254 PIT's three counters and control word (KVM_CREATE_PIT2: arch/x86/kvm/i8254.c); counter 0 drives IRQ 0. */
    public static final PortRange PIT = new PortRange("8254 PIT", 0x40, 4, 0);
    /**
     * System control port B: PIT counter 2's gate and output (the speaker), handled by KVM's PIT
     * (KVM_PIT_SPEAKER_BASE_ADDRESS); {@code devices.SystemControlPortB} models it without one.
     */
    public static final PortRange SYSTEM_CONTROL_B = new PortRange("system control port B", 0x61, 1);
    /** The slave 8259, cascaded into the master's IRQ 2 (IBM PC/AT). */
    public static final PortRange PIC_SLAVE = new PortRange("8259 PIC slave", 0xa0, 2, 2);
    /** The 8259s' edge/level control registers (KVM's PIC models them: i8259.c picdev_elcr). */
    public static final PortRange PIC_ELCR = new PortRange("8259 ELCR", 0x4d0, 2);

    // ---- jkvm's legacy devices, where every PC has them (IBM PC/AT; QEMU's pc) -----------------

    /**
     * The 8042's data port; its keyboard interrupt is IRQ 1 (IBM PC/AT), the aux (mouse) port's
     * {@link #I8042_AUX_IRQ}. Linux's i8042 driver probes 0x60/0x64 or takes them from the DSDT.
     */
    public static final PortRange I8042_DATA = new PortRange("i8042 data", 0x60, 1, 1);
    /** The 8042's command (write) and status (read) port; writing 0xFE pulses the reset line. */
    public static final PortRange I8042_COMMAND = new PortRange("i8042 command/status", 0x64, 1);
    /** The 8042's aux (PS/2 mouse) port interrupt: IRQ 12 (IBM PC/AT). */
    public static final int I8042_AUX_IRQ = 12;
    /** The MC146818 RTC's index (0x70) and data (0x71) ports and its interrupt, IRQ 8 (IBM PC/AT). */
    public static final PortRange RTC = new PortRange("CMOS RTC", 0x70, 2, 8);
    /**
     * The POST-code port: BIOS checkpoints, and Linux's default I/O delay
     * ({@code native_io_delay}): a write must cost nothing and not be logged as unknown.
     */
    public static final PortRange POST = new PortRange("POST code", 0x80, 1);
    /** COM2, a 16550A (8 registers) on IRQ 3: the PC's second serial port, when asked for. */
    public static final PortRange COM2 = new PortRange("COM2", 0x2f8, 8, 3);
    /** COM1, a 16550A (8 registers) on IRQ 4: the console, ttyS0 on Linux; the DSDT describes it. */
    public static final PortRange COM1 = new PortRange("COM1", 0x3f8, 8, 4);

    // ---- Firmware-like and ACPI ports ------------------------------------------------------

    /** QEMU's fw_cfg selector and data registers, overlapping in 2 ports (FW_CFG_IO_BASE, FW_CFG_CTL_SIZE), where SeaBIOS and Linux's qemu_fw_cfg look. */
    public static final PortRange FW_CFG = new PortRange("fw_cfg", 0x510, 2);
    /** QEMU's fw_cfg DMA address register, 64 bits big-endian (FW_CFG_DMA_IO_BASE = FW_CFG_IO_BASE + 4). */
    public static final PortRange FW_CFG_DMA = new PortRange("fw_cfg DMA", 0x514, 8);
    /**
     * The hardware-reduced sleep control and status registers (ACPI 6.5 4.8.3.7), one byte port
     * for both, as Cloud Hypervisor does; the FADT points at it. 0x600 is where QEMU's q35 (ICH9
     * LPC PMBASE) puts the PC's ACPI PM block, above the ISA range 0x000-0x3ff that legacy
     * drivers probe and clear of PCI config (0xcf8-0xcff); Cloud Hypervisor's 0x3c0 is avoided
     * because it is the VGA attribute register that vgacon writes.
     */
    public static final PortRange ACPI_SLEEP = new PortRange("ACPI sleep control/status", 0x600, 1);
    /** The FADT reset register (ACPI 6.5 4.8.3.6): jkvm's own byte next to the sleep register. */
    public static final PortRange ACPI_RESET = new PortRange("ACPI reset register", 0x601, 1);
    /** PCI configuration mechanism #1's CONFIG_ADDRESS (PCI Local Bus 3.0, 3.2.2.3.2), on QEMU's pc machine. */
    public static final PortRange PCI_CONFIG_ADDRESS = new PortRange("PCI CONFIG_ADDRESS", 0xcf8, 4);
    /** PCI configuration mechanism #1's CONFIG_DATA (PCI Local Bus 3.0, 3.2.2.3.2). */
    public static final PortRange PCI_CONFIG_DATA = new PortRange("PCI CONFIG_DATA", 0xcfc, 4);
    /**
     * Where jkvm, standing in for firmware, puts PCI I/O BARs: 0xC000-0xFFFF, SeaBIOS's PCI I/O
     * window on QEMU's pc, above every legacy ISA port and every port in this table.
     */
    public static final PortRange PCI_IO_WINDOW = new PortRange("PCI I/O window", 0xc000, 0x4000);

    // ---- Test devices ---------------------------------------------------------------------

    /**
     * QEMU's isa-debug-exit where jkvm puts it by default: 0xf4, 4 bytes, what most test kernels
     * pass ({@code -device isa-debug-exit,iobase=0xf4,iosize=0x04}). The user may move it.
     */
    public static final PortRange DEBUG_EXIT = new PortRange("debug exit (jkvm's default)", 0xf4, 4);
    /** QEMU's own isa-debug-exit default (hw/misc/debugexit.c: iobase 0x501, iosize 2), for {@code jkvm-qemu -device isa-debug-exit}. */
    public static final PortRange QEMU_DEBUG_EXIT = new PortRange("debug exit (QEMU's default)", 0x501, 2);
    /** QEMU's pc-testdev (hw/misc/pc-testdev.c): ioport 0xe0, flush-page 0xe4, ioport-byte 0xe8, 4 bytes each. */
    public static final PortRange PC_TESTDEV = new PortRange("pc-testdev", 0xe0, 12);
    /** pc-testdev's irq-line: byte n sets line n; 24 bytes as QEMU has them (only 0-15 are ISA IRQs). */
    public static final PortRange PC_TESTDEV_IRQ = new PortRange("pc-testdev irq-line", 0x2000, 24);

    // ---- GSIs above the ISA IRQs -------------------------------------------------------------

    /**
     * The microvm machine's virtio-mmio device n raises GSI {@code VIRTIO_MMIO_FIRST_GSI + n}
     * ({@link #virtioMmioGsi}), one line each, level-triggered (virtio 1.2 §4.2.3.4), as QEMU's
     * microvm does with one IOAPIC (hw/i386/microvm.c: virtio_irq_base 16, IOAPIC_NUM_PINS - 16
     * transports). Pins 16-23 are what the IOAPIC has past the ISA IRQs: no ISA device shares them,
     * so a level line never meets an edge-triggered ISA device; KVM's default routing sends GSI
     * 16-23 to IOAPIC pins 16-23 (and not to the 8259s, which have only 16 inputs); and no MADT
     * override is needed. PCI INTx on the pc machine uses GSIs 10 and 11, so the two never meet.
     */
    public static final int VIRTIO_MMIO_FIRST_GSI = ISA_IRQS;
    /** How many virtio-mmio devices microvm has: one per IOAPIC pin past the ISA IRQs. */
    public static final int VIRTIO_MMIO_DEVICES = IOAPIC_PINS - VIRTIO_MMIO_FIRST_GSI;

    /** The GSI of the microvm machine's virtio-mmio device {@code n} (0 to {@link #VIRTIO_MMIO_DEVICES} - 1). */
    public static int virtioMmioGsi(int n) {
        if (n < 0 || n >= VIRTIO_MMIO_DEVICES) {
            throw new IllegalArgumentException("virtio-mmio device " + n + " is not 0-" + (VIRTIO_MMIO_DEVICES - 1));
        }
        return VIRTIO_MMIO_FIRST_GSI + n;
    }

    /** Every range above, low to high. */
    public static final List<PortRange> TABLE = List.of(
            PIC_MASTER, PIT, I8042_DATA, SYSTEM_CONTROL_B, I8042_COMMAND, RTC, POST, PIC_SLAVE,
            PC_TESTDEV, DEBUG_EXIT, COM2, COM1, PIC_ELCR, QEMU_DEBUG_EXIT, FW_CFG, FW_CFG_DMA,
            ACPI_SLEEP, ACPI_RESET, PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA, PC_TESTDEV_IRQ, PCI_IO_WINDOW);
}
