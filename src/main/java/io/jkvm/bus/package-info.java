/**
 * Address buses: the port-I/O bus and the MMIO bus route a guest access to the device mapped
 * at that address, through one narrow contract, {@link io.jkvm.bus.BusDevice}.
 */
package io.jkvm.bus;
