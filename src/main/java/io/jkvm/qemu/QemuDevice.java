package io.jkvm.qemu;

import io.jkvm.boot.PcPorts;

import java.util.Objects;


/**
 * A {@code -device} jkvm has, with its properties. {@link QemuCommandLine#devices()} lists them in the
 * order QEMU creates them, which for the virtio devices is the order they get their transports.
 */
public sealed interface QemuDevice {
    /** The QEMU driver name. */
    String driver();

    /**
     * {@code -device isa-debug-exit[,iobase=PORT][,iosize=N]}: a guest write of V to the ports
     * [iobase, iobase + iosize) exits with status {@code (V << 1) | 1}.
     */
    record IsaDebugExit(int iobase, int iosize) implements QemuDevice {
        public IsaDebugExit() {
            this(PcPorts.QEMU_DEBUG_EXIT.base(), PcPorts.QEMU_DEBUG_EXIT.length());
        }

        @Override
        public String driver() { return "isa-debug-exit"; }
    }

    /** {@code -device pc-testdev}: the kvm-unit-tests ISA test device. */
    record PcTestdev() implements QemuDevice {
        @Override
        public String driver() { return "pc-testdev"; }
    }

    /**
     * {@code -device pci-testdev[,addr=SLOT[.FN]]}: the kvm-unit-tests PCI test device; {@code devfn}
     * is {@code slot << 3 | fn}, or -1 when no addr is given (the first free slot, as QEMU).
     */
    record PciTestdev(int devfn) implements QemuDevice {
        public static final int AUTO = -1;

        public PciTestdev() {
            this(AUTO);
        }

        @Override
        public String driver() { return "pci-testdev"; }
    }

    /**
     * A virtio-blk device: {@code -device virtio-blk-pci,drive=ID} (pc) or {@code virtio-blk-device,drive=ID}
     * (microvm, virtio-mmio), or the one QEMU makes for a {@code -drive if=virtio} (always virtio-blk-pci).
     *
     * @param serial the device's {@code serial=}, which QEMU reports to the guest for VIRTIO_BLK_T_GET_ID
     *               (Linux's /sys/block/vda/serial); null when not given (QEMU then reports an empty one)
     */
    record VirtioBlk(String driver, QemuDrive drive, String serial) implements QemuDevice {
        public VirtioBlk {
            Objects.requireNonNull(driver, "driver");
            Objects.requireNonNull(drive, "drive");
        }
    }

    /**
     * {@code -device virtio-rng-pci} (pc) or {@code virtio-rng-device} (microvm), entropy from the host.
     * QEMU's rate limit lets {@code maxBytes} through in each {@code period} milliseconds.
     */
    record VirtioRng(String driver, long maxBytes, long period) implements QemuDevice {
        /** QEMU's default max-bytes (INT64_MAX): no limit. */
        public static final long NO_LIMIT = Long.MAX_VALUE;
        /** QEMU's default period, in milliseconds. */
        public static final long DEFAULT_PERIOD = 1 << 16;

        public VirtioRng {
            Objects.requireNonNull(driver, "driver");
            // QEMU takes max-bytes=0 (no entropy at all); jkvm's limit has no "none", so the parser refuses it.
            if (maxBytes < 1 || period <= 0 || period > 0xffff_ffffL) {
                throw new IllegalArgumentException("max-bytes " + maxBytes + ", period " + period);
            }
        }

        /**
         * The limit as a rate, {@code max-bytes * 1000 / period} bytes a second rounded up (a limit
         * never becomes none), or 0 for none. QEMU hands out each period's quota at once; a rate is
         * spread out, which over a period comes to the same.
         */
        public long bytesPerSecond() {
            if (maxBytes == NO_LIMIT) return 0;
            long scaled = maxBytes > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : maxBytes * 1000;
            return Math.ceilDiv(scaled, period);
        }
    }

    /**
     * {@code -device virtio-serial-pci} (pc) or {@code virtio-serial-device} (microvm) with its one
     * {@code -device virtconsole,chardev=ID}, whose chardev is {@code -chardev stdio,id=ID}: the
     * guest's hvc0 on standard input and output.
     *
     * @param chardev the id of the stdio chardev
     */
    record VirtioConsole(String driver, String chardev) implements QemuDevice {
        public VirtioConsole {
            Objects.requireNonNull(driver, "driver");
            Objects.requireNonNull(chardev, "chardev");
        }
    }
}
