package io.jkvm.virtio;

import io.jkvm.event.EventLoop;
import io.jkvm.irq.InterruptLine;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;

import java.util.function.IntFunction;

/**
 * What a transport needs from the VM around it: guest RAM for the queues, the device threads
 * that run {@link VirtioDevice#notify} (an {@link EventLoop}; null runs it on the caller, for
 * unit tests only), the ioeventfd binder, level-triggered interrupt lines by GSI that a device
 * thread may set without an ioctl (irqfd with a resample fd, where KVM has it), and the
 * rate-limited log of guest mistakes.
 */
public record VirtioHost(GuestMemory memory, EventLoop loop, IoEventBinder ioevents, IntFunction<InterruptLine> levelLines,
                         GuestErrorLog log) {
    /**
     * For unit tests: notifications run inline on the writing thread, nothing bound, interrupt
     * lines from {@code lines}, errors to stderr.
     */
    public static VirtioHost inline(GuestMemory memory, IntFunction<InterruptLine> lines) {
        return new VirtioHost(memory, null, IoEventBinder.NONE, lines, GuestErrorLog.stderr());
    }
}
