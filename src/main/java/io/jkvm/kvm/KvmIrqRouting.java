package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_irq_routing} (api.rst, KVM_SET_GSI_ROUTING): an 8-byte header
 * {@code { u32 nr; u32 flags; }} followed by {@code nr} 48-byte entries:
 * <pre>
 *   struct kvm_irq_routing_entry
 *   0     4      8       12    16                                   48
 *   | gsi | type | flags | pad | union u (32 bytes)                 |
 *                               irqchip: | irqchip | pin |
 *                               msi:     | address_lo | address_hi | data | devid |
 * </pre>
 * The table passed REPLACES the VM's whole routing table (KVM's default one included).
 */
public final class KvmIrqRouting {
    public static final int KVM_IRQ_ROUTING_IRQCHIP = 1;
    public static final int KVM_IRQ_ROUTING_MSI = 2;
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;
    /** KVM_MAX_IRQ_ROUTES (include/linux/kvm_host.h, x86): the most entries KVM takes. */
    public static final int KVM_MAX_IRQ_ROUTES = 4096;

    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("nr"), JAVA_INT.withName("flags")).withName("kvm_irq_routing");
    public static final StructLayout ENTRY = MemoryLayout.structLayout(
            JAVA_INT.withName("gsi"), JAVA_INT.withName("type"), JAVA_INT.withName("flags"), JAVA_INT.withName("pad"),
            MemoryLayout.unionLayout(
                    MemoryLayout.structLayout(JAVA_INT.withName("irqchip"), JAVA_INT.withName("pin")).withName("irqchip"),
                    MemoryLayout.structLayout(JAVA_INT.withName("address_lo"), JAVA_INT.withName("address_hi"),
                            JAVA_INT.withName("data"), JAVA_INT.withName("devid")).withName("msi"),
                    MemoryLayout.sequenceLayout(8, JAVA_INT).withName("pad")).withName("u"))
            .withName("kvm_irq_routing_entry");
    public static final long HEADER_SIZE = HEADER.byteSize();
    public static final long ENTRY_SIZE = ENTRY.byteSize();
    public static final long NR = HEADER.byteOffset(groupElement("nr"));
    public static final long GSI = ENTRY.byteOffset(groupElement("gsi"));
    public static final long TYPE = ENTRY.byteOffset(groupElement("type"));
    public static final long U_IRQCHIP = ENTRY.byteOffset(groupElement("u"), groupElement("irqchip"), groupElement("irqchip"));
    public static final long U_PIN = ENTRY.byteOffset(groupElement("u"), groupElement("irqchip"), groupElement("pin"));
    public static final long U_ADDRESS_LO = ENTRY.byteOffset(groupElement("u"), groupElement("msi"), groupElement("address_lo"));
    public static final long U_ADDRESS_HI = ENTRY.byteOffset(groupElement("u"), groupElement("msi"), groupElement("address_hi"));
    public static final long U_DATA = ENTRY.byteOffset(groupElement("u"), groupElement("msi"), groupElement("data"));

    private KvmIrqRouting() {}

    /** A zeroed {@code struct kvm_irq_routing} holding {@code routes}, in order. */
    public static MemorySegment encode(SegmentAllocator allocator, List<GsiRoute> routes) {
        if (routes.size() > KVM_MAX_IRQ_ROUTES) {
            throw new IllegalArgumentException(routes.size() + " GSI routes; KVM takes at most " + KVM_MAX_IRQ_ROUTES);
        }
        MemorySegment s = allocator.allocate(HEADER_SIZE + ENTRY_SIZE * routes.size(), 8);
        s.fill((byte) 0);
        s.set(JAVA_INT, NR, routes.size());
        for (int i = 0; i < routes.size(); i++) {
            long e = HEADER_SIZE + ENTRY_SIZE * i;
            GsiRoute route = routes.get(i);
            s.set(JAVA_INT, e + GSI, route.gsi());
            switch (route) {
                case GsiRoute.Irqchip r -> {
                    s.set(JAVA_INT, e + TYPE, KVM_IRQ_ROUTING_IRQCHIP);
                    s.set(JAVA_INT, e + U_IRQCHIP, r.irqchip());
                    s.set(JAVA_INT, e + U_PIN, r.pin());
                }
                case GsiRoute.Msi m -> {
                    s.set(JAVA_INT, e + TYPE, KVM_IRQ_ROUTING_MSI);
                    s.set(JAVA_INT, e + U_ADDRESS_LO, (int) m.address());
                    s.set(JAVA_INT, e + U_ADDRESS_HI, (int) (m.address() >>> 32));
                    s.set(JAVA_INT, e + U_DATA, m.data());
                }
            }
        }
        return s;
    }
}
