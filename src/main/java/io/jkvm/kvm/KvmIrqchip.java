package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_irqchip} (api.rst 4.26-4.27, KVM_GET_IRQCHIP / KVM_SET_IRQCHIP), 520 bytes:
 * the state of one chip of the in-kernel irqchip, chosen by {@code chip_id}.
 * <pre>
 * 0 u32 chip_id    KVM_IRQCHIP_PIC_MASTER 0, KVM_IRQCHIP_PIC_SLAVE 1, KVM_IRQCHIP_IOAPIC 2
 * 4 u32 pad
 * 8 union chip { char dummy[512]; struct kvm_pic_state pic; struct kvm_ioapic_state ioapic; }
 * </pre>
 * {@code struct kvm_pic_state} (16 bytes, the 8259A's registers as arch/x86/kvm/i8259.c keeps
 * them): last_irr, irr, imr, isr, priority_add, irq_base, read_reg_select, poll, special_mask,
 * init_state, auto_eoi, rotate_on_auto_eoi, special_fully_nested_mode, init4, elcr, elcr_mask.
 * {@code struct kvm_ioapic_state} (216 bytes): u64 base_address, u32 ioregsel, u32 id, u32 irr,
 * u32 pad, u64 redirtbl[24] (82093AA redirection entries).
 */
public final class KvmIrqchip {
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;
    public static final int KVM_IOAPIC_NUM_PINS = 24;

    public static final StructLayout PIC_STATE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_irr"), JAVA_BYTE.withName("irr"), JAVA_BYTE.withName("imr"), JAVA_BYTE.withName("isr"),
            JAVA_BYTE.withName("priority_add"), JAVA_BYTE.withName("irq_base"), JAVA_BYTE.withName("read_reg_select"),
            JAVA_BYTE.withName("poll"), JAVA_BYTE.withName("special_mask"), JAVA_BYTE.withName("init_state"),
            JAVA_BYTE.withName("auto_eoi"), JAVA_BYTE.withName("rotate_on_auto_eoi"),
            JAVA_BYTE.withName("special_fully_nested_mode"), JAVA_BYTE.withName("init4"), JAVA_BYTE.withName("elcr"),
            JAVA_BYTE.withName("elcr_mask")).withName("kvm_pic_state");
    public static final StructLayout IOAPIC_STATE = MemoryLayout.structLayout(
            JAVA_LONG.withName("base_address"), JAVA_INT.withName("ioregsel"), JAVA_INT.withName("id"),
            JAVA_INT.withName("irr"), JAVA_INT.withName("pad"),
            MemoryLayout.sequenceLayout(KVM_IOAPIC_NUM_PINS, JAVA_LONG).withName("redirtbl")).withName("kvm_ioapic_state");
    /** The chip union's size: {@code char dummy[512]}. */
    public static final long CHIP_SIZE = 512;
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("chip_id"), JAVA_INT.withName("pad"),
            MemoryLayout.sequenceLayout(CHIP_SIZE, JAVA_BYTE).withName("chip")).withName("kvm_irqchip");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long CHIP_ID = LAYOUT.byteOffset(groupElement("chip_id"));
    public static final long CHIP = LAYOUT.byteOffset(groupElement("chip"));

    // Offsets inside the chip union.
    public static final long PIC_IRR = PIC_STATE.byteOffset(groupElement("irr"));
    public static final long PIC_IMR = PIC_STATE.byteOffset(groupElement("imr"));
    public static final long PIC_ISR = PIC_STATE.byteOffset(groupElement("isr"));
    public static final long PIC_IRQ_BASE = PIC_STATE.byteOffset(groupElement("irq_base"));
    public static final long PIC_ELCR = PIC_STATE.byteOffset(groupElement("elcr"));
    public static final long IOAPIC_BASE_ADDRESS = IOAPIC_STATE.byteOffset(groupElement("base_address"));
    public static final long IOAPIC_ID = IOAPIC_STATE.byteOffset(groupElement("id"));
    public static final long IOAPIC_IRR = IOAPIC_STATE.byteOffset(groupElement("irr"));
    public static final long IOAPIC_REDIRTBL = IOAPIC_STATE.byteOffset(groupElement("redirtbl"));

    private KvmIrqchip() {}
}
