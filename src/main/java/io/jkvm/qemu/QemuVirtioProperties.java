package io.jkvm.qemu;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The properties qemu-system-x86_64 7.2 has for the virtio drivers jkvm has ({@code -device DRIVER,help}
 * of the 7.2.22 binary, plus {@code bus}, which qdev-monitor.c takes for every device): a property QEMU
 * knows and jkvm does not take is "not supported by jkvm"; one QEMU does not know either is QEMU's
 * "Property 'DRIVER.NAME' not found".
 */
final class QemuVirtioProperties {
    private QemuVirtioProperties() {}

    /** Every virtio device's (hw/virtio/virtio.c virtio_properties and the transport-independent feature bits). */
    private static final List<String> VIRTIO = List.of("any_layout", "event_idx", "indirect_desc", "iommu_platform",
            "notify_on_empty", "packed", "queue_reset", "use-disabled-flag", "use-started", "x-disable-legacy-check", "bus");

    /** A virtio-pci proxy's (hw/virtio/virtio-pci.c, hw/pci/pci.c). */
    private static final List<String> PCI = List.of("acpi-index", "addr", "aer", "ats", "disable-legacy", "disable-modern",
            "failover_pair_id", "ioeventfd", "migrate-extra", "modern-pio-notify", "multifunction", "page-per-vq", "rombar",
            "romfile", "romsize", "vectors", "virtio-backend", "virtio-pci-bus-master-bug-migration", "x-ats-page-aligned",
            "x-disable-pcie", "x-ignore-backend-features", "x-pcie-deverr-init", "x-pcie-extcap-init", "x-pcie-flr-init",
            "x-pcie-lnkctl-init", "x-pcie-lnksta-dllla", "x-pcie-pm-init");

    private static final List<String> BLK = List.of("account-failed", "account-invalid", "backend_defaults", "bootindex",
            "config-wce", "cyls", "discard", "discard_granularity", "drive", "heads", "iothread", "lcyls", "lheads",
            "logical_block_size", "lsecs", "max-discard-sectors", "max-write-zeroes-sectors", "min_io_size", "num-queues",
            "opt_io_size", "physical_block_size", "queue-size", "report-discard-granularity", "request-merging", "rerror",
            "scsi", "secs", "seg-max-adjust", "serial", "share-rw", "werror", "write-cache", "write-zeroes",
            "x-enable-wce-if-config-wce");

    private static final List<String> RNG = List.of("max-bytes", "period", "rng");

    private static final List<String> SERIAL = List.of("emergency-write", "max_ports");

    private static final List<String> VIRTCONSOLE = List.of("chardev", "name", "nr", "bus");

    /** Whether QEMU 7.2's {@code driver} has the property {@code name}. */
    static boolean known(String driver, String name) {
        return of(driver).contains(name);
    }

    private static Set<String> of(String driver) {
        Set<String> s = new HashSet<>();
        if (driver.equals("virtconsole")) {
            s.addAll(VIRTCONSOLE);
            return s;
        }
        s.addAll(VIRTIO);
        if (driver.endsWith("-pci")) {
            s.addAll(PCI);
            if (!driver.startsWith("virtio-rng")) s.add("class");
        }
        if (driver.startsWith("virtio-blk")) s.addAll(BLK);
        if (driver.startsWith("virtio-rng")) s.addAll(RNG);
        if (driver.startsWith("virtio-serial")) s.addAll(SERIAL);
        return s;
    }
}
