package io.jkvm.irq;

import io.jkvm.kvm.GsiRoute;
import io.jkvm.kvm.KvmIrqRouting;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * jkvm's copy of a VM's GSI routing table. KVM_SET_GSI_ROUTING replaces the whole table, so
 * every table jkvm hands KVM starts with the routes KVM itself installs with the irqchip
 * (arch/x86/kvm/irq_comm.c {@code default_routing}): GSIs 0-15 to IOAPIC pin n and to pin n%8
 * of the master (n &lt; 8) or slave PIC, GSIs 16-23 to IOAPIC pin n. MSI routes follow, on
 * GSIs from 24 up (the lowest free one each time). Pure: no KVM here; {@link InterruptRouter}
 * applies it.
 */
public final class GsiRoutingTable {
    /** The IOAPIC's 24 pins: GSIs 0-23 are irqchip routes, never MSI ones. */
    public static final int IRQCHIP_GSIS = 24;
    private static final List<GsiRoute> DEFAULT_ROUTES = defaults();

    private final Map<Integer, MsiMessage> msi = new TreeMap<>();

    private static List<GsiRoute> defaults() {
        List<GsiRoute> routes = new ArrayList<>();
        for (int gsi = 0; gsi < IRQCHIP_GSIS; gsi++) {
            routes.add(new GsiRoute.Irqchip(gsi, KvmIrqRouting.KVM_IRQCHIP_IOAPIC, gsi));
            if (gsi < 16) {
                int pic = gsi < 8 ? KvmIrqRouting.KVM_IRQCHIP_PIC_MASTER : KvmIrqRouting.KVM_IRQCHIP_PIC_SLAVE;
                routes.add(new GsiRoute.Irqchip(gsi, pic, gsi % 8));
            }
        }
        return List.copyOf(routes);
    }

    /** KVM's default routing, as KVM_CREATE_IRQCHIP sets it up (40 entries). */
    public static List<GsiRoute> defaultRoutes() {
        return DEFAULT_ROUTES;
    }

    /** Routes {@code message} on the lowest free GSI from 24 up, and returns that GSI. */
    public synchronized int addMsi(MsiMessage message) {
        if (DEFAULT_ROUTES.size() + msi.size() >= KvmIrqRouting.KVM_MAX_IRQ_ROUTES) {
            throw new IllegalStateException("no GSI left: KVM takes at most " + KvmIrqRouting.KVM_MAX_IRQ_ROUTES + " routes");
        }
        int gsi = IRQCHIP_GSIS;
        while (msi.containsKey(gsi)) gsi++;
        msi.put(gsi, message);
        return gsi;
    }

    /** Points MSI route {@code gsi} at {@code message}. */
    public synchronized void setMsi(int gsi, MsiMessage message) {
        if (!msi.containsKey(gsi)) throw new IllegalArgumentException("GSI " + gsi + " is not an MSI route");
        msi.put(gsi, message);
    }

    /** Drops MSI route {@code gsi}; its GSI may be handed out again. */
    public synchronized void removeMsi(int gsi) {
        if (msi.remove(gsi) == null) throw new IllegalArgumentException("GSI " + gsi + " is not an MSI route");
    }

    public synchronized MsiMessage msi(int gsi) {
        return msi.get(gsi);
    }

    public synchronized int msiCount() {
        return msi.size();
    }

    /** The whole table, as KVM_SET_GSI_ROUTING takes it: the defaults, then the MSI routes by GSI. */
    public synchronized List<GsiRoute> routes() {
        List<GsiRoute> routes = new ArrayList<>(DEFAULT_ROUTES.size() + msi.size());
        routes.addAll(DEFAULT_ROUTES);
        msi.forEach((gsi, m) -> routes.add(new GsiRoute.Msi(gsi, m.address(), m.data())));
        return routes;
    }
}
