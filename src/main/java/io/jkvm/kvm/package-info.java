/**
 * The KVM API, bound with FFM: ioctl numbers ({@link io.jkvm.kvm.KvmIoctls}), struct layouts
 * pinned to the kernel's {@code <linux/kvm.h>}, and one wrapper per fd type: {@link io.jkvm.kvm.Kvm}
 * (/dev/kvm), {@link io.jkvm.kvm.VmFd}, {@link io.jkvm.kvm.VcpuFd}. Kernel names are kept
 * verbatim so {@code Documentation/virt/kvm/api.rst} reads straight onto this code.
 */
package io.jkvm.kvm;
