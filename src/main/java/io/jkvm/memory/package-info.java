/**
 * Guest RAM: host memory regions at guest-physical addresses, with every access bounds-checked
 * so that nothing a guest names can reach host memory outside its RAM. Loaders use
 * {@link io.jkvm.memory.GuestMemory}'s throwing accessors; devices doing DMA use a
 * {@link io.jkvm.memory.DmaRange}, checked once and never throwing.
 */
package io.jkvm.memory;
