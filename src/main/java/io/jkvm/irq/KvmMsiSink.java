package io.jkvm.irq;

import io.jkvm.kvm.KvmMsi;
import io.jkvm.kvm.VmFd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@link MsiSink} into KVM's in-kernel local APICs: each message is a KVM_SIGNAL_MSI
 * (api.rst 4.71), which KVM delivers as the write to 0xFEExxxxx would be (Intel SDM vol. 3A,
 * 11.11). Needs the in-kernel irqchip and KVM_CAP_SIGNAL_MSI.
 *
 * <p>Messages outside the APIC window are refused here, before the kernel sees them. One
 * {@code struct kvm_msi}, allocated with the sink, is reused under this object's lock: signalling
 * allocates nothing. (A later version may feed an irqfd on a GSI route instead, so that a device
 * thread need not make the ioctl; the contract stays the same.)
 */
public final class KvmMsiSink implements MsiSink {
    private final VmFd vm;
    private final MemorySegment msi = Arena.ofAuto().allocate(KvmMsi.LAYOUT);

    public KvmMsiSink(VmFd vm) {
        this.vm = vm;
    }

    @Override
    public synchronized boolean signal(MsiMessage message) {
        if (!message.valid()) return false;
        KvmMsi.fill(msi, message.address(), message.data());
        return vm.signalMsi(msi) > 0;
    }
}
