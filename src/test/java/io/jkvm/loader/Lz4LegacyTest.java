package io.jkvm.loader;

import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Lz4LegacyTest {
    /** Magic, blocks (each with its size), then the uncompressed size as Linux's build appends it. */
    private static byte[] frame(int uncompressed, byte[]... blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le32(out, 0x184C2102);
        for (byte[] b : blocks) {
            le32(out, b.length);
            out.writeBytes(b);
        }
        le32(out, uncompressed);
        return out.toByteArray();
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
    }

    @Test
    void literalsAndOverlappingMatch() {
        // "abc" then a match of 10 at distance 3 ("abcabcabca"), then literals "XYZ".
        byte[] block = {(byte) 0x36, 'a', 'b', 'c', 3, 0, (byte) 0x30, 'X', 'Y', 'Z'};
        byte[] out = Lz4Legacy.decompress(frame(16, block), 0, frame(16, block).length, 1 << 20);
        assertEquals("abcabcabcabcaXYZ", new String(out, StandardCharsets.US_ASCII));
    }

    @Test
    void longLengthsAndTwoBlocks() {
        // 300 literals (15 + 255 + 30), then a 1000-byte run of the last byte (4 + 15 + 255*3 + 216).
        byte[] lit = new byte[300];
        for (int i = 0; i < lit.length; i++) lit[i] = (byte) i;
        ByteArrayOutputStream b1 = new ByteArrayOutputStream();
        b1.write(0xFF);
        b1.write(255);
        b1.write(30);
        b1.writeBytes(lit);
        b1.write(1);
        b1.write(0);
        b1.write(255);
        b1.write(255);
        b1.write(255);
        b1.write(1000 - 4 - 15 - 765);
        b1.write(0x10);  // last sequence: 1 literal
        b1.write('!');
        byte[] block2 = {(byte) 0x20, 'o', 'k'};
        byte[] frame = frame(1303, b1.toByteArray(), block2);

        byte[] out = Lz4Legacy.decompress(frame, 0, frame.length, 1 << 20);
        byte[] expected = new byte[1303];
        System.arraycopy(lit, 0, expected, 0, 300);
        Arrays.fill(expected, 300, 1300, lit[299]);
        expected[1300] = '!';
        expected[1301] = 'o';
        expected[1302] = 'k';
        assertArrayEquals(expected, out);
    }

    @Test
    void corruptInputIsAJkvmError() {
        byte[] good = frame(16, new byte[] {(byte) 0x36, 'a', 'b', 'c', 3, 0, (byte) 0x30, 'X', 'Y', 'Z'});
        assertThrows(JkvmException.class, () -> Lz4Legacy.decompress(new byte[] {1, 2, 3, 4}, 0, 4, 100));
        byte[] badOffset = good.clone();
        badOffset[8 + 4] = 9;  // distance 9 before 3 bytes of output
        assertEquals("corrupt LZ4 data at input offset 14: match offset 9 points before the output",
                assertThrows(JkvmException.class, () -> Lz4Legacy.decompress(badOffset, 0, badOffset.length, 100)).getMessage());
        assertThrows(JkvmException.class, () -> Lz4Legacy.decompress(good, 0, good.length, 8), "output limit");
        Random random = new Random(3);
        for (int round = 0; round < 20_000; round++) {
            byte[] b = good.clone();
            b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            try {
                Lz4Legacy.decompress(b, 0, random.nextInt(b.length + 1), 64);
            } catch (JkvmException expected) {
                // the one error type
            }
        }
    }

    @Test
    void debianPayloadDecompressesToItsStatedSize() {
        BzImage k = BzImage.parse(TestKernel.bzImage());
        byte[] vmlinux = TestKernel.vmlinux();
        assertEquals(k.payloadUncompressedSize(), vmlinux.length);
        assertEquals(0x7f, vmlinux[0] & 0xff);
    }
}
