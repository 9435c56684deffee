package io.jkvm.devices;

import io.jkvm.bus.BusDevice;

import java.io.PrintStream;

/**
 * Logs every access to the ports it is attached to, in the words of the original kvmsample
 * program ({@code out port: 16, data: 0}), and counts them. Reads return 0.
 */
public final class PortLogger implements BusDevice {
    private final long base;
    private final PrintStream out;
    private long writes;
    private long reads;
    private long lastValue = -1;

    /** @param base the first port it is attached at, to print absolute port numbers */
    public PortLogger(long base, PrintStream out) {
        this.base = base;
        this.out = out;
    }

    @Override
    public synchronized long read(long offset, int size) {
        reads++;
        if (out != null) out.println("in port: " + (base + offset) + ", size: " + size);
        return 0;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        writes++;
        lastValue = value;
        if (out != null) out.println("out port: " + (base + offset) + ", data: " + value);
    }

    public synchronized long writes() { return writes; }

    public synchronized long reads() { return reads; }

    public synchronized long lastValue() { return lastValue; }
}
