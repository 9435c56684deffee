/**
 * How a guest is started without firmware: the guest-physical layout ({@link io.jkvm.boot.Layout})
 * and the PC's I/O ports and IRQs ({@link io.jkvm.boot.PcPorts}), each written only there; the GDT
 * and identity-mapped page tables jkvm builds; and the vCPU state for real, protected and long
 * mode.
 */
package io.jkvm.boot;
