package io.jkvm.loader;

import io.airlift.compress.v3.zstd.ZstdJavaCompressor;
import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** jkvm's zstd decoder against the reference compressor (the zstd tool, where installed) and aircompressor's. */
class ZstdTest {
    private static final byte[] VMLINUX = HostDecompressionTest.vmlinux(512 * 1024, 1);

    @Test
    void everyLevelThroughAPipe() {
        for (String level : List.of("-1", "-3", "-9", "-19")) {
            assertRoundTrip(VMLINUX, tool(VMLINUX, level));
        }
        assertRoundTrip(VMLINUX, tool(VMLINUX, "-22", "--ultra"));
    }

    @Test
    void fromAFileTheFrameNamesItsSize() throws IOException {
        byte[] zstd = toolOnFile(VMLINUX, "-19");
        assertEquals(VMLINUX.length, Zstd.frameContentSize(zstd, 0, zstd.length));
        assertRoundTrip(VMLINUX, zstd);
        byte[] piped = tool(VMLINUX, "-3");
        assertEquals(-1, Zstd.frameContentSize(piped, 0, piped.length));
    }

    @Test
    void withoutChecksum() {
        byte[] zstd = tool(VMLINUX, "-9", "--no-check");
        assertEquals(0, zstd[4] & 0x04, "no checksum flag");
        assertRoundTrip(VMLINUX, zstd);
    }

    @Test
    void matchesFurtherBackThan8MiB() {
        // 24 MiB: 10 MiB of data, 4 MiB of other data, then the first 10 MiB again, so the long
        // matches reach back 14 MiB, beyond the 8 MiB window most decoders stop at.
        byte[] first = HostDecompressionTest.vmlinux(10 << 20, 2);
        byte[] other = HostDecompressionTest.vmlinux(4 << 20, 3);
        byte[] data = new byte[24 << 20];
        System.arraycopy(first, 0, data, 0, first.length);
        System.arraycopy(other, 0, data, first.length, other.length);
        System.arraycopy(first, 0, data, first.length + other.length, first.length);
        byte[] zstd = tool(data, "-3", "--long=27");
        assertEquals(27, 10 + ((zstd[5] & 0xff) >>> 3), "window log");
        assertTrue(zstd.length < 20 << 20, "the repeat was found: " + zstd.length + " bytes");
        long t0 = System.nanoTime();
        assertRoundTrip(data, zstd);
        System.out.printf("24 MiB decompressed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void blockKinds() {
        byte[] zeros = new byte[1 << 20];                   // RLE blocks, or offset-1 matches
        byte[] noise = new byte[300_000];                    // raw blocks
        new Random(5).nextBytes(noise);
        byte[] text = "the quick brown fox jumps over the lazy dog; ".repeat(5000).getBytes(StandardCharsets.US_ASCII);
        for (byte[] data : List.of(zeros, noise, text, new byte[0], new byte[] {42}, "hello".getBytes(StandardCharsets.US_ASCII))) {
            for (String level : List.of("-1", "-19")) {
                assertRoundTrip(data, tool(data, level));
            }
        }
    }

    @Test
    void aircompressorFrames() {
        Random r = new Random(9);
        for (int size : new int[] {0, 1, 100, 4096, 131_072, 131_073, 1 << 20}) {
            byte[] data = HostDecompressionTest.vmlinux(size, r.nextLong());
            assertRoundTrip(data, airCompress(data));
        }
    }

    @Test
    void concatenatedAndSkippableFrames() {
        byte[] a = Arrays.copyOf(VMLINUX, 200_000);
        byte[] b = Arrays.copyOfRange(VMLINUX, 200_000, VMLINUX.length);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(airCompress(a));
        stream.writeBytes(new byte[] {0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3});  // skippable frame, 3 bytes
        stream.writeBytes(airCompress(b));
        assertRoundTrip(VMLINUX, stream.toByteArray());
    }

    @Test
    void checksumIsVerified() {
        byte[] zstd = tool(VMLINUX, "-3");
        assertTrue((zstd[4] & 0x04) != 0, "the tool writes a checksum");
        zstd[zstd.length - 1] ^= 1;
        assertTrue(rejected(zstd, VMLINUX.length).contains("content checksum"));
    }

    @Test
    void xxh64() {
        assertEquals(0xEF46DB3751D8E999L, Zstd.xxh64(new byte[0], 0, 0));
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x44BC2CF5AD770999L, Zstd.xxh64(abc, 0, 3));
        byte[] big = new byte[1000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + 7);
        assertEquals(0x99594F4828043D35L, Zstd.xxh64(big, 0, 1000));   // 32-byte stripes, then the tail
        assertEquals(0x5EE2A51758DE8DF2L, Zstd.xxh64(big, 3, 37));
    }

    @Test
    void refusals() {
        assertTrue(rejected(new byte[] {1, 2, 3, 4, 5, 6}, 100).contains("no zstd frame magic"));
        // A frame needing dictionary 7 (descriptor: single segment, 1-byte dictionary id, 1-byte size).
        byte[] dict = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x21, 7, 10, 1, 0, 0};
        assertTrue(rejected(dict, 100).contains("dictionary 7"));
        byte[] zstd = airCompress(VMLINUX);
        assertTrue(rejected(zstd, VMLINUX.length - 1).contains("output exceeds " + (VMLINUX.length - 1) + " bytes"));
        assertTrue(rejected(Arrays.copyOf(zstd, zstd.length + 3), VMLINUX.length).contains("stray bytes"));
    }

    /** Damaged streams decode or fail with a JkvmException: never another exception, never a hang. */
    @Test
    void damagedStreamsFailCleanly() {
        Random r = new Random(11);
        List<byte[]> streams = List.of(tool(VMLINUX, "-3", "--no-check"), tool(VMLINUX, "-19"), airCompress(VMLINUX),
                tool(Arrays.copyOf(VMLINUX, 5000), "-19", "--no-check"));
        int failures = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] zstd = streams.get(i % streams.size()).clone();
            int damage = r.nextInt(3);
            if (damage == 0) {
                zstd[4 + r.nextInt(zstd.length - 4)] ^= (byte) (1 << r.nextInt(8));
            } else if (damage == 1) {
                for (int k = 0; k < 8; k++) zstd[4 + r.nextInt(zstd.length - 4)] = (byte) r.nextInt(256);
            } else {
                zstd = Arrays.copyOf(zstd, 4 + r.nextInt(zstd.length - 4));
            }
            try {
                Zstd.decompress(zstd, 0, zstd.length, VMLINUX.length);
            } catch (JkvmException e) {
                failures++;
                assertTrue(e.getMessage().startsWith("corrupt zstd data at input offset "), e.getMessage());
            } catch (RuntimeException e) {
                fail("damage " + i + ": " + e, e);
            }
        }
        assertTrue(failures > 2500, failures + " of 3000 damaged streams were refused");
    }

    // ---- helpers ----

    private static void assertRoundTrip(byte[] data, byte[] zstd) {
        assertArrayEquals(data, Zstd.decompress(zstd, 0, zstd.length, data.length));
    }

    private static String rejected(byte[] zstd, int capacity) {
        return assertThrows(JkvmException.class, () -> Zstd.decompress(zstd, 0, zstd.length, capacity)).getMessage();
    }

    private static byte[] airCompress(byte[] data) {
        ZstdJavaCompressor zstd = new ZstdJavaCompressor();
        byte[] out = new byte[zstd.maxCompressedLength(data.length)];
        return Arrays.copyOf(out, zstd.compress(data, 0, data.length, out, 0, out.length));
    }

    private static byte[] toolOnFile(byte[] data, String... options) throws IOException {
        assumeTrue(CompressorTools.onPath("zstd"), "zstd is not installed");
        Path file = Files.createTempFile("jkvm-zstd", ".bin");
        try {
            Files.write(file, data);
            List<String> command = new ArrayList<>(List.of("zstd", "-q", "-c"));
            command.addAll(List.of(options));
            command.add(file.toString());
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream stdout = p.getInputStream()) {
                out = stdout.readAllBytes();
            }
            assertEquals(0, p.waitFor(), String.join(" ", command));
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The data through {@code zstd -c} from a pipe, as the kernel build runs it (skipped without the tool). */
    static byte[] tool(byte[] data, String... options) {
        return CompressorTools.pipe(data, CompressorTools.command("zstd", List.of("-q", "-c"), options));
    }


}
