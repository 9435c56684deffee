package io.jkvm.kvm;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The saved state of KVM's in-kernel interrupt controllers (KVM_CREATE_IRQCHIP): the two 8259A
 * PICs and the IOAPIC, each as the kernel's struct ({@code kvm_pic_state}, 16 bytes;
 * {@code kvm_ioapic_state}, 216 bytes; see {@link KvmIrqchip}). The local APICs are per vCPU:
 * {@link LapicState}. Take and load it while the vCPUs are stopped.
 */
public record IrqchipState(byte[] picMaster, byte[] picSlave, byte[] ioapic) implements SavedState {
    public static final String TAG = "IRQC";
    public static final int VERSION = 1;
    public static final int PIC_SIZE = (int) KvmIrqchip.PIC_STATE.byteSize();
    public static final int IOAPIC_SIZE = (int) KvmIrqchip.IOAPIC_STATE.byteSize();

    public IrqchipState {
        check("PIC master", picMaster, PIC_SIZE);
        check("PIC slave", picSlave, PIC_SIZE);
        check("IOAPIC", ioapic, IOAPIC_SIZE);
        picMaster = picMaster.clone();
        picSlave = picSlave.clone();
        ioapic = ioapic.clone();
    }

    /** KVM_GET_IRQCHIP for the three chips. */
    public static IrqchipState save(VmFd vm) {
        return new IrqchipState(get(vm, KvmIrqchip.KVM_IRQCHIP_PIC_MASTER, PIC_SIZE),
                get(vm, KvmIrqchip.KVM_IRQCHIP_PIC_SLAVE, PIC_SIZE), get(vm, KvmIrqchip.KVM_IRQCHIP_IOAPIC, IOAPIC_SIZE));
    }

    /** KVM_SET_IRQCHIP for the three chips: PIC master, PIC slave, IOAPIC. */
    public void restoreTo(VmFd vm) {
        set(vm, KvmIrqchip.KVM_IRQCHIP_PIC_MASTER, picMaster);
        set(vm, KvmIrqchip.KVM_IRQCHIP_PIC_SLAVE, picSlave);
        set(vm, KvmIrqchip.KVM_IRQCHIP_IOAPIC, ioapic);
    }

    private static byte[] get(VmFd vm, int chipId, int size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chip = arena.allocate(KvmIrqchip.LAYOUT); // zeroed: the union's unused bytes stay 0
            vm.getIrqchip(chipId, chip);
            return chip.asSlice(KvmIrqchip.CHIP, size).toArray(JAVA_BYTE);
        }
    }

    private static void set(VmFd vm, int chipId, byte[] state) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chip = arena.allocate(KvmIrqchip.LAYOUT);
            chip.set(JAVA_INT, KvmIrqchip.CHIP_ID, chipId);
            MemorySegment.copy(state, 0, chip, JAVA_BYTE, KvmIrqchip.CHIP, state.length);
            vm.setIrqchip(chip);
        }
    }

    @Override public byte[] picMaster() { return picMaster.clone(); }
    @Override public byte[] picSlave() { return picSlave.clone(); }
    @Override public byte[] ioapic() { return ioapic.clone(); }

    /** A byte of a PIC's {@code kvm_pic_state}, e.g. {@link KvmIrqchip#PIC_IMR}. */
    public int pic(boolean master, long offset) {
        return (master ? picMaster : picSlave)[(int) offset] & 0xff;
    }

    /** IOAPIC redirection table entry {@code pin} (82093AA datasheet, 3.2.4). */
    public long redirectionEntry(int pin) {
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (ioapic[(int) KvmIrqchip.IOAPIC_REDIRTBL + 8 * pin + i] & 0xffL) << (8 * i);
        return v;
    }

    /** Section {@value #TAG} version 1: the master's and the slave's kvm_pic_state, then kvm_ioapic_state, raw. */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).raw(picMaster).raw(picSlave).raw(ioapic).endSection();
    }

    public static IrqchipState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        IrqchipState state = new IrqchipState(in.raw("PIC master", PIC_SIZE), in.raw("PIC slave", PIC_SIZE),
                in.raw("IOAPIC", IOAPIC_SIZE));
        in.endSection();
        return state;
    }

    private static void check(String name, byte[] b, int size) {
        if (b.length != size) throw new IllegalArgumentException(name + " state is " + size + " bytes, not " + b.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IrqchipState s && Arrays.equals(picMaster, s.picMaster) && Arrays.equals(picSlave, s.picSlave)
                && Arrays.equals(ioapic, s.ioapic);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(picMaster) * 31 + Arrays.hashCode(picSlave)) * 31 + Arrays.hashCode(ioapic);
    }

    @Override
    public String toString() {
        java.util.HexFormat hex = java.util.HexFormat.of();
        return "IrqchipState[picMaster=" + hex.formatHex(picMaster) + ", picSlave=" + hex.formatHex(picSlave)
                + ", ioapic=" + hex.formatHex(ioapic) + "]";
    }
}
