/**
 * Multiboot (version 1, specification 0.6.96) kernels: the header found in the image's first
 * 8 KiB ({@link io.jkvm.loader.multiboot.MultibootHeader}), the image loaded through the a.out
 * kludge address fields or its ELF32/ELF64 program headers
 * ({@link io.jkvm.loader.multiboot.MultibootImage}), the boot information structure
 * ({@link io.jkvm.loader.multiboot.MultibootInfo}) and modules placed where the kernel will not
 * overwrite them ({@link io.jkvm.loader.multiboot.MultibootPlacement}), behind
 * {@link io.jkvm.loader.multiboot.MultibootLoader}. Guest addresses are chosen in
 * {@link io.jkvm.boot.Layout}. Nothing here touches KVM: the caller starts
 * the vCPU in flat 32-bit protected mode, paging off, with EAX = {@link
 * io.jkvm.loader.multiboot.Multiboot#MAGIC_BOOTLOADER} and EBX = the information structure's
 * address (Multiboot 0.6.96, 3.2 Machine state).
 */
package io.jkvm.loader.multiboot;
