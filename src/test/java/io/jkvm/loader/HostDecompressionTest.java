package io.jkvm.loader;

import io.airlift.compress.v3.bzip2.BZip2HadoopStreams;
import io.airlift.compress.v3.zstd.ZstdJavaCompressor;
import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Host-side decompression of every payload format but LZO ({@link VmlinuxExtractor}): payloads
 * made as arch/x86/boot/compressed/Makefile makes them (one compressed stream, then the
 * uncompressed size as a little-endian u32), by the libraries' own compressors and, where
 * installed, by the command-line tools the kernel build runs.
 */
class HostDecompressionTest {
    private static final byte[] VMLINUX = vmlinux(384 * 1024, 42);

    // ---- round trips through the libraries' compressors ----

    @Test
    void xzWithX86Filter() throws IOException {
        roundTrip(PayloadFormat.XZ, xz(VMLINUX, true));
    }

    @Test
    void xzWithoutFilter() throws IOException {
        roundTrip(PayloadFormat.XZ, xz(VMLINUX, false));
    }

    @Test
    void lzmaWithKnownSize() throws IOException {
        byte[] lzma = lzma(VMLINUX, VMLINUX.length);
        assertEquals(VMLINUX.length, getLong(lzma, 5), "the header names the size");
        roundTrip(PayloadFormat.LZMA, lzma);
    }

    @Test
    void lzmaWithUnknownSize() throws IOException {
        byte[] lzma = lzma(VMLINUX, -1);
        assertEquals(-1, getLong(lzma, 5), "the header names no size: the stream ends with an end marker");
        roundTrip(PayloadFormat.LZMA, lzma);
    }

    @Test
    void lzmaWithKnownSizeAndEndMarker() throws IOException {
        byte[] lzma = lzma(VMLINUX, -1);
        SyntheticImages.putLong(lzma, 5, VMLINUX.length);
        roundTrip(PayloadFormat.LZMA, lzma);
    }

    @Test
    void bzip2() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream bz = new BZip2HadoopStreams().createOutputStream(out)) {
            bz.write(VMLINUX);
        }
        roundTrip(PayloadFormat.BZIP2, out.toByteArray());
    }

    @Test
    void zstd() {
        roundTrip(PayloadFormat.ZSTD, zstd(VMLINUX));
    }

    @Test
    void gzip() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(VMLINUX);
        }
        roundTrip(PayloadFormat.GZIP, out.toByteArray());
    }

    // ---- round trips through the tools, with the kernel build's options ----

    @Test
    void xzToolAsTheKernelBuildRunsIt() {
        roundTrip(PayloadFormat.XZ, tool("xz", "--check=crc32", "--x86", "--lzma2=dict=32MiB"));
    }

    @Test
    void lzmaToolAsTheKernelBuildRunsIt() {
        byte[] lzma = tool("lzma", "-9");
        assertEquals(-1, getLong(lzma, 5), "a pipe: the header names no size");
        roundTrip(PayloadFormat.LZMA, lzma);
    }

    @Test
    void bzip2ToolAsTheKernelBuildRunsIt() {
        roundTrip(PayloadFormat.BZIP2, tool("bzip2", "-9"));
    }

    @Test
    void zstdToolAsTheKernelBuildRunsIt() {
        byte[] zstd = tool("zstd", "-22", "--ultra");
        // Read from a pipe, zstd -22 keeps its 2^27 window: the frame header's window descriptor says so.
        assertEquals(0, zstd[4] & 0x20, "no single-segment flag");
        assertEquals(27, 10 + ((zstd[5] & 0xff) >>> 3), "window log");
        roundTrip(PayloadFormat.ZSTD, zstd);
    }

    // ---- corrupt streams and wrong sizes ----

    @Test
    void truncatedStreams() throws IOException {
        for (Object[] c : compressed()) {
            byte[] stream = (byte[]) c[1];
            assertRejected((PayloadFormat) c[0], Arrays.copyOf(stream, stream.length / 2), VMLINUX.length, "corrupt ");
        }
    }

    @Test
    void flippedBytesInStreamsWithChecksums() throws IOException {
        for (Object[] c : compressed()) {
            PayloadFormat f = (PayloadFormat) c[0];
            if (f == PayloadFormat.LZMA) continue;  // .lzma streams have no checksum
            byte[] stream = ((byte[]) c[1]).clone();
            stream[stream.length / 2] ^= 0x55;
            assertRejected(f, stream, VMLINUX.length, "corrupt ");
        }
    }

    @Test
    void garbageIsCorrupt() {
        Random r = new Random(7);
        for (PayloadFormat f : List.of(PayloadFormat.XZ, PayloadFormat.LZMA, PayloadFormat.BZIP2, PayloadFormat.ZSTD)) {
            byte[] stream = new byte[4096];
            r.nextBytes(stream);
            byte[] magic = magic(f);
            System.arraycopy(magic, 0, stream, 0, magic.length);
            if (f == PayloadFormat.LZMA) SyntheticImages.putLong(stream, 5, -1);
            assertRejected(f, stream, VMLINUX.length, "");
        }
    }

    @Test
    void trailerNamesMoreThanTheStreamHolds() throws IOException {
        for (Object[] c : compressed()) {
            PayloadFormat f = (PayloadFormat) c[0];
            String expected = switch (f) {
                // These headers name the size themselves, and it disagrees with the trailer.
                case ZSTD -> "the zstd payload's frame header names " + VMLINUX.length + " uncompressed bytes, not the " + (VMLINUX.length + 1) + " its trailer names";
                case LZMA -> "the lzma payload's header names " + VMLINUX.length + " uncompressed bytes, not the " + (VMLINUX.length + 1) + " its trailer names";
                default -> "the bzImage payload decompressed to " + VMLINUX.length + " bytes, not the " + (VMLINUX.length + 1) + " its trailer names";
            };
            assertEquals(expected, assertRejected(f, (byte[]) c[1], VMLINUX.length + 1, ""), f.toString());
        }
        // Without a size in the header, the stream itself ends early.
        assertRejected(PayloadFormat.LZMA, lzma(VMLINUX, -1), VMLINUX.length + 1, "");
    }

    @Test
    void trailerNamesLessThanTheStreamHolds() throws IOException {
        for (Object[] c : compressed()) {
            PayloadFormat f = (PayloadFormat) c[0];
            String message = assertRejected(f, (byte[]) c[1], VMLINUX.length - 1, "");
            if (f == PayloadFormat.XZ || f == PayloadFormat.BZIP2 || f == PayloadFormat.GZIP) {
                assertEquals("the " + f.name().toLowerCase() + " payload is longer than the " + (VMLINUX.length - 1) + " bytes its trailer names", message);
            }
        }
        assertEquals("the lzma payload is longer than the " + (VMLINUX.length - 1) + " bytes its trailer names",
                assertRejected(PayloadFormat.LZMA, lzma(VMLINUX, -1), VMLINUX.length - 1, ""));
    }

    @Test
    void zstdFrameWithoutContentSizeAndWithA128MiBWindow() {
        // Rewrite the library's frame header the way zstd -22 --ultra writes it from a pipe: no
        // content size, a 2^27 window descriptor. Then only the output's length can disagree with the trailer.
        byte[] zstd = zstd(VMLINUX);
        int descriptor = zstd[4] & 0xff;
        assertEquals(0, descriptor & 0x03, "no dictionary id");
        boolean single = (descriptor & 0x20) != 0;
        int fcsBytes = switch (descriptor >>> 6) {
            case 0 -> single ? 1 : 0;
            case 1 -> 2;
            case 2 -> 4;
            default -> 8;
        };
        int blocks = 5 + (single ? 0 : 1) + fcsBytes;
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(zstd, 0, 4);
        frame.write(descriptor & 0x04);  // keep the checksum flag only
        frame.write((27 - 10) << 3);     // window 2^27
        frame.write(zstd, blocks, zstd.length - blocks);
        byte[] rewritten = frame.toByteArray();
        roundTrip(PayloadFormat.ZSTD, rewritten);
        assertEquals("the bzImage payload decompressed to " + VMLINUX.length + " bytes, not the " + (VMLINUX.length + 1) + " its trailer names",
                assertRejected(PayloadFormat.ZSTD, rewritten, VMLINUX.length + 1, ""));
        assertTrue(assertRejected(PayloadFormat.ZSTD, rewritten, VMLINUX.length - 1, "").endsWith("output exceeds " + (VMLINUX.length - 1) + " bytes"));
    }

    @Test
    void xzDictionaryBeyondTheMemoryLimit() throws IOException {
        LZMA2Options lzma2 = new LZMA2Options();
        lzma2.setDictSize(256 << 20);  // the header claims it; a small input never fills it
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (XZOutputStream xz = new XZOutputStream(out, new FilterOptions[] {lzma2}, XZ.CHECK_CRC32)) {
            xz.write(VMLINUX, 0, 1000);
        }
        assertEquals("the xz payload's dictionary needs 256 MiB, more than the 129 MiB jkvm allows for it",
                assertRejected(PayloadFormat.XZ, out.toByteArray(), 1000, ""));
    }

    @Test
    void supportsEveryFormatButLzo() {
        for (PayloadFormat f : PayloadFormat.values()) {
            assertEquals(f != PayloadFormat.LZO && f != PayloadFormat.UNKNOWN, VmlinuxExtractor.supports(f), f.toString());
        }
    }

    @Test
    void lzoIsRefused() {
        byte[] stream = {(byte) 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a};
        assertTrue(assertRejected(PayloadFormat.LZO, stream, 100, "").startsWith("jkvm cannot decompress a LZO kernel payload on the host"));
    }

    // ---- helpers ----

    /** Wraps the stream as a payload in a bzImage, extracts it and checks it gives VMLINUX back. */
    private static void roundTrip(PayloadFormat format, byte[] stream) {
        BzImage kernel = kernel(stream, VMLINUX.length);
        assertEquals(format, kernel.payloadFormat());
        assertEquals(VMLINUX.length, kernel.payloadUncompressedSize());
        assertTrue(VmlinuxExtractor.supports(format));
        assertArrayEquals(VMLINUX, VmlinuxExtractor.extract(kernel), format.toString());
    }

    /** Extracts the stream with the given trailer size, expects a one-line JkvmException, and returns its message. */
    private static String assertRejected(PayloadFormat format, byte[] stream, int trailerSize, String prefix) {
        BzImage kernel = kernel(stream, trailerSize);
        assertEquals(format, kernel.payloadFormat());
        String message = assertThrows(JkvmException.class, () -> VmlinuxExtractor.extract(kernel), format.toString()).getMessage();
        assertTrue(message.startsWith(prefix), format + ": " + message);
        assertFalse(message.contains("\n"), format + ": one line: " + message);
        return message;
    }

    /** A bzImage (SyntheticImages' header) whose payload is the stream and then the size, little-endian. */
    static BzImage kernel(byte[] stream, int uncompressedSize) {
        byte[] header = SyntheticImages.bytes(SyntheticImages.bzImage());
        int setup = (SyntheticImages.SETUP_SECTS + 1) * 512;
        int payloadAt = setup + SyntheticImages.PAYLOAD_OFFSET;
        byte[] image = new byte[payloadAt + stream.length + 4 + 0x100];
        System.arraycopy(header, 0, image, 0, payloadAt);
        System.arraycopy(stream, 0, image, payloadAt, stream.length);
        SyntheticImages.putInt(image, payloadAt + stream.length, uncompressedSize);
        SyntheticImages.putInt(image, SetupHeader.PAYLOAD_LENGTH, stream.length + 4);
        return BzImage.parse(image);
    }

    /** Each format's stream of VMLINUX, made by the libraries. */
    private static List<Object[]> compressed() throws IOException {
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        try (OutputStream out = new BZip2HadoopStreams().createOutputStream(bz)) {
            out.write(VMLINUX);
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(VMLINUX);
        }
        return List.of(
                new Object[] {PayloadFormat.XZ, xz(VMLINUX, true)},
                new Object[] {PayloadFormat.LZMA, lzma(VMLINUX, VMLINUX.length)},
                new Object[] {PayloadFormat.BZIP2, bz.toByteArray()},
                new Object[] {PayloadFormat.ZSTD, zstd(VMLINUX)},
                new Object[] {PayloadFormat.GZIP, gz.toByteArray()});
    }

    private static byte[] magic(PayloadFormat f) {
        return switch (f) {
            case XZ -> new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 1};  // stream flags: CRC32
            case LZMA -> new byte[] {0x5d, 0, 0, (byte) 0x80, 0};
            case BZIP2 -> new byte[] {'B', 'Z', 'h', '9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
            case ZSTD -> new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    /** An .xz stream as the kernel build makes it (CRC32 check), with or without the x86 BCJ filter. */
    private static byte[] xz(byte[] data, boolean x86) throws IOException {
        LZMA2Options lzma2 = new LZMA2Options();
        lzma2.setDictSize(1 << 20);
        FilterOptions[] filters = x86 ? new FilterOptions[] {new X86Options(), lzma2} : new FilterOptions[] {lzma2};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (XZOutputStream xz = new XZOutputStream(out, filters, XZ.CHECK_CRC32)) {
            xz.write(data);
        }
        return out.toByteArray();
    }

    /** A legacy .lzma stream; size -1 writes no size in the header and ends with an end marker. */
    private static byte[] lzma(byte[] data, long size) throws IOException {
        LZMA2Options options = new LZMA2Options();
        options.setDictSize(1 << 20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZMAOutputStream lzma = new LZMAOutputStream(out, options, size)) {
            lzma.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] zstd(byte[] data) {
        ZstdJavaCompressor zstd = new ZstdJavaCompressor();
        byte[] out = new byte[zstd.maxCompressedLength(data.length)];
        int n = zstd.compress(data, 0, data.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /** VMLINUX through a compression tool's stdin and stdout, as the kernel build pipes it (skipped if the tool is missing). */
    private static byte[] tool(String name, String... options) {
        return CompressorTools.pipe(VMLINUX, CompressorTools.command(name, List.of("-c"), options));
    }

    private static long getLong(byte[] a, int at) {
        return java.nio.ByteBuffer.wrap(a).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(at);
    }



    /**
     * Pseudo-vmlinux: an ELF header, then a mix of what a kernel image holds: x86 code with
     * relative calls (for the BCJ filter), text, zeros, random bytes and repeats of earlier parts.
     */
    static byte[] vmlinux(int length, long seed) {
        Random r = new Random(seed);
        byte[] out = new byte[length];
        byte[] elf = SyntheticImages.elf();
        System.arraycopy(elf, 0, out, 0, Math.min(elf.length, length));
        byte[] text = "Linux version 6.1.0 (gcc) #1 SMP PREEMPT_DYNAMIC kernel/sched/core.c: ".getBytes(StandardCharsets.US_ASCII);
        int i = Math.min(elf.length, length);
        while (i < length) {
            int n = Math.min(length - i, 32 + r.nextInt(4096));
            switch (r.nextInt(5)) {
                case 0 -> {  // code: call rel32 (e8), mov, push/pop, ret
                    for (int j = 0; j < n; j++) {
                        int k = r.nextInt(8);
                        out[i + j] = switch (k) {
                            case 0 -> (byte) 0xe8;
                            case 1 -> (byte) 0x48;
                            case 2 -> (byte) 0x89;
                            case 3 -> (byte) 0xc3;
                            default -> (byte) r.nextInt(256);
                        };
                    }
                }
                case 1 -> {
                    for (int j = 0; j < n; j++) out[i + j] = text[(j + r.nextInt(3)) % text.length];
                }
                case 2 -> { }  // zeros
                case 3 -> {
                    byte[] noise = new byte[n];
                    r.nextBytes(noise);
                    System.arraycopy(noise, 0, out, i, n);
                }
                default -> {
                    int from = r.nextInt(i);
                    for (int j = 0; j < n; j++) out[i + j] = out[from + j];
                }
            }
            i += n;
        }
        return out;
    }
}
