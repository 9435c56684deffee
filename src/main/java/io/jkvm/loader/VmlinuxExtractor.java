package io.jkvm.loader;

import io.jkvm.JkvmException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Decompresses a bzImage's payload on the host, giving the vmlinux ELF inside it (with the
 * kernel's relocation table appended, which ELF loading ignores). Guest-side decompression runs
 * at CPL0, which costs ~35 s on an emulating host (HOST-NOTES.md); the ELF can be entered at
 * its PVH or 64-bit entry instead. Handles the formats the JDK or jkvm can read: gzip and LZ4.
 */
public final class VmlinuxExtractor {
    private VmlinuxExtractor() {}

    /** Whether {@link #extract} can decompress {@code format}. */
    public static boolean supports(PayloadFormat format) {
        return format == PayloadFormat.GZIP || format == PayloadFormat.LZ4;
    }

    public static byte[] extract(BzImage kernel) {
        long size = kernel.payloadUncompressedSize();
        if (size <= 0 || size > Integer.MAX_VALUE - 8) {
            throw new JkvmException("the bzImage payload names an uncompressed size of " + size + " bytes, which jkvm cannot hold in one array");
        }
        byte[] payload = kernel.payload();
        byte[] out = switch (kernel.payloadFormat()) {
            case LZ4 -> Lz4Legacy.decompress(payload, 0, payload.length, (int) size);
            case GZIP -> gunzip(payload, (int) size);
            default -> throw new JkvmException("jkvm cannot decompress a " + kernel.payloadFormat()
                    + " kernel payload on the host yet (gzip and LZ4 only): boot the bzImage itself");
        };
        if (out.length != size) {
            throw new JkvmException("the bzImage payload decompressed to " + out.length + " bytes, not the " + size + " its trailer names");
        }
        return out;
    }

    private static byte[] gunzip(byte[] payload, int size) {
        // The payload ends with the 4-byte size the kernel build appended after the gzip member.
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(payload, 0, payload.length - 4))) {
            byte[] out = in.readNBytes(size);
            if (in.read() != -1) throw new JkvmException("the gzip payload is longer than the " + size + " bytes its trailer names");
            return out;
        } catch (IOException e) {
            throw new JkvmException("corrupt gzip payload: " + e.getMessage(), e);
        }
    }
}
