package io.jkvm.vcpu;

import io.jkvm.kvm.KvmRegs;
import io.jkvm.kvm.KvmSregs;
import io.jkvm.kvm.VcpuFd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@link VcpuInspector} over a real vCPU fd: KVM_GET_REGS/SREGS and KVM_TRANSLATE. */
public final class KvmVcpuInspector implements VcpuInspector {
    private final VcpuFd vcpu;

    public KvmVcpuInspector(VcpuFd vcpu) {
        this.vcpu = vcpu;
    }

    @Override
    public String registerDump() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KvmRegs.LAYOUT);
            MemorySegment sregs = a.allocate(KvmSregs.LAYOUT);
            vcpu.getRegs(regs);
            vcpu.getSregs(sregs);
            return KvmRegs.dump(regs) + KvmSregs.dump(sregs);
        } catch (RuntimeException e) {
            return "(registers not available: " + e.getMessage() + ")\n";
        }
    }

    @Override
    public long instructionAddress() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KvmRegs.LAYOUT);
            MemorySegment sregs = a.allocate(KvmSregs.LAYOUT);
            vcpu.getRegs(regs);
            vcpu.getSregs(sregs);
            long linear = KvmSregs.segmentBase(sregs, KvmSregs.CS) + KvmRegs.get(regs, KvmRegs.RIP);
            return vcpu.translate(linear);
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
