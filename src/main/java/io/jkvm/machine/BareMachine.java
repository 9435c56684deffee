package io.jkvm.machine;

import io.jkvm.boot.BootState;
import io.jkvm.boot.PcPorts;
import io.jkvm.config.RawImage;
import io.jkvm.config.VmConfig;
import io.jkvm.devices.Uart16550;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.irq.InterruptLine;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.kvm.VmFd;
import io.jkvm.memory.GuestMemory;
import io.jkvm.platform.ConsoleInput;

import java.lang.foreign.MemorySegment;

/**
 * The KVM tutorial's machine (MISSION.md): guest RAM with a raw image at its load address,
 * entered in real, protected or long mode (jkvm's GDT and page tables for the latter two), a
 * 16550A on COM1 and the debug-exit port. No firmware tables; KVM's irqchip only when asked,
 * and then COM1 interrupts on IRQ 4.
 */
public final class BareMachine implements Machine {
    private final VmConfig config;
    private final RawImage image;

    BareMachine(VmConfig config) {
        this.config = config;
        this.image = (RawImage) config.boot();
    }

    @Override
    public VmConfig config() { return config; }

    @Override
    public BootPlan load(GuestMemory memory) {
        BootState.writeTables(memory, image.mode());
        memory.write(image.loadAddress(), image.image());
        return new BootPlan(image.mode(), image.entry(), image.registers(), null, FwCfgKernelItems.NONE);
    }

    @Override
    public void configureVm(VmFd vm) {
        KvmVmSetup.realModeHelpers(vm);
        if (config.irqchip()) KvmVmSetup.irqchip(vm, config.pcOptions().pitReinject());
    }

    @Override
    public void adjustCpuid(MemorySegment cpuid, VmFd vm) {}

    @Override
    public void setUpVcpu(VcpuFd vcpu, int index, VmFd vm) {}

    @Override
    public Devices attachDevices(MachineContext context, BootPlan plan) {
        ConsoleInput input = new ConsoleInput();
        InterruptLine irq = config.irqchip() ? context.irq().apply(PcPorts.COM1.irq()) : InterruptLine.NONE;
        Uart16550 com1 = new Uart16550(irq, config.com1(), input::rxReady);
        input.connect(com1);
        context.ports().attach(PcPorts.COM1.base(), PcPorts.COM1.length(), com1);
        DebugExitDevice.attach(config, context);
        return () -> input;
    }
}
