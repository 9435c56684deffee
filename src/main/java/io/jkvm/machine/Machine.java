package io.jkvm.machine;

import io.jkvm.config.VmConfig;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.kvm.VmFd;
import io.jkvm.memory.GuestMemory;
import io.jkvm.platform.ConsoleInput;

import java.lang.foreign.MemorySegment;

/**
 * One kind of machine: what it loads, how KVM and its vCPUs are set up, which devices it has.
 * {@code VirtualMachine.create} calls these in the KVM start-up order (MISSION.md section 1):
 * {@link #load} (before /dev/kvm is opened), {@link #configureVm} after KVM_CREATE_VM,
 * {@link #adjustCpuid} and {@link #setUpVcpu} per vCPU, then {@link #attachDevices}.
 */
public sealed interface Machine permits BareMachine, PcFamilyMachine {
    /** The machine {@code config} asks for. */
    static Machine of(VmConfig config) {
        return switch (config.machine()) {
            case BARE -> new BareMachine(config);
            case MICROVM -> new MicrovmMachine(config);
            case PC -> new PcMachine(config);
        };
    }

    VmConfig config();

    /** Writes the boot source (and jkvm's boot tables) into guest RAM; says how the vCPUs start. */
    BootPlan load(GuestMemory memory);

    /** VM-wide set-up after KVM_CREATE_VM: TSS and identity map, irqchip, PIT. */
    void configureVm(VmFd vm);

    /** Machine-specific CPUID bits on top of KVM's supported set (KVM_GET_SUPPORTED_CPUID). */
    void adjustCpuid(MemorySegment cpuid, VmFd vm);

    /** Machine-specific start state of vCPU {@code index} beyond its registers: MSRs, FPU, MP state. */
    void setUpVcpu(VcpuFd vcpu, int index, VmFd vm);

    /** Creates the machine's devices and attaches them; returns the host's handles on them. */
    Devices attachDevices(MachineContext context, BootPlan plan);

    /** What the host holds of a machine's devices after attaching them. */
    interface Devices {
        /** Where host input for COM1 goes (the CLI feeds stdin into it). */
        ConsoleInput com1Input();
    }
}
