package io.jkvm.config;

import io.jkvm.JkvmException;
import io.jkvm.Sizes;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.devices.ByteSink;
import io.jkvm.kvm.KvmRegs;
import io.jkvm.loader.KernelImage;
import io.jkvm.vcpu.ExitTracer;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: the machine, its RAM and vCPUs, what it boots, its serial ports and optional
 * devices, and how jkvm runs it. Build one with {@link #builder()};
 * {@link #validate(long)} checks it against the host without touching KVM, with messages that
 * say what to fix.
 *
 * @param irqchip   KVM's in-kernel PIC, IOAPIC, local APICs and PIT: always on a PC machine,
 *                  optional on the bare one
 * @param debugExit the debug-exit port (QEMU's isa-debug-exit), or null for none
 */
public record VmConfig(MachineType machine, long memory, int cpus, BootSource boot, boolean irqchip,
                       SerialPorts serial, DebugExitPort debugExit, PcOptions pcOptions, Execution execution) {

    /** COM1's output and COM2's (null: no COM2; COM2 is on the PC machines only). */
    public record SerialPorts(ByteSink com1, ByteSink com2) {
        public SerialPorts {
            Objects.requireNonNull(com1, "com1");
        }
    }

    /** QEMU's isa-debug-exit: a write of V ends the run with status (V &lt;&lt; 1) | 1. */
    public record DebugExitPort(int port, int size) {}

    /**
     * How jkvm runs the guest rather than what the guest sees.
     *
     * @param kvmDevice          the KVM device node
     * @param instructionAssists complete the few instructions a nested KVM's emulator fails on
     * @param tracer             sees every exit (null: none)
     * @param exitLimit          stop after this many exits (0: no limit)
     */
    public record Execution(String kvmDevice, boolean instructionAssists, ExitTracer tracer, long exitLimit) {}

    public static final long DEFAULT_MEMORY = 64L << 20;

    public VmConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(boot, "boot");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(execution, "execution");
        if (pcOptions == null) pcOptions = PcOptions.NONE;
    }

    public static Builder builder() { return new Builder(); }

    /** COM1's output. */
    public ByteSink com1() { return serial.com1(); }

    /** The raw image of a bare machine, or null. */
    public RawImage rawImage() { return boot instanceof RawImage r ? r : null; }

    /**
     * The most vCPUs any x86 KVM gives one VM: KVM_MAX_VCPUS, CONFIG_KVM_MAX_NR_VCPUS at most
     * (Linux arch/x86/kvm/Kconfig, range 1024-4096). {@link #validate(long)} refuses more
     * without asking KVM; {@link #validateCpus} then holds a VM to its host's own limit.
     */
    public static final int MAX_VCPUS_ANY_HOST = 4096;

    /** {@link #validate(long)}, then {@link #validateCpus}. */
    public void validate(long hostMemory, int maxVcpus) {
        validate(hostMemory);
        validateCpus(maxVcpus);
    }

    /** Checks the vCPU count against this host's KVM (KVM_CAP_MAX_VCPUS). */
    public void validateCpus(int maxVcpus) {
        if (cpus > maxVcpus) throw new JkvmException("--cpus " + cpus + " is more than KVM allows on this host (" + maxVcpus + ")");
    }

    /**
     * Checks everything that does not need KVM: sizes, addresses, names, and that a Linux kernel is
     * a kernel; {@code hostMemory} bounds memory. (The loaders check a kernel, initrd and modules
     * against RAM when they load them, which {@code VirtualMachine.create} also does before KVM.)
     */
    public void validate(long hostMemory) {
        if (memory <= 0 || (memory & 0xfff) != 0) {
            throw new JkvmException("memory size " + memory + " is not a multiple of 4 KiB: give e.g. --memory 64M");
        }
        if (memory < Layout.MIN_MEMORY) throw new JkvmException("memory size " + memory + " bytes is too small: jkvm needs at least 1M");
        if (memory > hostMemory) {
            throw new JkvmException(String.format("memory size %s is more than this host has (%s): give a smaller --memory",
                    Sizes.format(memory), Sizes.format(hostMemory)));
        }
        if (cpus < 1) throw new JkvmException("--cpus must be at least 1");
        if (cpus > MAX_VCPUS_ANY_HOST) {
            throw new JkvmException("--cpus " + cpus + " is more than KVM allows on any x86 host (" + MAX_VCPUS_ANY_HOST + ")");
        }
        if (debugExit != null && (debugExit.port() < 0 || debugExit.port() + debugExit.size() > 0x10000)) {
            throw new JkvmException(String.format("debug-exit port 0x%x is not a valid I/O port", debugExit.port()));
        }
        if (execution.exitLimit() < 0) throw new JkvmException("--exits must be positive");
        if (machine.pcFamily() == (boot instanceof RawImage)) {
            throw new JkvmException(machine.pcFamily()
                    ? "the " + machine.cliName() + " machine boots a kernel: give --kernel (a raw image runs on the bare machine)"
                    : "the bare machine runs a raw image: give --machine pc or microvm for a kernel");
        }
        if (pcOptions.pciTestdevSlot() != PcOptions.NO_DEVICE && machine != MachineType.PC) {
            throw new JkvmException("pci-testdev needs the PCI bus: use the pc machine");
        }
        if (pcOptions.msixTestdevSlot() != PcOptions.NO_DEVICE && machine != MachineType.PC) {
            throw new JkvmException("jkvm-msix-testdev needs the PCI bus: use the pc machine");
        }
        if (serial.com2() != null && !machine.pcFamily()) throw new JkvmException("COM2 is on the pc and microvm machines only");
        if (!pcOptions.virtio().isEmpty() && !machine.pcFamily()) throw new JkvmException("virtio devices need --machine microvm or pc");
        if (machine == MachineType.MICROVM && pcOptions.virtio().size() > PcPorts.VIRTIO_MMIO_DEVICES) {
            throw new JkvmException("the microvm machine has " + PcPorts.VIRTIO_MMIO_DEVICES + " virtio-mmio slots, not "
                    + pcOptions.virtio().size() + ": give fewer virtio devices, or --machine pc");
        }
        switch (boot) {
            case LinuxKernel linux -> {
                if (linux.kernel().length == 0) throw new JkvmException("kernel " + linux.name() + " is empty");
                KernelImage.require(linux.kernel(), linux.name()); // the loader checks the rest against RAM
            }
            case MultibootKernel multiboot -> {
                if (multiboot.kernel().length == 0) throw new JkvmException("kernel " + multiboot.name() + " is empty");
            }
            case RawImage raw -> validateRaw(raw);
        }
    }

    private void validateRaw(RawImage raw) {
        byte[] image = raw.image();
        String imageName = raw.name();
        long loadAddress = raw.loadAddress();
        CpuMode mode = raw.mode();
        EntryPoint entry = raw.entry();
        for (String name : raw.registers().keySet()) {
            if (KvmRegs.offsetOf(name) < 0) {
                throw new JkvmException("unknown register '" + name + "': use one of " + String.join(", ", KvmRegs.NAMES));
            }
        }
        if (image.length == 0) throw new JkvmException("image " + imageName + " is empty");
        long ramEnd = Math.min(memory, Layout.MMIO_HOLE_START);
        if (loadAddress < 0 || loadAddress >= ramEnd) {
            throw new JkvmException(String.format("load address 0x%x is outside guest RAM [0, 0x%x): give a smaller --load-address or more --memory",
                    loadAddress, ramEnd));
        }
        if (image.length > ramEnd - loadAddress) {
            throw new JkvmException(String.format("image %s (%d bytes) loaded at 0x%x runs past the end of guest RAM (0x%x): give more --memory or a lower --load-address",
                    imageName, image.length, loadAddress, ramEnd));
        }
        long imageEnd = loadAddress + image.length;
        for (long[] reserved : Layout.reservedFor(mode)) {
            if (loadAddress < reserved[1] && reserved[0] < imageEnd) {
                throw new JkvmException(String.format("image %s at [0x%x, 0x%x) overlaps jkvm's %s at [0x%x, 0x%x) in %s mode: load it at 0x%x or above",
                        imageName, loadAddress, imageEnd, reserved[0] == Layout.GDT_ADDR ? "GDT" : "page tables",
                        reserved[0], reserved[1], mode.name().toLowerCase(), Layout.PAGE_TABLES_END));
            }
        }
        if (mode == CpuMode.REAL && (entry.address() < 0 || entry.address() >= EntryPoint.REAL_MODE_LIMIT)) {
            throw new JkvmException(String.format("entry %s is not reachable in real mode (the limit is 0xffff:0xffff = 0x10ffef)", entry));
        }
        if (entry.address() < 0 || entry.address() >= ramEnd) {
            throw new JkvmException(String.format("entry 0x%x is outside guest RAM [0, 0x%x)", entry.address(), ramEnd));
        }
        if (mode != CpuMode.REAL && entry.segmented()) {
            throw new JkvmException("a SEG:OFF entry is for --mode real; give a plain address in " + mode.name().toLowerCase() + " mode");
        }
    }

    /** A builder with jkvm's defaults: 64 MiB, 1 vCPU, real mode, COM1 discarded, debug exit at 0xf4. */
    public static final class Builder {
        private MachineType machine;
        private long memory = DEFAULT_MEMORY;
        private int cpus = 1;
        private CpuMode mode = CpuMode.REAL;
        private byte[] image;
        private String imageName = "image";
        private Long loadAddress;
        private EntryPoint entry;
        private final Map<String, Long> registers = new LinkedHashMap<>();
        private ByteSink serial = ByteSink.NONE;
        private ByteSink serial2;
        private DebugExitPort debugExit = new DebugExitPort(PcPorts.DEBUG_EXIT.base(), PcPorts.DEBUG_EXIT.length());
        private ExitTracer tracer;
        private long exitLimit;
        private String kvmDevice = "/dev/kvm";
        private boolean irqchip;
        private boolean instructionAssists = true;
        private BootSource kernel;
        private PcOptions pcOptions = PcOptions.NONE;

        /** The machine; by default the bare machine for an image, microvm for a kernel. */
        public Builder machine(MachineType m) { this.machine = m; return this; }
        public Builder memory(long bytes) { this.memory = bytes; return this; }
        public Builder cpus(int n) { this.cpus = n; return this; }
        public Builder mode(CpuMode m) { this.mode = m; return this; }
        public Builder image(byte[] bytes, String name) { this.image = bytes; this.imageName = name; return this; }
        public Builder loadAddress(long address) { this.loadAddress = address; return this; }
        public Builder entry(EntryPoint e) { this.entry = e; return this; }
        public Builder register(String name, long value) { registers.put(name.toLowerCase(Locale.ROOT), value); return this; }
        public Builder serial(ByteSink sink) { this.serial = sink; return this; }
        /** A second 16550A, COM2 at 0x2f8 (IRQ 3), on a PC machine; null for none. */
        public Builder serial2(ByteSink sink) { this.serial2 = sink; return this; }
        public Builder debugExit(int port, int size) { this.debugExit = new DebugExitPort(port, size); return this; }
        public Builder noDebugExit() { this.debugExit = null; return this; }
        public Builder tracer(ExitTracer t) { this.tracer = t; return this; }
        public Builder exitLimit(long exits) { this.exitLimit = exits; return this; }
        public Builder kvmDevice(String path) { this.kvmDevice = path; return this; }
        /**
         * KVM's in-kernel PIC, IOAPIC, local APICs and PIT on the bare machine. With it HLT waits
         * for an interrupt inside KVM and no longer exits, so such a guest ends through a device
         * (debug exit, power off). Off by default: the bare machine of the KVM tutorial. The PC
         * machines always have it.
         */
        public Builder irqchip(boolean on) { this.irqchip = on; return this; }
        /**
         * Complete in jkvm the few instructions a nested KVM's emulator fails on (int3, fwait,
         * clac/stac, serialize, ldmxcsr/stmxcsr; HOST-NOTES.md). On by default: on a host with
         * VMX/SVM those failures never happen, so the assists never act there.
         */
        public Builder instructionAssists(boolean on) { this.instructionAssists = on; return this; }
        /**
         * Boot a Linux kernel on a PC machine (in-kernel irqchip and PIT, 16550A COM1, RTC,
         * i8042): long mode at the kernel's 64-bit entry with RSI = the zero page
         * (Documentation/arch/x86/boot.rst), or PVH for an ELF vmlinux with its note.
         */
        public Builder linux(LinuxKernel k) { this.kernel = k; return this; }
        /**
         * Boot a Multiboot v1 kernel on a PC machine: 32-bit protected mode, paging off, at the
         * kernel's entry with EAX = 0x2BADB002 and EBX = the multiboot information (Multiboot
         * 0.6.96, 3.2 "Machine state").
         */
        public Builder multiboot(MultibootKernel k) { this.kernel = k; return this; }
        /** fw_cfg files, QEMU's test devices and the PIT's policy on a PC machine. */
        public Builder pcOptions(PcOptions options) { this.pcOptions = options; return this; }

        public VmConfig build() {
            MachineType m = machine != null ? machine : kernel != null ? MachineType.MICROVM : MachineType.BARE;
            BootSource boot = kernel;
            if (boot == null) {
                if (image == null) throw new JkvmException("no image to run");
                long load = loadAddress != null ? loadAddress : Layout.defaultLoadAddress(mode);
                boot = new RawImage(image, imageName, load, mode, entry != null ? entry : EntryPoint.linear(load), registers);
            }
            return new VmConfig(m, memory, cpus, boot, irqchip || m.pcFamily(), new SerialPorts(serial, serial2), debugExit,
                    pcOptions, new Execution(kvmDevice, instructionAssists, tracer, exitLimit));
        }
    }
}
