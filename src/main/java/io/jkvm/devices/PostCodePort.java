package io.jkvm.devices;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusDevice;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

import java.util.function.IntConsumer;

/**
 * The POST-code port ({@link PcPorts#POST}, 0x80; IBM PC AT: the manufacturing-test checkpoint latch, later a DMA page
 * register nobody uses). Linux writes it to slow port I/O down ({@code outb_p} /
 * {@code native_io_delay} in arch/x86/kernel/io_delay.c, the default "0x80" delay type); BIOSes
 * and some test kernels write progress codes there.
 *
 * <p>Writes are swallowed: the low byte is kept and handed to an optional observer (for a log or
 * a test harness; it runs on the vCPU thread and must not block). Reads return the last byte
 * written, as the POST-code latch of most chipsets does, and 0xff before the first write (nothing
 * drives the bus yet); bytes of a wider read above the first read 0xff.
 */
public final class PostCodePort implements BusDevice, Resettable, Stateful<PostCodeState> {
    private final IntConsumer observer;
    private int last = 0xff;
    private long writes;

    public PostCodePort() {
        this(code -> { });
    }

    /** @param observer called with each byte the guest writes */
    public PostCodePort(IntConsumer observer) {
        this.observer = observer;
    }

    @Override
    public long read(long offset, int size) {
        long ones = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        return ones & ~0xffL | lastCode();
    }

    @Override
    public void write(long offset, int size, long value) {
        int code = (int) value & 0xff;
        synchronized (this) {
            last = code;
            writes++;
        }
        observer.accept(code);
    }

    /** The last byte written, 0xff before any. */
    public synchronized int lastCode() { return last; }

    /** How many writes the guest made. */
    public synchronized long writeCount() { return writes; }

    /** Power-on: nothing latched, reads 0xff. The write count goes on. */
    @Override
    public synchronized void reset() { last = 0xff; }

    @Override
    public synchronized PostCodeState state() { return new PostCodeState(last); }

    @Override
    public synchronized void restore(PostCodeState state) { last = state.lastCode(); }
}
