package io.jkvm.loader;

import io.airlift.compress.v3.bzip2.BZip2HadoopStreams;
import io.jkvm.JkvmException;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.SingleXZInputStream;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Decompresses a bzImage's payload on the host, giving the vmlinux ELF inside it (with the
 * kernel's relocation table appended, which ELF loading ignores). Guest-side decompression runs
 * at CPL0, which costs ~35 s on an emulating host (HOST-NOTES.md); the ELF can be entered at
 * its PVH or 64-bit entry instead. Handles gzip (JDK), LZ4 and zstd (jkvm's own decoders), XZ
 * and LZMA (tukaani xz) and bzip2 (aircompressor's pure-Java codec): every CONFIG_KERNEL_* but LZO.
 *
 * <p>The payload is what arch/x86/boot/compressed/Makefile writes, {@code cat compressed;
 * size_append}: one compressed stream, then the uncompressed size as a little-endian u32. Each
 * decoder gets the stream alone (the 4 size bytes cut off) and must give exactly that size.
 */
public final class VmlinuxExtractor {
    private VmlinuxExtractor() {}

    private static final int SIZE_TRAILER = 4;
    private static final int MIB = 1 << 20;
    /**
     * Dictionary a decoder may allocate beyond the output size: encoders reading a pipe do not
     * shrink their dictionary to the input (the kernel's xz uses 32 MiB, lzma -9 and xz -9 64 MiB).
     */
    private static final long DICTIONARY_ALLOWANCE = 128L * MIB;
    /** The legacy .lzma header: properties byte, u32 dictionary size, u64 uncompressed size (-1: end marker). */
    private static final int LZMA_HEADER = 13;

    /** Whether {@link #extract} can decompress {@code format}. */
    public static boolean supports(PayloadFormat format) {
        return switch (format) {
            case GZIP, LZ4, XZ, LZMA, BZIP2, ZSTD -> true;
            case LZO, UNKNOWN -> false;
        };
    }

    public static byte[] extract(BzImage kernel) {
        long size = kernel.payloadUncompressedSize();
        if (size <= 0 || size > Integer.MAX_VALUE - 8) {
            throw new JkvmException("the bzImage payload names an uncompressed size of " + size + " bytes, which jkvm cannot hold in one array");
        }
        byte[] payload = kernel.payload();
        int n = (int) size;
        byte[] out = switch (kernel.payloadFormat()) {
            case LZ4 -> Lz4Legacy.decompress(payload, 0, payload.length, n);
            case GZIP -> inflate("gzip", payload, n, GZIPInputStream::new);
            case XZ -> inflate("xz", payload, n, in -> new SingleXZInputStream(in, memoryLimitKiB(n)));
            case LZMA -> unlzma(payload, n);
            case BZIP2 -> inflate("bzip2", payload, n, in -> new BZip2HadoopStreams().createInputStream(in));
            case ZSTD -> unzstd(payload, n);
            default -> throw new JkvmException("jkvm cannot decompress a " + kernel.payloadFormat()
                    + " kernel payload on the host (gzip, LZ4, XZ, LZMA, bzip2 and zstd only): boot the bzImage itself");
        };
        if (out.length != size) {
            throw new JkvmException("the bzImage payload decompressed to " + out.length + " bytes, not the " + size + " its trailer names");
        }
        return out;
    }

    /** Opens a decompressing stream over the compressed bytes. */
    private interface Decoder {
        InputStream open(InputStream compressed) throws IOException;
    }

    /**
     * Reads {@code size} bytes from the decoder over the payload's stream, then one more read,
     * which must find the end of the stream: that read is also when the decoders check the
     * stream's trailer (gzip's CRC-32 and length, the xz index and footer, bzip2's stream CRC).
     */
    private static byte[] inflate(String format, byte[] payload, int size, Decoder decoder) {
        if (payload.length <= SIZE_TRAILER) throw new JkvmException("corrupt " + format + " payload: empty stream");
        try (InputStream in = decoder.open(new ByteArrayInputStream(payload, 0, payload.length - SIZE_TRAILER))) {
            byte[] out = in.readNBytes(size);
            if (out.length == size && in.read() != -1) throw longer(format, size);
            return out;
        } catch (JkvmException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw corrupt(format, e);
        }
    }

    /**
     * Legacy .lzma: the header is parsed here so the dictionary can be capped at the output size
     * (a match never reaches further back than the output's start), whatever the header claims.
     * The header's size is the real size or -1 (end marker); with a real size an end marker may
     * follow too.
     */
    private static byte[] unlzma(byte[] payload, int size) {
        int streamLength = payload.length - SIZE_TRAILER;
        if (streamLength < LZMA_HEADER) throw new JkvmException("corrupt lzma payload: " + streamLength + " bytes is shorter than the 13-byte .lzma header");
        byte props = payload[0];
        long dictSize = LittleEndian.u32(payload, 1, "lzma dictionary size");
        long headerSize = LittleEndian.u64(payload, 5, "lzma uncompressed size");
        if (headerSize != -1 && headerSize != size) {
            throw new JkvmException("the lzma payload's header names " + Long.toUnsignedString(headerSize)
                    + " uncompressed bytes, not the " + size + " its trailer names");
        }
        int dict = (int) Math.min(dictSize, size);
        return inflate("lzma", payload, size, in -> {
            in.skipNBytes(LZMA_HEADER);
            LZMAInputStream lzma = new LZMAInputStream(in, headerSize, props, dict);
            lzma.enableRelaxedEndCondition();
            return lzma;
        });
    }

    /** zstd, with jkvm's own decoder ({@link Zstd}): the frame's content size, if it names one, must be the trailer's. */
    private static byte[] unzstd(byte[] payload, int size) {
        int streamLength = payload.length - SIZE_TRAILER;
        long declared = Zstd.frameContentSize(payload, 0, streamLength);
        if (declared >= 0 && declared != size) {
            throw new JkvmException("the zstd payload's frame header names " + Long.toUnsignedString(declared)
                    + " uncompressed bytes, not the " + size + " its trailer names");
        }
        try {
            return Zstd.decompress(payload, 0, streamLength, size);
        } catch (JkvmException e) {
            throw e;
        } catch (RuntimeException e) {  // a decoder bug, not the user's: still one line
            throw corrupt("zstd", e);
        }
    }

    /**
     * Memory limit for the xz decoder, in KiB: a dictionary as large as the output or the
     * allowance, whichever is larger, and 1 MiB for the rest of its state. A corrupt header
     * cannot make it allocate gigabytes.
     */
    private static int memoryLimitKiB(int size) {
        return (int) ((Math.max(size, DICTIONARY_ALLOWANCE) + MIB) / 1024);
    }

    private static JkvmException longer(String format, int size) {
        return new JkvmException("the " + format + " payload is longer than the " + size + " bytes its trailer names");
    }

    private static JkvmException corrupt(String format, Exception e) {
        if (e instanceof MemoryLimitException m) {
            return new JkvmException("the " + format + " payload's dictionary needs " + m.getMemoryNeeded() / 1024
                    + " MiB, more than the " + m.getMemoryLimit() / 1024 + " MiB jkvm allows for it", e);
        }
        String why = e instanceof EOFException ? "truncated stream"
                : e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                : e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
        return new JkvmException("corrupt " + format + " payload: " + why, e);
    }
}
