package io.jkvm.machine;

import io.jkvm.bus.Bus;
import io.jkvm.exit.ExitRequester;
import io.jkvm.irq.InterruptLine;
import io.jkvm.irq.MsiSink;
import io.jkvm.memory.GuestMemory;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * What a machine's devices are given when they are attached: guest RAM (for DMA), the two
 * buses, interrupt lines by GSI (ISA IRQ n is GSI n), the MSI path, how a device ends the run,
 * the virtio devices already opened from the configuration (in its order) with what their
 * transports need, and where to hand what must be closed when the VM is
 * ({@code owned}: closed after the vCPUs stop, last handed first).
 */
public record MachineContext(GuestMemory memory, Bus ports, Bus mmio, IntFunction<InterruptLine> irq, MsiSink msi,
                             ExitRequester exits, List<VirtioDevice> virtio, VirtioHost virtioHost,
                             Consumer<AutoCloseable> owned) {
    public MachineContext {
        virtio = List.copyOf(virtio);
    }
}
