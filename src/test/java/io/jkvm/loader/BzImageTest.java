package io.jkvm.loader;

import io.jkvm.boot.Layout;
import io.jkvm.JkvmException;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BzImageTest {
    /** Debian bookworm's linux-image-6.1.0-N-cloud-amd64, as scripts/fetch-test-kernel.sh caches it. */
    @Test
    void debianCloudKernel() {
        BzImage k = BzImage.parse(TestKernel.bzImage());
        System.out.println("Debian kernel: " + k + ", pref_address 0x" + Long.toHexString(k.prefAddress()));

        assertEquals(0x020F, k.protocolVersion(), "boot protocol 2.15");
        assertTrue(k.hasEntry64(), "XLF_KERNEL_64");
        assertEquals(SetupHeader.XLF_KERNEL_64 | SetupHeader.XLF_CAN_BE_LOADED_ABOVE_4G,
                k.xloadflags() & 0x3, "64-bit entry, loadable above 4 GiB");
        assertTrue(k.relocatable());
        assertEquals(0x20_0000, k.kernelAlignment(), "CONFIG_PHYSICAL_ALIGN");
        assertEquals(0x100_0000, k.prefAddress(), "CONFIG_PHYSICAL_START");
        assertEquals(k.prefAddress(), k.loadAddress());
        assertEquals(0x7FF, k.cmdlineSize(), "COMMAND_LINE_SIZE - 1");
        assertEquals(0x7FFF_FFFF, k.initrdAddrMax());
        assertEquals(k.prefAddress() + SetupHeader.ENTRY_64_OFFSET, k.entry64());
        assertTrue((k.loadflags() & SetupHeader.LOADED_HIGH) != 0);

        assertNotEquals(PayloadFormat.UNKNOWN, k.payloadFormat());
        // The kernel's own config names the compression; the magic must agree with it.
        TestKernel.config().ifPresent(config -> {
            Matcher m = Pattern.compile("(?m)^CONFIG_KERNEL_(GZIP|XZ|LZMA|LZ4|ZSTD|BZIP2|LZO)=y$").matcher(config);
            assertTrue(m.find(), "config names a compression");
            assertEquals(PayloadFormat.valueOf(m.group(1)), k.payloadFormat());
        });

        // init_size covers the decompressed kernel: more than the bzImage, less than 512 MiB.
        assertTrue(k.initSize() > k.kernelSize(), "init_size 0x" + Long.toHexString(k.initSize()));
        assertTrue(k.initSize() < (512L << 20));
        assertTrue(k.payloadUncompressedSize() > k.payloadLength(), "the payload is compressed");
        assertTrue(k.payloadUncompressedSize() <= k.initSize(), "the vmlinux fits in init_size");
        assertEquals(k.headerEnd() - SetupHeader.START, k.setupHeader().length);
    }

    @Test
    void syntheticHeader() {
        BzImage k = BzImage.parse(SyntheticImages.bytes(SyntheticImages.bzImage()));
        assertEquals(0x020F, k.protocolVersion());
        assertEquals(4, k.setupSects());
        assertEquals(5 * 512, k.setupSize());
        assertEquals(0x26C, k.headerEnd());
        assertEquals(0x100_0000, k.loadAddress());
        assertEquals(0x100_0000 + 0x40_0000, k.footprintEnd());
        assertEquals(PayloadFormat.LZ4, k.payloadFormat());
        assertEquals(5 * 512 + SyntheticImages.PAYLOAD_OFFSET, k.payloadFileOffset());
        assertEquals(SyntheticImages.KERNEL_SIZE, k.kernelSize());
        assertEquals("2.15", SetupHeader.versionString(k.protocolVersion()));
        assertEquals("2.06", SetupHeader.versionString(0x0206));
    }

    @Test
    void setupSectsZeroMeansFour() {
        ByteBuffer b = SyntheticImages.bzImage();
        b.put(SetupHeader.SETUP_SECTS, (byte) 0);
        assertEquals(4, BzImage.parse(SyntheticImages.bytes(b)).setupSects());
    }

    @Test
    void detectsEveryPayloadFormat() {
        Object[][] cases = {
                {PayloadFormat.GZIP, new int[] {0x1f, 0x8b, 0x08}},
                {PayloadFormat.XZ, new int[] {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00}},
                {PayloadFormat.LZMA, new int[] {0x5d, 0x00, 0x00, 0x80}},
                {PayloadFormat.LZ4, new int[] {0x02, 0x21, 0x4c, 0x18}},
                {PayloadFormat.ZSTD, new int[] {0x28, 0xb5, 0x2f, 0xfd}},
                {PayloadFormat.BZIP2, new int[] {0x42, 0x5a, 0x68, 0x39}},
                {PayloadFormat.LZO, new int[] {0x89, 0x4c, 0x5a, 0x4f}},
                {PayloadFormat.UNKNOWN, new int[] {0x7f, 0x45, 0x4c, 0x46}},
        };
        for (Object[] c : cases) {
            ByteBuffer b = SyntheticImages.bzImage();
            int[] magic = (int[]) c[1];
            for (int i = 0; i < magic.length; i++) b.put(5 * 512 + SyntheticImages.PAYLOAD_OFFSET + i, (byte) magic[i]);
            assertEquals(c[0], BzImage.parse(SyntheticImages.bytes(b)).payloadFormat(), c[0].toString());
        }
    }

    @Test
    void notABzImage() {
        assertEquals("not a bzImage: no \"HdrS\" setup header at offset 0x202 (not a Linux kernel, or one older than 1.3.73)",
                error(b -> b.putInt(SetupHeader.HEADER, 0x12345678)));
        assertEquals("not a bzImage: no boot sector signature 0xAA55 at offset 0x1FE",
                error(b -> b.putShort(SetupHeader.BOOT_FLAG, (short) 0)));
        assertEquals("not a bzImage: 100 bytes is too short for a Linux setup header",
                assertThrows(JkvmException.class, () -> BzImage.parse(new byte[100])).getMessage());
        assertTrue(error(b -> b.put(SetupHeader.LOADFLAGS, (byte) 0)).startsWith("not a bzImage: a zImage"));
    }

    @Test
    void oldProtocol() {
        assertEquals("Linux boot protocol 2.05 is too old: jkvm needs 2.06 or later (Linux 2.6.22+)",
                error(b -> b.putShort(SetupHeader.VERSION, (short) 0x0205)));
    }

    @Test
    void not64Bit() {
        ByteBuffer b = SyntheticImages.bzImage();
        b.putShort(SetupHeader.XLOADFLAGS, (short) 0);
        BzImage k = BzImage.parse(SyntheticImages.bytes(b));
        assertFalse(k.hasEntry64());
        JkvmException e = assertThrows(JkvmException.class, k::entry64);
        assertEquals("this bzImage has no 64-bit entry point (protocol 2.15, xloadflags 0x0 without XLF_KERNEL_64): jkvm boots x86-64 kernels",
                e.getMessage());
        // Protocol 2.10 has no xloadflags at all: no 64-bit entry either.
        ByteBuffer old = SyntheticImages.bzImage();
        old.putShort(SetupHeader.VERSION, (short) 0x020A);
        assertFalse(BzImage.parse(SyntheticImages.bytes(old)).hasEntry64());
    }

    @Test
    void protocolBefore210LoadsAtOneMiB() {
        ByteBuffer b = SyntheticImages.bzImage();
        b.putShort(SetupHeader.VERSION, (short) 0x0208);
        BzImage k = BzImage.parse(SyntheticImages.bytes(b));
        assertEquals(0, k.prefAddress());
        assertEquals(0, k.initSize());
        assertEquals(Layout.LINUX_LEGACY_LOAD_ADDR, k.loadAddress());
        assertEquals(PayloadFormat.LZ4, k.payloadFormat(), "payload fields exist since 2.08");
    }

    @Test
    void corruptFields() {
        assertTrue(error(b -> b.putInt(SetupHeader.PAYLOAD_LENGTH, 0x10_0000)).startsWith("corrupt bzImage: payload"));
        assertTrue(error(b -> b.put(SetupHeader.SETUP_SECTS, (byte) 200)).startsWith("corrupt bzImage: 200 setup sectors"));
        assertTrue(error(b -> b.putLong(SetupHeader.PREF_ADDRESS, 0x1234)).startsWith("corrupt bzImage: pref_address"));
        assertTrue(error(b -> b.put(SetupHeader.JUMP + 1, (byte) 0x10)).startsWith("corrupt bzImage: setup header ends"));
    }

    @Test
    void loadCopiesTheProtectedModeKernel() {
        byte[] image = SyntheticImages.bytes(SyntheticImages.bzImage());
        BzImage k = BzImage.parse(image);
        try (GuestMemory mem = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 32L << 20)))) {
            k.load(mem);
            assertArrayEquals(Arrays.copyOfRange(image, 5 * 512, image.length), mem.read(0x100_0000, SyntheticImages.KERNEL_SIZE));
        }
        try (GuestMemory small = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 16L << 20)))) {
            JkvmException e = assertThrows(JkvmException.class, () -> k.load(small));
            assertEquals("the kernel needs guest RAM [0x1000000, 0x1400000) (init_size 4 MiB) but the guest has only 16 MiB: give it at least 20 MiB",
                    e.getMessage());
        }
    }

    /** Random damage to the header and truncation anywhere: a JkvmException or a parse, nothing else. */
    @Test
    void malformedHeadersFailCleanly() {
        byte[] good = SyntheticImages.bytes(SyntheticImages.bzImage());
        Random random = new Random(42);
        for (int round = 0; round < 20_000; round++) {
            byte[] b = good.clone();
            for (int n = 1 + random.nextInt(4); n > 0; n--) b[0x1F0 + random.nextInt(0x80)] = (byte) random.nextInt(256);
            parseOrJkvmError(b);
        }
        for (int len = 0; len < good.length; len += 7) parseOrJkvmError(Arrays.copyOf(good, len));
    }

    private static void parseOrJkvmError(byte[] b) {
        try {
            BzImage k = BzImage.parse(b);
            k.footprintEnd();
            k.payload();
            k.setupHeader();
        } catch (JkvmException expected) {
            // the one error type
        }
    }

    private interface Edit { void apply(ByteBuffer b); }

    private static String error(Edit edit) {
        ByteBuffer b = SyntheticImages.bzImage();
        edit.apply(b);
        return assertThrows(JkvmException.class, () -> BzImage.parse(SyntheticImages.bytes(b))).getMessage();
    }
}
