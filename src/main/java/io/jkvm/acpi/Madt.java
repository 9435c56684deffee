package io.jkvm.acpi;

import io.jkvm.boot.Layout;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Multiple APIC Description Table (ACPI 6.5 5.2.12), revision 6: how Linux finds
 * every CPU when there is no MP table. The header, the local APIC address and flags, then:
 * one Processor Local APIC structure per vCPU (APIC ID = vCPU index, as jkvm's CPUID says),
 * the I/O APIC, and the interrupt source overrides.
 *
 * <pre>
 *  0 header (36)   36 Local Interrupt Controller Address (4)   40 Flags (4)   44 structures...
 * Processor Local APIC (5.2.12.2): 0 Type 0, 1 Length 8, 2 ACPI Processor UID, 3 APIC ID, 4 Flags (4)
 * I/O APIC (5.2.12.3):             0 Type 1, 1 Length 12, 2 I/O APIC ID, 3 Reserved, 4 Address (4), 8 GSI Base (4)
 * Interrupt Source Override (5.2.12.5): 0 Type 2, 1 Length 10, 2 Bus 0 (ISA), 3 Source, 4 GSI (4), 8 Flags (2)
 * </pre>
 */
public final class Madt {
    private Madt() {}

    public static final String SIGNATURE = "APIC";
    public static final int REVISION = 6;

    static final int LOCAL_APIC_ADDRESS = 36;
    static final int FLAGS = 40;
    static final int STRUCTURES = 44;

    /** Flags: the PC's dual 8259s are present too (KVM_CREATE_IRQCHIP makes them). */
    public static final int PCAT_COMPAT = 1;

    static final int TYPE_LOCAL_APIC = 0;
    static final int TYPE_IO_APIC = 1;
    static final int TYPE_INTERRUPT_SOURCE_OVERRIDE = 2;
    static final int LOCAL_APIC_LENGTH = 8;
    static final int IO_APIC_LENGTH = 12;
    static final int OVERRIDE_LENGTH = 10;
    /** Local APIC flags: usable now. */
    static final int LOCAL_APIC_ENABLED = 1;

    /**
     * APIC IDs go up to 254 in a Processor Local APIC structure (0xff is the broadcast ID, and
     * Linux skips it); more CPUs would need Processor Local x2APIC structures (5.2.12.12).
     */
    public static final int MAX_CPUS = 255;

    /**
     * The IOAPIC ID the MADT declares: 0, what the ID register of KVM's IOAPIC reads after
     * reset, and QEMU's choice. 64-bit Linux only checks it is unique among IOAPICs.
     */
    public static final int IO_APIC_ID = 0;

    public static int length(int cpus, int overrides) {
        return STRUCTURES + cpus * LOCAL_APIC_LENGTH + IO_APIC_LENGTH + overrides * OVERRIDE_LENGTH;
    }

    public static byte[] build(int cpus, List<InterruptSourceOverride> overrides) {
        if (cpus < 1 || cpus > MAX_CPUS) throw new IllegalArgumentException("the MADT describes 1 to " + MAX_CPUS + " CPUs: " + cpus);
        ByteBuffer b = SdtHeader.begin(SIGNATURE, length(cpus, overrides.size()), REVISION, "JKVMAPIC");
        b.putInt(LOCAL_APIC_ADDRESS, (int) Layout.LOCAL_APIC_ADDR);
        b.putInt(FLAGS, PCAT_COMPAT);
        int at = STRUCTURES;
        for (int cpu = 0; cpu < cpus; cpu++) {
            b.put(at, (byte) TYPE_LOCAL_APIC);
            b.put(at + 1, (byte) LOCAL_APIC_LENGTH);
            b.put(at + 2, (byte) cpu); // ACPI Processor UID
            b.put(at + 3, (byte) cpu); // APIC ID: CpuidTable gives vCPU i the APIC ID i
            b.putInt(at + 4, LOCAL_APIC_ENABLED);
            at += LOCAL_APIC_LENGTH;
        }
        b.put(at, (byte) TYPE_IO_APIC);
        b.put(at + 1, (byte) IO_APIC_LENGTH);
        b.put(at + 2, (byte) IO_APIC_ID);
        b.putInt(at + 4, (int) Layout.IO_APIC_ADDR);
        b.putInt(at + 8, 0); // Global System Interrupt Base: its pins are GSIs 0-23
        at += IO_APIC_LENGTH;
        for (InterruptSourceOverride o : overrides) {
            b.put(at, (byte) TYPE_INTERRUPT_SOURCE_OVERRIDE);
            b.put(at + 1, (byte) OVERRIDE_LENGTH);
            b.put(at + 2, (byte) 0); // Bus: ISA
            b.put(at + 3, (byte) o.source());
            b.putInt(at + 4, o.gsi());
            b.putShort(at + 8, (short) o.flags());
            at += OVERRIDE_LENGTH;
        }
        return SdtHeader.finish(b);
    }
}
