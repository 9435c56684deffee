package io.jkvm.state;

/**
 * A device with a reset input: {@link #reset()} puts it in the state its reset signal gives it,
 * as a machine reset (the PC's RESET, PCI RST#) or a virtio device reset (virtio 1.2, 2.4,
 * writing 0 to device status) needs. For most devices that is the power-on state; a
 * battery-backed device keeps what its battery keeps (the CMOS RTC keeps its clock and RAM).
 *
 * <p>A reset drives the device's interrupt lines to their reset level. It may run on any
 * thread; the device synchronizes itself, but the machine resets devices while its vCPUs are
 * stopped.
 */
public interface Resettable {
    void reset();
}
