package io.jkvm.testing;

import io.jkvm.kvm.Kvm;
import io.jkvm.kvm.VmFd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps two idle VMs open for the life of an emulated KVM host, so that the VMs the tests and
 * benchmarks create and destroy never flip the static keys of the host's kernel.
 *
 * <p>Why: Linux patches its own code (a static key's jump sites, through int3: text_poke_bp)
 * whenever a key's count goes between 0 and 1, and KVM has such keys: the scheduler's
 * preempt_notifier_key (each VM), kvm_has_noapic_vcpu (each vCPU without an in-kernel LAPIC)
 * and apic_sw_disabled (each LAPIC until its guest enables it; dropped later by a kworker).
 * QEMU 7.2's multi-threaded TCG, which runs the emulated host, livelocks in that patching now
 * and then: both CPUs stay in the int3 handler or on a spin lock beside it, and user space
 * never runs again (scripts/emulated-kvm-host.sh reports the CPUs' places; creating and
 * destroying VMs in a loop wedged a host within 60 VMs, where with these two VMs held 400 did
 * not). With one VM holding an irqchip and a vCPU, and one holding a vCPU without, no count
 * reaches 0 while the host runs, and the code is patched only once.
 *
 * <p>With JKVM_HOST_HOLD_KVM_KEYS=1 (scripts/test.sh and the benchmarks set it),
 * scripts/emulated-kvm-host.sh starts it before the command and waits for {@code READY-FILE}
 * (written once it holds the VMs). Never on a real host: nothing there needs it.
 */
public final class KvmStaticKeyHolder {
    private KvmStaticKeyHolder() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: KvmStaticKeyHolder READY-FILE");
            System.exit(2);
        }
        Kvm kvm = Kvm.open();
        VmFd withIrqchip = kvm.createVm();
        withIrqchip.createIrqchip();
        withIrqchip.createVcpu(0);
        VmFd withoutIrqchip = kvm.createVm();
        withoutIrqchip.createVcpu(0);
        Files.writeString(Path.of(args[0]), "holding two VMs\n");
        Thread.sleep(Long.MAX_VALUE); // until the emulated host powers off
    }
}
