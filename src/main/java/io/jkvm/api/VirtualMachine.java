package io.jkvm.api;

import io.jkvm.boot.BootState;
import io.jkvm.boot.CpuidTable;
import io.jkvm.boot.KvmParavirt;
import io.jkvm.boot.Layout;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.host.HostKind;
import io.jkvm.host.HostMemory;
import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.irq.InterruptLine;
import io.jkvm.irq.InterruptRouter;
import io.jkvm.irq.KvmIrqLine;
import io.jkvm.irq.KvmMsiSink;
import io.jkvm.irq.MsiSink;
import io.jkvm.kvm.IoEvent;
import io.jkvm.kvm.IrqchipState;
import io.jkvm.kvm.LapicState;
import io.jkvm.kvm.PitState;
import io.jkvm.kvm.Kvm;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.KvmExitReason;
import io.jkvm.kvm.KvmRegs;
import io.jkvm.kvm.KvmSregs;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.kvm.VmFd;
import io.jkvm.machine.BootPlan;
import io.jkvm.machine.Machine;
import io.jkvm.machine.MachineContext;
import io.jkvm.machine.VirtioDevices;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.IoEventBinder;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.console.ConsoleDevice;
import io.jkvm.memory.GuestMemory;
import io.jkvm.memory.MemoryRegion;
import io.jkvm.platform.ConsoleInput;
import io.jkvm.vcpu.ExitBudget;
import io.jkvm.vcpu.ExitDispatcher;
import io.jkvm.vcpu.InstructionAssist;
import io.jkvm.vcpu.KvmInstructionAssist;
import io.jkvm.vcpu.VcpuKicker;
import io.jkvm.vcpu.VcpuSet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One virtual machine: a facade over its {@link Machine} (what it loads and which devices it
 * has), its KVM fds, guest RAM, the two buses, its interrupt lines and its {@link VcpuSet}. It
 * follows the KVM start-up sequence (MISSION.md section 1):
 * <ol>
 *   <li>check the configuration, mmap guest RAM and let the machine load the boot source into
 *       it: all before KVM, so a bad configuration fails alike on every machine;</li>
 *   <li>open /dev/kvm, check KVM_GET_API_VERSION == 12 ({@link Kvm#open});</li>
 *   <li>KVM_CREATE_VM, then the machine's VM-wide set-up (irqchip, PIT);</li>
 *   <li>hand guest RAM to KVM with KVM_SET_USER_MEMORY_REGION, one slot per range;</li>
 *   <li>KVM_CREATE_VCPU and mmap each vCPU's kvm_run; KVM_SET_CPUID2, KVM_SET_SREGS,
 *       KVM_SET_REGS and the machine's per-vCPU state;</li>
 *   <li>the machine attaches its devices;</li>
 *   <li>{@link #start()}: one platform thread per vCPU, named vcpu-N, loops on KVM_RUN;
 *       {@link #pause()} and {@link #resume()} hold them outside it;</li>
 *   <li>{@link #close()}: stop the threads, close vCPU, VM and KVM fds, unmap memory.</li>
 * </ol>
 * Nothing is global: one JVM can run several VMs at once. Devices can be attached to
 * {@link #ports()} and {@link #mmio()} before or after {@link #start()}.
 */
public final class VirtualMachine implements AutoCloseable {
    private final VmConfig config;
    private final Machine machine;
    private final Kvm kvm;
    private final VmFd vm;
    private final GuestMemory memory;
    private final List<VcpuFd> vcpuFds = new ArrayList<>();
    private final List<VcpuKicker> kickers = new ArrayList<>();
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();
    /** One line per GSI of KVM's IOAPIC (24 pins), made on first use. */
    private final KvmIrqLine[] irqLines = new KvmIrqLine[24];
    /** irqfd lines, edges and MSI routes; made on first use (it owns the VM's GSI routing table). */
    private InterruptRouter interruptRouter;
    private VcpuSet vcpus;
    private BootPlan plan;
    private Machine.Devices devices;
    /** The device threads (virtio queue notifications, irqfd resampling); null until a device needs them. */
    private EventLoop deviceLoop;
    private ConsoleInput virtioConsoleInput;
    /** What devices handed over to be closed after the vCPUs stop, closed last first (virtio devices flush here). */
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean closed;

    private VirtualMachine(VmConfig config, Machine machine, Kvm kvm, VmFd vm, GuestMemory memory) {
        this.config = config;
        this.machine = machine;
        this.kvm = kvm;
        this.vm = vm;
        this.memory = memory;
    }

    /**
     * Creates the VM and its vCPUs, loads the boot source and sets the start state; nothing
     * runs yet. Everything that depends on the configuration alone comes before /dev/kvm is
     * opened, so a bad configuration is refused the same way on any machine:
     * {@link VmConfig#validate(long)}, then guest RAM with the image (or kernel, initrd,
     * modules, ACPI tables) and jkvm's tables written into it. Only KVM's own limits (vCPUs)
     * are checked after opening it.
     */
    public static VirtualMachine create(VmConfig config) {
        config.validate(HostMemory.total());
        Machine machine = Machine.of(config);
        GuestMemory memory = GuestMemory.map(Layout.ramRanges(config.memory()));
        Kvm kvm = null;
        VmFd vm = null;
        VirtualMachine created = null;
        List<VirtioDevice> virtio = List.of();
        try {
            BootPlan plan = machine.load(memory);
            // Disk images are opened (and locked) before KVM, so a bad one is refused on any host.
            virtio = VirtioDevices.open(config.pcOptions().virtio());
            kvm = Kvm.open(config.execution().kvmDevice());
            config.validateCpus(kvm.maxVcpus());
            vm = kvm.createVm();
            machine.configureVm(vm);
            for (MemoryRegion r : memory.regions()) vm.setUserMemoryRegion(r.slot(), r.guestPhysAddr(), r.host());
            created = new VirtualMachine(config, machine, kvm, vm, memory);
            created.plan = plan;
            created.createVcpus();
            for (VirtioDevice d : virtio) created.owned.add(d);
            List<VirtioDevice> devices = virtio;
            virtio = List.of();
            created.devices = machine.attachDevices(new MachineContext(memory, created.ports, created.mmio,
                    created::interruptLine, created.msiSink(), created::requestExit, devices,
                    devices.isEmpty() ? null : created.virtioHost(), created.owned::add), plan);
            return created;
        } catch (RuntimeException e) {
            for (VirtioDevice d : virtio) d.close();
            if (created != null) {
                created.close();
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
     * checked, guest RAM mapped and the boot source loaded into it. A bad configuration throws
     * what {@code create} would; nothing needs KVM. The launcher calls this (through
     * {@code JKVM_CHECK_ONLY}) before it starts an emulated KVM host, so a bad command line is
     * refused at once.
     */
    public static void check(VmConfig config) {
        config.validate(HostMemory.total());
        try (GuestMemory memory = GuestMemory.map(Layout.ramRanges(config.memory()))) {
            Machine.of(config).load(memory);
            VirtioDevices.open(config.pcOptions().virtio()).forEach(VirtioDevice::close);
        }
    }

    private void createVcpus() {
        VmConfig.Execution execution = config.execution();
        ExitBudget budget = execution.exitLimit() > 0 ? new ExitBudget(execution.exitLimit()) : null;
        List<ExitDispatcher> dispatchers = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpuid = kvm.supportedCpuid(arena);
            machine.adjustCpuid(cpuid, vm);
            // Every guest learns it runs on KVM, as under QEMU: the hypervisor bit and KVM's
            // paravirtual leaves (kvm-clock, ...); no hypercall features where vmcall never returns.
            KvmParavirt.apply(cpuid, config.irqchip(), HostKind.detect(execution.kvmDevice()).kind().hypercallsReturn());
            MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
            MemorySegment sregs = arena.allocate(KvmSregs.LAYOUT);
            for (int i = 0; i < config.cpus(); i++) {
                VcpuFd vcpu = vm.createVcpu(i);
                vcpuFds.add(vcpu);
                kickers.add(new VcpuKicker(vcpu.kvmRun()));
                CpuidTable.setApicId(cpuid, i);
                vcpu.setCpuid2(cpuid);
                vcpu.getSregs(sregs);
                BootState.setSregs(sregs, plan.mode(), plan.entry());
                vcpu.setSregs(sregs);
                regs.fill((byte) 0);
                BootState.setRegs(regs, plan.mode(), plan.entry());
                KvmRegs.set(regs, KvmRegs.RDI, i); // the vCPU index, for guests started on several vCPUs
                for (Map.Entry<String, Long> r : plan.registers().entrySet()) KvmRegs.set(regs, KvmRegs.offsetOf(r.getKey()), r.getValue());
                vcpu.setRegs(regs);
                machine.setUpVcpu(vcpu, i, vm);
                InstructionAssist assist = execution.instructionAssists() ? new KvmInstructionAssist(vcpu, memory) : InstructionAssist.NONE;
                dispatchers.add(new ExitDispatcher(i, ports, mmio, memory, this::requestExit, execution.tracer(), budget, assist));
            }
        }
        vcpus = new VcpuSet(vcpuFds, dispatchers, kickers, vm.checkExtension(KvmCap.KVM_CAP_KVMCLOCK_CTRL) > 0);
    }

    public VmConfig config() { return config; }

    /** Where devices' MSI and MSI-X messages go: KVM_SIGNAL_MSI into the in-kernel local APICs. */
    private MsiSink msiSink() {
        return config.irqchip() && vm.checkExtension(KvmCap.KVM_CAP_SIGNAL_MSI) > 0 ? new KvmMsiSink(vm) : MsiSink.NONE;
    }

    /** The machine this VM is. */
    public Machine machine() { return machine; }

    /** How a kernel was loaded and entered (null for a raw image). */
    public String bootNote() { return plan.note(); }

    /** Where host input for COM1 goes (the CLI feeds stdin into it). */
    public ConsoleInput com1Input() { return devices.com1Input(); }

    /**
     * Host input for the virtio-console (Linux's hvc0), or null when the VM has none: bytes fed
     * here wait in the device's buffer until the guest posts receive buffers, and the feeder
     * waits while that buffer is full.
     */
    public synchronized ConsoleInput virtioConsoleInput() {
        if (virtioConsoleInput == null) {
            for (AutoCloseable r : owned) {
                if (r instanceof ConsoleDevice console) {
                    ConsoleInput input = new ConsoleInput();
                    input.connect(console);
                    console.setRoomListener(input::rxReady);
                    virtioConsoleInput = input;
                    break;
                }
            }
        }
        return virtioConsoleInput;
    }

    public GuestMemory memory() { return memory; }

    public Bus ports() { return ports; }

    public Bus mmio() { return mmio; }

    /**
     * The in-kernel PICs and IOAPIC (KVM_GET_IRQCHIP), for a snapshot: the VM must have the
     * irqchip and must not be running (paused, not started, or ended).
     */
    public IrqchipState irqchipState() {
        requireQuietIrqchip();
        return IrqchipState.save(vm);
    }

    /** Loads the PICs and IOAPIC (KVM_SET_IRQCHIP); the VM must not be running. */
    public void restore(IrqchipState state) {
        requireQuietIrqchip();
        state.restoreTo(vm);
    }

    /** The in-kernel PIT (KVM_GET_PIT2); the VM must not be running. */
    public PitState pitState() {
        requireQuietIrqchip();
        return PitState.save(vm);
    }

    /** Loads the PIT (KVM_SET_PIT2); the VM must not be running. */
    public void restore(PitState state) {
        requireQuietIrqchip();
        state.restoreTo(vm);
    }

    /** vCPU {@code index}'s local APIC (KVM_GET_LAPIC, on its own thread); the VM must not be running. */
    public LapicState lapicState(int index) throws InterruptedException {
        requireQuietIrqchip();
        return vcpus.onVcpu(index, LapicState::save);
    }

    /** Loads vCPU {@code index}'s local APIC (KVM_SET_LAPIC, on its own thread); the VM must not be running. */
    public void restore(int index, LapicState state) throws InterruptedException {
        requireQuietIrqchip();
        vcpus.onVcpu(index, fd -> {
            state.restoreTo(fd);
            return null;
        });
    }

    private void requireQuietIrqchip() {
        if (!config.irqchip()) throw new IllegalStateException("no in-kernel irqchip in this VM");
        if (vcpus.state() == VcpuSet.State.RUNNING) throw new IllegalStateException("the VM is running: pause it first");
    }

    /**
     * The interrupt line into the in-kernel irqchip for {@code gsi} (ISA IRQ n is GSI n).
     * Needs the irqchip (a PC machine, or {@link VmConfig.Builder#irqchip}).
     */
    public InterruptLine interruptLine(int gsi) {
        if (!config.irqchip()) throw new IllegalStateException("interrupt lines need the in-kernel irqchip (VmConfig irqchip(true))");
        if (gsi < 0 || gsi >= irqLines.length) throw new IllegalArgumentException("GSI " + gsi + " is not an IOAPIC input (0-23)");
        synchronized (irqLines) {
            if (irqLines[gsi] == null) irqLines[gsi] = new KvmIrqLine(vm, gsi);
            return irqLines[gsi];
        }
    }

    /**
     * irqfd level lines, edges and MSI routes into the in-kernel irqchip: one router per VM, as it
     * owns the GSI routing table. Needs the irqchip.
     */
    public synchronized InterruptRouter interruptRouter() {
        if (!config.irqchip()) throw new IllegalStateException("irqfd lines and MSI routes need the in-kernel irqchip (VmConfig irqchip(true))");
        if (interruptRouter == null) interruptRouter = new InterruptRouter(vm);
        return interruptRouter;
    }

    /**
     * What virtio transports need: the device threads ({@code jkvm-io-N}), ioeventfds on this VM
     * where KVM has them, and level interrupt lines as irqfds with a resample fd where KVM has
     * those (else KVM_IRQ_LINE lines).
     */
    private synchronized VirtioHost virtioHost() {
        if (deviceLoop == null) deviceLoop = EventLoop.start("jkvm-io", 1);
        EventLoop loop = deviceLoop;
        boolean ioeventfd = vm.checkExtension(KvmCap.KVM_CAP_IOEVENTFD) > 0;
        boolean irqfd = config.irqchip() && vm.checkExtension(KvmCap.KVM_CAP_IRQFD) > 0
                && vm.checkExtension(KvmCap.KVM_CAP_IRQFD_RESAMPLE) > 0;
        IoEventBinder binder = !ioeventfd ? IoEventBinder.NONE : new IoEventBinder() {
            @Override public boolean bind(IoEvent where, EventFd fd) {
                try {
                    vm.ioeventfd(where, fd.fd());
                    return true;
                } catch (RuntimeException e) {
                    return false; // e.g. EEXIST: the guest stacked two BARs; those writes exit instead
                }
            }
            @Override public void unbind(IoEvent where, EventFd fd) { vm.deassignIoeventfd(where, fd.fd()); }
        };
        return new VirtioHost(memory, loop, binder, gsi -> {
            if (!irqfd) return interruptLine(gsi);
            var line = interruptRouter().levelLine(gsi, loop);
            owned.add(line);
            return line;
        }, GuestErrorLog.stderr());
    }

    /** KVM_IOEVENTFD: guest writes matching {@code where} signal {@code fd} in the kernel, with no exit. */
    public void ioeventfd(IoEvent where, EventFd fd) {
        vm.ioeventfd(where, fd.fd());
    }

    /** Undoes {@link #ioeventfd} (the same arguments): those writes exit to the buses again. */
    public void deassignIoeventfd(IoEvent where, EventFd fd) {
        vm.deassignIoeventfd(where, fd.fd());
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
        if (closed) throw new IllegalStateException("VM closed");
        if (vcpus.state() != VcpuSet.State.CREATED) throw new IllegalStateException("VM already started");
        vcpus.start();
    }

    /** Where the vCPUs are: created, running, paused or ended. */
    public VcpuSet.State state() { return vcpus.state(); }

    /**
     * Brings every vCPU out of KVM_RUN and holds it there (KVM_KVMCLOCK_CTRL tells a kvm-clock
     * guest). True when paused on return (also if it already was); false when the VM is not
     * running (not started, or ended).
     */
    public boolean pause() throws InterruptedException { return vcpus.pause(); }

    /** Lets a paused VM run on. True when the vCPUs run on return. */
    public boolean resume() { return vcpus.resume(); }

    /**
     * vCPU {@code index}'s general registers by their names in {@link KvmRegs#NAMES}
     * (KVM_GET_REGS); the VM must be paused (or not started, or ended).
     */
    public Map<String, Long> registers(int index) throws InterruptedException {
        return vcpus.onVcpu(index, fd -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
                fd.getRegs(regs);
                Map<String, Long> named = new LinkedHashMap<>();
                for (String name : KvmRegs.NAMES) named.put(name, KvmRegs.get(regs, KvmRegs.offsetOf(name)));
                return named;
            }
        });
    }

    /** Sets some of vCPU {@code index}'s general registers (KVM_SET_REGS); the VM must be paused. */
    public void setRegisters(int index, Map<String, Long> values) throws InterruptedException {
        for (String name : values.keySet()) {
            if (KvmRegs.offsetOf(name) < 0) throw new IllegalArgumentException("unknown register '" + name + "'");
        }
        vcpus.onVcpu(index, fd -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
                fd.getRegs(regs);
                values.forEach((name, v) -> KvmRegs.set(regs, KvmRegs.offsetOf(name), v));
                fd.setRegs(regs);
                return null;
            }
        });
    }

    /** Ends the run with {@code exit} (the first request wins) and kicks every vCPU out of KVM_RUN. */
    public void requestExit(VmExit exit) {
        vcpus.requestExit(exit);
    }

    /** Stops a running VM (status 0, "stopped by the host"). */
    public void stop() {
        requestExit(VmExit.stopped("stopped by the host"));
    }

    /** Waits for the run to end. */
    public VmExit awaitExit() throws InterruptedException {
        return vcpus.awaitExit();
    }

    /** Waits at most {@code timeout}; null if the VM is still running. */
    public VmExit awaitExit(Duration timeout) throws InterruptedException {
        return vcpus.awaitExit(timeout);
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
        VcpuSet.State s = vcpus.state();
        return s == VcpuSet.State.RUNNING || s == VcpuSet.State.PAUSED;
    }

    /** Exit counts and run time so far (complete once the run ended). */
    public VmStats stats() {
        long[] total = new long[KvmExitReason.COUNT];
        long assisted = 0;
        for (ExitDispatcher d : vcpus.dispatchers()) {
            long[] c = d.counts();
            for (int i = 0; i < c.length; i++) total[i] += c[i];
            assisted += d.assisted();
        }
        return VmStats.of(total, vcpus.runTime(), ports.unmappedReads() + ports.unmappedWrites(),
                mmio.unmappedReads() + mmio.unmappedWrites(), assisted);
    }

    /** How long {@link #close} waits for the vCPU threads to leave KVM_RUN. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** Stops the VM if it runs, joins its threads, closes every fd and unmaps memory. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (vcpus != null) vcpus.stopAndJoin(CLOSE_TIMEOUT);
        if (virtioConsoleInput != null) virtioConsoleInput.close();
        // Devices before the VM fd (their ioeventfds and irqfds go with it), the device threads
        // first, so no request is in progress while a disk is flushed and closed.
        if (deviceLoop != null) deviceLoop.close();
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                System.err.println("jkvm: closing " + owned.get(i) + ": " + e.getMessage());
            }
        }
        for (VcpuKicker k : kickers) k.close();
        for (VcpuFd v : vcpuFds) v.close();
        vm.close();
        memory.close();
        kvm.close();
    }
}
