package io.jkvm.api;

import io.jkvm.JkvmException;
import io.jkvm.Sizes;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.devices.ByteSink;
import io.jkvm.kvm.KvmRegs;
import io.jkvm.loader.KernelImage;
import io.jkvm.platform.LinuxKernel;
import io.jkvm.platform.MultibootKernel;
import io.jkvm.platform.PcOptions;
import io.jkvm.vcpu.ExitTracer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: RAM, vCPUs, the image and where it goes, the start state, and the standard
 * devices. Build one with {@link #builder()}; {@link #validate(long)} checks it against the host
 * without touching KVM, with messages that say what to fix.
 */
public record VmConfig(long memory, int cpus, CpuMode mode, byte[] image, String imageName, long loadAddress,
                       EntryPoint entry, Map<String, Long> registers, ByteSink serial, int debugExitPort,
                       int debugExitSize, ExitTracer tracer, long exitLimit, String kvmDevice, boolean irqchip,
                       boolean instructionAssists, LinuxKernel linux,
                       ByteSink serial2, MultibootKernel multiboot, PcOptions pcOptions) {

    public static final long DEFAULT_MEMORY = 64L << 20;
    public static final int NO_DEBUG_EXIT = -1;

    public VmConfig {
        registers = Map.copyOf(registers);
        Objects.requireNonNull(mode);
        Objects.requireNonNull(serial);
        if (pcOptions == null) pcOptions = PcOptions.NONE;
        if (linux != null && multiboot != null) throw new IllegalArgumentException("give a Linux or a multiboot kernel, not both");
    }

    /** True when a kernel boots on the PC platform (Linux or multiboot) rather than a raw image on a bare machine. */
    public boolean pcPlatform() { return linux != null || multiboot != null; }

    public static Builder builder() { return new Builder(); }

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
     * against RAM when they load them, which {@link VirtualMachine#create} also does before KVM.)
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
        for (String name : registers.keySet()) {
            if (KvmRegs.offsetOf(name) < 0) {
                throw new JkvmException("unknown register '" + name + "': use one of " + String.join(", ", KvmRegs.NAMES));
            }
        }
        if (debugExitPort != NO_DEBUG_EXIT && (debugExitPort < 0 || debugExitPort + debugExitSize > 0x10000)) {
            throw new JkvmException(String.format("debug-exit port 0x%x is not a valid I/O port", debugExitPort));
        }
        if (linux != null) {
            if (linux.kernel().length == 0) throw new JkvmException("kernel " + linux.name() + " is empty");
            KernelImage.require(linux.kernel(), linux.name());
            return; // the loader checks the kernel, initrd and command line against RAM
        }
        if (multiboot != null) {
            if (multiboot.kernel().length == 0) throw new JkvmException("kernel " + multiboot.name() + " is empty");
            return; // the multiboot loader checks the image and modules against RAM
        }
        if (image == null) throw new JkvmException("no image to run");
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
        if (exitLimit < 0) throw new JkvmException("--exits must be positive");
    }

    /** A builder with jkvm's defaults: 64 MiB, 1 vCPU, real mode, COM1 discarded, debug exit at 0xf4. */
    public static final class Builder {
        private long memory = DEFAULT_MEMORY;
        private int cpus = 1;
        private CpuMode mode = CpuMode.REAL;
        private byte[] image;
        private String imageName = "image";
        private Long loadAddress;
        private EntryPoint entry;
        private final Map<String, Long> registers = new LinkedHashMap<>();
        private ByteSink serial = ByteSink.NONE;
        private int debugExitPort = PcPorts.DEBUG_EXIT.base();
        private int debugExitSize = PcPorts.DEBUG_EXIT.length();
        private ExitTracer tracer;
        private long exitLimit;
        private String kvmDevice = "/dev/kvm";
        private boolean irqchip;
        private boolean instructionAssists = true;
        private LinuxKernel linux;
        private ByteSink serial2;
        private MultibootKernel multiboot;
        private PcOptions pcOptions = PcOptions.NONE;

        public Builder memory(long bytes) { this.memory = bytes; return this; }
        public Builder cpus(int n) { this.cpus = n; return this; }
        public Builder mode(CpuMode m) { this.mode = m; return this; }
        public Builder image(byte[] bytes, String name) { this.image = bytes; this.imageName = name; return this; }
        public Builder loadAddress(long address) { this.loadAddress = address; return this; }
        public Builder entry(EntryPoint e) { this.entry = e; return this; }
        public Builder register(String name, long value) { registers.put(name.toLowerCase(java.util.Locale.ROOT), value); return this; }
        public Builder serial(ByteSink sink) { this.serial = sink; return this; }
        public Builder debugExit(int port, int size) { this.debugExitPort = port; this.debugExitSize = size; return this; }
        public Builder noDebugExit() { this.debugExitPort = NO_DEBUG_EXIT; return this; }
        public Builder tracer(ExitTracer t) { this.tracer = t; return this; }
        public Builder exitLimit(long exits) { this.exitLimit = exits; return this; }
        public Builder kvmDevice(String path) { this.kvmDevice = path; return this; }
        /**
         * KVM's in-kernel PIC, IOAPIC, local APICs and PIT. With it HLT waits for an interrupt
         * inside KVM and no longer exits, so such a guest ends through a device (debug exit,
         * power off). Off by default: the bare machine of the KVM tutorial.
         */
        public Builder irqchip(boolean on) { this.irqchip = on; return this; }
        /**
         * Complete in jkvm the few instructions a nested KVM's emulator fails on (int3, fwait,
         * clac/stac, serialize, ldmxcsr/stmxcsr; HOST-NOTES.md). On by default: on a host with
         * VMX/SVM those failures never happen, so the assists never act there.
         */
        public Builder instructionAssists(boolean on) { this.instructionAssists = on; return this; }
        /**
         * Boot a Linux kernel on the PC platform (in-kernel irqchip and PIT, 16550A COM1, RTC,
         * i8042) instead of running a raw image: long mode at the kernel's 64-bit entry with
         * RSI = the zero page (Documentation/arch/x86/boot.rst).
         */
        public Builder linux(LinuxKernel kernel) { this.linux = kernel; return this; }
        /** A second 16550A, COM2 at 0x2f8 (IRQ 3), on the PC platform; null for none. */
        public Builder serial2(ByteSink sink) { this.serial2 = sink; return this; }
        /**
         * Boot a Multiboot v1 kernel on the PC platform: 32-bit protected mode, paging off, at the
         * kernel's entry with EAX = 0x2BADB002 and EBX = the multiboot information (Multiboot
         * 0.6.96, 3.2 "Machine state").
         */
        public Builder multiboot(MultibootKernel kernel) { this.multiboot = kernel; return this; }
        /** fw_cfg files, the PCI bus and QEMU's test devices on the PC platform. */
        public Builder pcOptions(PcOptions options) { this.pcOptions = options; return this; }

        public VmConfig build() {
            CpuMode m = linux != null ? CpuMode.LONG : multiboot != null ? CpuMode.PROTECTED : mode;
            long load = loadAddress != null ? loadAddress : Layout.defaultLoadAddress(m);
            EntryPoint e = entry != null ? entry : EntryPoint.linear(load);
            return new VmConfig(memory, cpus, m, image, imageName, load, e, registers, serial, debugExitPort,
                    debugExitSize, tracer, exitLimit, kvmDevice, irqchip || linux != null || multiboot != null, instructionAssists,
                    linux, serial2, multiboot, pcOptions);
        }
    }
}
