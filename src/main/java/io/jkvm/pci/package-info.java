/**
 * A conventional PCI bus for the PC: bus 0 behind configuration mechanism #1 (ports 0xcf8 and
 * 0xcfc, PCI Local Bus Specification 3.0, 3.2.2.3.2), type-0 configuration headers with
 * memory and I/O BARs that are mapped onto jkvm's port and MMIO {@link io.jkvm.bus.Bus}es while
 * the command register enables them, and QEMU's {@code pci-testdev}.
 *
 * <p>A device implements {@link io.jkvm.pci.PciDevice}, usually by holding a
 * {@link io.jkvm.pci.PciConfigSpace}; {@link io.jkvm.pci.PciBus} routes configuration cycles
 * to it and keeps its BAR regions on the buses. jkvm has no firmware, so
 * {@link io.jkvm.pci.PciBus#assignResources} places the BARs as a BIOS would.
 */
package io.jkvm.pci;
