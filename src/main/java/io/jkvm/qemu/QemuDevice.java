package io.jkvm.qemu;

import io.jkvm.boot.PcPorts;


/** A {@code -device} jkvm has, with its properties. */
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
}
