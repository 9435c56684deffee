/**
 * A conventional PCI bus for the PC: bus 0 behind configuration mechanism #1 (ports 0xcf8 and
 * 0xcfc, PCI Local Bus Specification 3.0, 3.2.2.3.2), type-0 configuration headers with
 * capability lists, I/O, 32-bit and 64-bit memory BARs that are mapped onto jkvm's port and
 * MMIO {@link io.jkvm.bus.Bus}es while the command register enables them, MSI-X
 * ({@link io.jkvm.pci.MsixCapability}, messages into an {@link io.jkvm.irq.MsiSink}), INTx#
 * routed to GSIs 10 and 11 as on QEMU's pc ({@link io.jkvm.pci.PciIntxRouting}), QEMU's
 * {@code pci-testdev} and jkvm's {@code jkvm-msix-testdev}.
 *
 * <p>A device implements {@link io.jkvm.pci.PciDevice}, usually by holding a
 * {@link io.jkvm.pci.PciConfigSpace}; {@link io.jkvm.pci.PciBus} routes configuration cycles
 * to it, keeps its BAR regions on the buses and connects its interrupt pin. A device raises
 * MSI-X vector n through {@link io.jkvm.pci.VectorTrigger} and falls back to INTx# when the
 * guest has not enabled MSI-X. jkvm has no firmware, so {@link io.jkvm.pci.PciBus#assignResources}
 * places the BARs as a BIOS would. What a guest does wrong (a BAR over RAM or over another BAR,
 * an MSI-X message outside the APIC window) is refused and reported once per kind
 * ({@link io.jkvm.pci.GuestErrorLog}).
 */
package io.jkvm.pci;
