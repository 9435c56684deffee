/**
 * The {@code qemu-system-x86_64} command line for jkvm ({@code jkvm-qemu}): a pure parser of the
 * subset of QEMU 7.2's syntax jkvm supports, into a {@link io.jkvm.qemu.QemuCommandLine}. Every
 * option jkvm does not support is refused with one line naming it ({@link io.jkvm.qemu.QemuUsageException}),
 * never silently ignored. No I/O: files named on the command line are checked by the caller.
 */
package io.jkvm.qemu;
