package io.jkvm.machine;

import io.jkvm.bus.Bus;
import io.jkvm.exit.ExitRequester;
import io.jkvm.irq.InterruptLine;
import io.jkvm.irq.MsiSink;
import io.jkvm.memory.GuestMemory;

import java.util.function.IntFunction;

/**
 * What a machine's devices are given when they are attached: guest RAM (for DMA), the two
 * buses, interrupt lines by GSI (ISA IRQ n is GSI n), the MSI path, and how a device ends the run.
 */
public record MachineContext(GuestMemory memory, Bus ports, Bus mmio, IntFunction<InterruptLine> irq, MsiSink msi,
                             ExitRequester exits) {}
