package io.jkvm.config;

import io.jkvm.devices.ByteSink;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A virtio device the user asked for (jkvm's {@code --drive}, {@code --console virtio},
 * {@code --rng}; QEMU's {@code -drive if=virtio}, {@code -device virtio-*}). The machine puts
 * each on its transport in the order given: virtio-mmio slots on microvm, PCI slots on pc.
 */
public sealed interface VirtioSpec {

    /**
     * A raw disk image as a virtio-blk device (virtio 1.2 §5.2).
     *
     * @param file     the image; a regular file of a whole, non-zero number of 512-byte sectors
     * @param readOnly VIRTIO_BLK_F_RO: writes answered VIRTIO_BLK_S_IOERR, the file opened read-only
     * @param id       the drive's name (QEMU's id=), also its serial for VIRTIO_BLK_T_GET_ID
     *                 (at most 20 bytes are reported); null: none
     */
    record Drive(Path file, boolean readOnly, String id) implements VirtioSpec {
        public Drive {
            Objects.requireNonNull(file, "file");
        }
    }

    /**
     * A virtio-console with one port, which Linux calls hvc0 (virtio 1.2 §5.3).
     *
     * @param output where the guest's output goes; host input comes through the VM's console
     *               input ({@code VirtualMachine.consoleInput()})
     */
    record Console(ByteSink output) implements VirtioSpec {
        public Console {
            Objects.requireNonNull(output, "output");
        }
    }

    /**
     * A virtio-rng device fed from the host's /dev/urandom (virtio 1.2 §5.4).
     *
     * @param bytesPerSecond at most this many bytes a second reach the guest; 0: no limit
     */
    record Rng(long bytesPerSecond) implements VirtioSpec {
        public Rng {
            if (bytesPerSecond < 0) throw new IllegalArgumentException("rng rate " + bytesPerSecond);
        }
    }
}
