package io.jkvm.bus;

/**
 * A device on a bus. Offsets are relative to the base the device was attached at; sizes are
 * 1 to 8 bytes (1, 2 or 4 for ports; usually 1, 2, 4 or 8 for MMIO, but KVM splits an access
 * that crosses a page into pieces of any length); values are little-endian in the low
 * {@code size} bytes.
 *
 * <p>Calls come from vCPU threads, several at once when the VM has several vCPUs: a device
 * with state guards it itself. A call must not block for long (it holds up a vCPU) and must
 * not throw for any offset, size or value a guest can produce.
 */
public interface BusDevice {
    /** The guest reads {@code size} bytes at {@code offset}. */
    long read(long offset, int size);

    /** The guest writes the low {@code size} bytes of {@code value} at {@code offset}. */
    void write(long offset, int size, long value);
}
