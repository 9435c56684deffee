package io.jkvm.machine;

import io.jkvm.acpi.ResetControl;
import io.jkvm.acpi.SleepControl;
import io.jkvm.boot.BootFpu;
import io.jkvm.boot.BootMsrs;
import io.jkvm.boot.BootState;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.CpuidTable;
import io.jkvm.boot.EntryPoint;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.config.LinuxKernel;
import io.jkvm.config.VmConfig;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.kvm.VmFd;
import io.jkvm.memory.GuestMemory;
import io.jkvm.platform.PcBoot;
import io.jkvm.platform.PcExtras;
import io.jkvm.platform.PcPlatform;

import java.lang.foreign.MemorySegment;

/**
 * What the PC machines share: a Linux or multiboot kernel with ACPI tables, KVM's irqchip and
 * PIT, each vCPU's MSRs and FPU as a BIOS leaves them, application processors waiting for
 * INIT/SIPI, the legacy devices ({@link PcPlatform}), the ACPI sleep and reset registers and
 * fw_cfg. {@link PcMachine} adds the PCI bus.
 */
public abstract sealed class PcFamilyMachine implements Machine permits PcMachine, MicrovmMachine {
    private final VmConfig config;

    PcFamilyMachine(VmConfig config) {
        this.config = config;
    }

    @Override
    public VmConfig config() { return config; }

    /** Whether the machine has the PCI host bridge (configuration ports 0xcf8/0xcfc). */
    abstract boolean pciBus();

    @Override
    public BootPlan load(GuestMemory memory) {
        // A 64-bit Linux entry needs jkvm's page tables; a multiboot or PVH entry only the GDT.
        BootState.writeTables(memory, config.boot() instanceof LinuxKernel ? CpuMode.LONG : CpuMode.PROTECTED);
        PcBoot.Start start = PcBoot.load(memory, config);
        return new BootPlan(start.mode(), EntryPoint.linear(start.entry()), start.registers(), start.how(), start.fwCfg());
    }

    @Override
    public void configureVm(VmFd vm) {
        KvmVmSetup.realModeHelpers(vm);
        KvmVmSetup.irqchip(vm, config.pcOptions().pitReinject());
    }

    @Override
    public void adjustCpuid(MemorySegment cpuid, VmFd vm) {
        // The local APIC's TSC-deadline mode (SDM vol. 3A 11.5.4.1), as QEMU's -cpu host offers it.
        if (vm.checkExtension(KvmCap.KVM_CAP_TSC_DEADLINE_TIMER) > 0) CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE);
    }

    @Override
    public void setUpVcpu(VcpuFd vcpu, int index, VmFd vm) {
        vcpu.setMsrs(BootMsrs.INDEXES, BootMsrs.VALUES);
        BootFpu.set(vcpu, vm.checkExtension(KvmCap.KVM_CAP_XSAVE), vm.checkExtension(KvmCap.KVM_CAP_XCRS));
        // MultiProcessor Specification 1.4, B.4: application processors wait for INIT/SIPI from
        // the boot processor, as on real hardware.
        if (index > 0) vcpu.setMpState(VcpuFd.KVM_MP_STATE_UNINITIALIZED);
    }

    @Override
    public Devices attachDevices(MachineContext context, BootPlan plan) {
        long low = Math.min(config.memory(), Layout.MMIO_HOLE_START);
        PcPlatform platform = PcPlatform.attach(context.ports(), context.irq(), config.com1(), config.serial().com2(),
                context.exits(), low, config.memory() - low);
        context.ports().attach(PcPorts.ACPI_SLEEP.base(), PcPorts.ACPI_SLEEP.length(), new SleepControl(context.exits()));
        context.ports().attach(PcPorts.ACPI_RESET.base(), PcPorts.ACPI_RESET.length(), new ResetControl(context.exits()));
        PcExtras.attach(context.ports(), context.mmio(), context.memory(), context.irq(), context.msi(), config, pciBus(),
                plan.kernelItems(), new PcExtras.Virtio(context.virtio(), context.virtioHost(), context.owned()));
        DebugExitDevice.attach(config, context);
        attachVirtio(context);
        return platform::com1Input;
    }

    /**
     * Puts each of {@code context.virtio()} (opened from {@code config.pcOptions().virtio()}, in
     * that order) on this machine's virtio transport.
     */
    abstract void attachVirtio(MachineContext context);
}
