package io.jkvm.api;

import io.jkvm.JkvmException;
import io.jkvm.exit.VmExit;
import io.jkvm.acpi.AcpiLayout;
import io.jkvm.acpi.ResetControl;
import io.jkvm.acpi.SleepControl;
import io.jkvm.boot.BootFpu;
import io.jkvm.boot.BootMsrs;
import io.jkvm.boot.BootState;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.CpuidTable;
import io.jkvm.boot.KvmParavirt;
import io.jkvm.boot.EntryPoint;
import io.jkvm.platform.PcBoot;
import io.jkvm.platform.PcPlatform;
import io.jkvm.platform.PcExtras;
import io.jkvm.boot.Layout;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.devices.DebugExit;
import io.jkvm.devices.SerialConsole;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.host.HostKind;
import io.jkvm.host.HostMemory;
import io.jkvm.irq.InterruptLine;
import io.jkvm.irq.KvmIrqLine;
import io.jkvm.irq.KvmMsiSink;
import io.jkvm.irq.MsiSink;
import io.jkvm.kvm.Kvm;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.KvmCpuid2;
import io.jkvm.kvm.KvmExitReason;
import io.jkvm.kvm.KvmRegs;
import io.jkvm.kvm.KvmSregs;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.kvm.VmFd;
import io.jkvm.memory.GuestMemory;
import io.jkvm.memory.MemoryRegion;
import io.jkvm.vcpu.ExitBudget;
import io.jkvm.vcpu.ExitDispatcher;
import io.jkvm.vcpu.InstructionAssist;
import io.jkvm.vcpu.KvmInstructionAssist;
import io.jkvm.vcpu.VcpuKicker;
import io.jkvm.vcpu.VcpuRunner;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One virtual machine: its KVM fds, guest RAM, buses and vCPU threads. It follows the KVM
 * start-up sequence (MISSION.md section 1):
 * <ol>
 *   <li>check the configuration, mmap guest RAM and copy the image into it (plus jkvm's GDT and
 *       page tables for protected/long mode): all before KVM, so a bad configuration fails alike
 *       on every machine;</li>
 *   <li>open /dev/kvm, check KVM_GET_API_VERSION == 12 ({@link Kvm#open});</li>
 *   <li>KVM_CREATE_VM;</li>
 *   <li>hand guest RAM to KVM with KVM_SET_USER_MEMORY_REGION, one slot per range;</li>
 *   <li>KVM_CREATE_VCPU and mmap each vCPU's kvm_run;</li>
 *   <li>KVM_SET_CPUID2, KVM_SET_SREGS, KVM_SET_REGS;</li>
 *   <li>{@link #start()}: one platform thread per vCPU, named vcpu-N, loops on KVM_RUN;</li>
 *   <li>{@link #close()}: stop the threads, close vCPU, VM and KVM fds, unmap memory.</li>
 * </ol>
 * Nothing is global: one JVM can run several VMs at once. Devices can be attached to
 * {@link #ports()} and {@link #mmio()} before or after {@link #start()}.
 */
public final class VirtualMachine implements AutoCloseable {
    private final VmConfig config;
    private final Kvm kvm;
    private final VmFd vm;
    private final GuestMemory memory;
    private final List<VcpuFd> vcpus = new ArrayList<>();
    private final List<VcpuKicker> kickers = new ArrayList<>();
    private final List<ExitDispatcher> dispatchers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();
    private final Lifecycle lifecycle = new Lifecycle();
    /** One line per GSI of KVM's IOAPIC (24 pins), made on first use. */
    private final KvmIrqLine[] irqLines = new KvmIrqLine[24];
    private long startNanos;
    private String bootNote;
    /** The loaded kernel's fw_cfg items, kept from loading until fw_cfg is made (then dropped: they may hold an initrd). */
    private FwCfgKernelItems fwCfgKernelItems = FwCfgKernelItems.NONE;
    private PcPlatform platform;
    private volatile long endNanos;
    private boolean started;
    private boolean closed;

    private VirtualMachine(VmConfig config, Kvm kvm, VmFd vm, GuestMemory memory) {
        this.config = config;
        this.kvm = kvm;
        this.vm = vm;
        this.memory = memory;
    }

    /**
     * Creates the VM and its vCPUs, loads the image and sets the start state; nothing runs yet.
     * Everything that depends on the configuration alone comes before /dev/kvm is opened, so a
     * bad configuration is refused the same way on any machine: {@link VmConfig#validate(long)},
     * then guest RAM with the image (or kernel, initrd, modules, ACPI tables) and jkvm's tables
     * written into it. Only KVM's own limits (vCPUs) are checked after opening it.
     */
    public static VirtualMachine create(VmConfig config) {
        config.validate(HostMemory.total());
        GuestMemory memory = GuestMemory.map(Layout.ramRanges(config.memory()));
        Kvm kvm = null;
        VmFd vm = null;
        VirtualMachine machine = null;
        try {
            Loaded loaded = load(memory, config);
            kvm = Kvm.open(config.kvmDevice());
            config.validateCpus(kvm.maxVcpus());
            vm = kvm.createVm();
            if (vm.checkExtension(KvmCap.KVM_CAP_SET_TSS_ADDR) > 0) vm.setTssAddr(Layout.TSS_ADDR);
            if (vm.checkExtension(KvmCap.KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) vm.setIdentityMapAddr(Layout.IDENTITY_MAP_ADDR);
            if (config.irqchip()) {
                if (vm.checkExtension(KvmCap.KVM_CAP_IRQCHIP) == 0 || vm.checkExtension(KvmCap.KVM_CAP_PIT2) == 0) {
                    throw new JkvmException("this host's KVM has no in-kernel irqchip or PIT (KVM_CAP_IRQCHIP, KVM_CAP_PIT2)");
                }
                vm.createIrqchip();
                vm.createPit2();
                if (!config.pcOptions().pitReinject()) vm.setPitReinject(false);
            }
            for (MemoryRegion r : memory.regions()) vm.setUserMemoryRegion(r.slot(), r.guestPhysAddr(), r.host());
            machine = new VirtualMachine(config, kvm, vm, memory);
            machine.bootNote = loaded.bootNote();
            machine.fwCfgKernelItems = loaded.kernelItems();
            machine.createVcpus(loaded.mode(), loaded.entry(), loaded.bootRegisters());
            machine.attachStandardDevices();
            return machine;
        } catch (RuntimeException e) {
            if (machine != null) {
                machine.close();
            } else {
                if (vm != null) vm.close();
                memory.close();
                if (kvm != null) kvm.close();
            }
            throw e;
        }
    }

    /**
     * Everything {@link #create} does before it opens /dev/kvm, then undone: the configuration
     * checked, guest RAM mapped and the image or kernel loaded into it. A bad configuration
     * throws what {@code create} would; nothing needs KVM. The launcher calls this (through
     * {@code JKVM_CHECK_ONLY}) before it starts an emulated KVM host, so a bad command line is
     * refused at once.
     */
    public static void check(VmConfig config) {
        config.validate(HostMemory.total());
        try (GuestMemory memory = GuestMemory.map(Layout.ramRanges(config.memory()))) {
            load(memory, config);
        }
    }

    /** Where and how the vCPUs start, once the boot source is in guest RAM. */
    private record Loaded(CpuMode mode, EntryPoint entry, Map<String, Long> bootRegisters, String bootNote,
                          FwCfgKernelItems kernelItems) {}

    private static Loaded load(GuestMemory memory, VmConfig config) {
        BootState.writeTables(memory, config.mode());
        if (config.pcPlatform()) {
            PcBoot.Start start = PcBoot.load(memory, config);
            return new Loaded(start.mode(), EntryPoint.linear(start.entry()), start.registers(), start.how(), start.fwCfg());
        }
        memory.write(config.loadAddress(), config.image());
        return new Loaded(config.mode(), config.entry(), Map.of(), null, FwCfgKernelItems.NONE);
    }

    private void createVcpus(CpuMode mode, EntryPoint entry, Map<String, Long> bootRegisters) {
        ExitBudget budget = config.exitLimit() > 0 ? new ExitBudget(config.exitLimit()) : null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpuid = kvm.supportedCpuid(arena);
            if (config.pcPlatform() && vm.checkExtension(KvmCap.KVM_CAP_TSC_DEADLINE_TIMER) > 0) {
                CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE);
            }
            // Every guest learns it runs on KVM, as under QEMU: the hypervisor bit and KVM's
            // paravirtual leaves (kvm-clock, ...); no hypercall features where vmcall never returns.
            KvmParavirt.apply(cpuid, config.irqchip(), HostKind.detect(config.kvmDevice()).kind().hypercallsReturn());
            MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
            MemorySegment sregs = arena.allocate(KvmSregs.LAYOUT);
            for (int i = 0; i < config.cpus(); i++) {
                VcpuFd vcpu = vm.createVcpu(i);
                vcpus.add(vcpu);
                kickers.add(new VcpuKicker(vcpu.kvmRun()));
                CpuidTable.setApicId(cpuid, i);
                vcpu.setCpuid2(cpuid);
                vcpu.getSregs(sregs);
                BootState.setSregs(sregs, mode, entry);
                vcpu.setSregs(sregs);
                regs.fill((byte) 0);
                BootState.setRegs(regs, mode, entry);
                KvmRegs.set(regs, KvmRegs.RDI, i); // the vCPU index, for guests started on several vCPUs
                for (Map.Entry<String, Long> r : bootRegisters.entrySet()) KvmRegs.set(regs, KvmRegs.offsetOf(r.getKey()), r.getValue());
                for (Map.Entry<String, Long> r : config.registers().entrySet()) {
                    KvmRegs.set(regs, KvmRegs.offsetOf(r.getKey()), r.getValue());
                }
                vcpu.setRegs(regs);
                if (config.pcPlatform()) {
                    vcpu.setMsrs(BootMsrs.INDEXES, BootMsrs.VALUES);
                    BootFpu.set(vcpu, vm.checkExtension(KvmCap.KVM_CAP_XSAVE), vm.checkExtension(KvmCap.KVM_CAP_XCRS));
                }
                if (config.pcPlatform() && i > 0) {
                    // MultiProcessor Specification 1.4, B.4: application processors wait for
                    // INIT/SIPI from the boot processor, as on real hardware.
                    vcpu.setMpState(VcpuFd.KVM_MP_STATE_UNINITIALIZED);
                }
                InstructionAssist assist = config.instructionAssists() ? new KvmInstructionAssist(vcpu, memory) : InstructionAssist.NONE;
                dispatchers.add(new ExitDispatcher(i, ports, mmio, memory, lifecycle::requestExit, config.tracer(), budget, assist));
            }
        }
    }

    private void attachStandardDevices() {
        if (config.pcPlatform()) {
            long low = Math.min(config.memory(), Layout.MMIO_HOLE_START);
            platform = PcPlatform.attach(ports, this::interruptLine, config.serial(), config.serial2(), lifecycle::requestExit,
                    low, config.memory() - low);
            ports.attach(AcpiLayout.SLEEP_PORT, 1, new SleepControl(lifecycle::requestExit));
            ports.attach(AcpiLayout.RESET_PORT, 1, new ResetControl(lifecycle::requestExit));
            MsiSink msi = vm.checkExtension(KvmCap.KVM_CAP_SIGNAL_MSI) > 0 ? new KvmMsiSink(vm) : MsiSink.NONE;
            PcExtras.attach(ports, mmio, memory, this::interruptLine, msi, config, fwCfgKernelItems);
            fwCfgKernelItems = FwCfgKernelItems.NONE;
        } else {
            ports.attach(0x3f8, SerialConsole.REGISTER_COUNT, new SerialConsole(config.serial()));
        }
        if (config.debugExitPort() != VmConfig.NO_DEBUG_EXIT) {
            ports.attach(config.debugExitPort(), config.debugExitSize(), new DebugExit(lifecycle::requestExit));
        }
    }

    public VmConfig config() { return config; }

    /** How a Linux kernel was loaded and entered (null for a raw image). */
    public String bootNote() { return bootNote; }

    /** The PC devices of a Linux VM (null for a raw image). */
    public PcPlatform platform() { return platform; }

    public GuestMemory memory() { return memory; }

    public Bus ports() { return ports; }

    public Bus mmio() { return mmio; }

    /**
     * The interrupt line into the in-kernel irqchip for {@code gsi} (ISA IRQ n is GSI n).
     * Needs {@link VmConfig.Builder#irqchip}.
     */
    public InterruptLine interruptLine(int gsi) {
        if (!config.irqchip()) throw new IllegalStateException("interrupt lines need the in-kernel irqchip (VmConfig irqchip(true))");
        if (gsi < 0 || gsi >= irqLines.length) throw new IllegalArgumentException("GSI " + gsi + " is not an IOAPIC input (0-23)");
        synchronized (irqLines) {
            if (irqLines[gsi] == null) irqLines[gsi] = new KvmIrqLine(vm, gsi);
            return irqLines[gsi];
        }
    }

    /** Attaches a device to the port-I/O bus. */
    public VirtualMachine attachPort(int base, int length, BusDevice device) {
        ports.attach(base, length, device);
        return this;
    }

    /** Attaches a device to the MMIO bus. */
    public VirtualMachine attachMmio(long base, long length, BusDevice device) {
        mmio.attach(base, length, device);
        return this;
    }

    /** Starts one platform thread per vCPU, named vcpu-N. */
    public synchronized void start() {
        if (started) throw new IllegalStateException("VM already started");
        if (closed) throw new IllegalStateException("VM closed");
        started = true;
        lifecycle.live.set(vcpus.size());
        startNanos = System.nanoTime();
        for (int i = 0; i < vcpus.size(); i++) {
            VcpuRunner runner = new VcpuRunner(vcpus.get(i), dispatchers.get(i), kickers.get(i), lifecycle);
            Thread t = Thread.ofPlatform().name("vcpu-" + i).daemon(true).unstarted(runner);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** Ends the run with {@code exit} (the first request wins) and kicks every vCPU out of KVM_RUN. */
    public void requestExit(VmExit exit) {
        lifecycle.requestExit(exit);
    }

    /** Stops a running VM (status 0, "stopped by the host"). */
    public void stop() {
        requestExit(VmExit.stopped("stopped by the host"));
    }

    /** Waits for the run to end. */
    public VmExit awaitExit() throws InterruptedException {
        lifecycle.ended.await();
        return lifecycle.exit.get();
    }

    /** Waits at most {@code timeout}; null if the VM is still running. */
    public VmExit awaitExit(Duration timeout) throws InterruptedException {
        return lifecycle.ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS) ? lifecycle.exit.get() : null;
    }

    /** Starts the VM and waits for it to end, stopping it after {@code timeout} (null: no limit). */
    public VmExit run(Duration timeout) throws InterruptedException {
        start();
        if (timeout == null) return awaitExit();
        VmExit exit = awaitExit(timeout);
        if (exit != null) return exit;
        requestExit(VmExit.timeout("stopped after the " + formatDuration(timeout) + " timeout (--timeout)"));
        return awaitExit();
    }

    static String formatDuration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    public boolean isRunning() {
        return started && lifecycle.ended.getCount() > 0;
    }

    /** Exit counts and run time so far (complete once the run ended). */
    public VmStats stats() {
        long[] total = new long[KvmExitReason.COUNT];
        for (ExitDispatcher d : dispatchers) {
            long[] c = d.counts();
            for (int i = 0; i < c.length; i++) total[i] += c[i];
        }
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        Duration runTime = started ? Duration.ofNanos(end - startNanos) : Duration.ZERO;
        long assisted = 0;
        for (ExitDispatcher d : dispatchers) assisted += d.assisted();
        return VmStats.of(total, runTime, ports.unmappedReads() + ports.unmappedWrites(),
                mmio.unmappedReads() + mmio.unmappedWrites(), assisted);
    }

    /** How long {@link #close} waits for the vCPU threads to leave KVM_RUN. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** Stops the VM if it runs, joins its threads, closes every fd and unmaps memory. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (started) {
            if (lifecycle.ended.getCount() > 0) requestExit(VmExit.stopped("VM closed"));
            // The vCPU threads must be gone before their fds close, even if the caller is
            // interrupted meanwhile: keep waiting, and pass the interrupt on afterwards.
            long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
            boolean interrupted = false;
            for (Thread t : threads) {
                long left;
                while (t.isAlive() && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        t.join(Duration.ofNanos(left));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (t.isAlive()) throw new IllegalStateException(t.getName() + " did not leave KVM_RUN");
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
        for (VcpuKicker k : kickers) k.close();
        for (VcpuFd v : vcpus) v.close();
        vm.close();
        memory.close();
        kvm.close();
    }

    /** The state every vCPU thread shares: the stop flag, the exit reason, the live-thread count. */
    private final class Lifecycle implements VcpuRunner.Lifecycle {
        private volatile boolean stopping;
        private final AtomicReference<VmExit> exit = new AtomicReference<>();
        private final AtomicInteger live = new AtomicInteger();
        private final CountDownLatch ended = new CountDownLatch(1);

        @Override
        public boolean stopping() { return stopping; }

        @Override
        public void requestExit(VmExit e) {
            if (exit.compareAndSet(null, e)) {
                stopping = true;
                for (VcpuKicker k : kickers) k.kick();
            }
        }

        @Override
        public void vcpuEnded(int index, boolean halted) {
            if (live.decrementAndGet() == 0) {
                exit.compareAndSet(null, VmExit.halted(vcpus.size() == 1
                        ? "KVM_EXIT_HLT: the guest halted" : "KVM_EXIT_HLT: all " + vcpus.size() + " vCPUs halted"));
                endNanos = System.nanoTime();
                ended.countDown();
            }
        }
    }
}
