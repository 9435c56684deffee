/**
 * Kernel image formats (bzImage, ELF64 vmlinux) parsed and copied into guest memory, kept apart
 * from the Linux boot protocol (boot_params, e820 map, command line, initrd placement), with the
 * guest addresses chosen in {@link io.jkvm.boot.Layout}. Nothing here touches KVM.
 */
package io.jkvm.loader;
