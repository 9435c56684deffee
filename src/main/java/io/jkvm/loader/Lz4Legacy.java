package io.jkvm.loader;

import io.jkvm.JkvmException;

import java.util.Arrays;

/**
 * Decompresses the LZ4 legacy frame format ({@code lz4 -l}), which Linux uses for
 * CONFIG_KERNEL_LZ4 payloads (Debian's cloud kernels among them), so jkvm can extract the
 * vmlinux from a bzImage on the host instead of letting the guest decompress itself.
 *
 * <pre>
 * frame:  u32 0x184C2102 | { u32 compressed size | LZ4 block } ... | u32 (Linux: uncompressed size)
 * block:  sequences of  token (literal length << 4 | match length - 4)
 *                       [255 ... extra literal length] literals
 *                       u16 offset  [255 ... extra match length]
 *         the last sequence has literals only.
 * </pre>
 *
 * (lz4 lib/lz4_Block_format.md and lz4_Frame_format.md "Legacy frame"; Linux
 * lib/decompress_unlz4.c.) A size word with nothing after it ends the stream: that is the
 * uncompressed size the x86 build appends. Corrupt input is a {@link JkvmException}.
 */
public final class Lz4Legacy {
    public static final long MAGIC = 0x184C_2102L;
    /** Largest uncompressed size of one legacy block. */
    static final int BLOCK_MAX = 8 << 20;

    private Lz4Legacy() {}

    /** Decompresses {@code src[offset, offset + length)}, producing at most {@code maxOutput} bytes. */
    public static byte[] decompress(byte[] src, int offset, int length, int maxOutput) {
        if (!LittleEndian.inside(src.length, offset, length)) throw new IllegalArgumentException("range outside the array");
        int end = offset + length;
        if (length < 4 || LittleEndian.u32(src, offset, "LZ4 magic") != MAGIC) {
            throw new JkvmException("not an LZ4 legacy stream (no magic 02 21 4c 18)");
        }
        byte[] out = new byte[Math.min(maxOutput, Math.max(1 << 16, length * 4))];
        int op = 0;
        int ip = offset + 4;
        while (end - ip >= 4) {
            long size = LittleEndian.u32(src, ip, "LZ4 block size");
            ip += 4;
            if (size == MAGIC) continue;               // concatenated frames
            if (ip == end) break;                      // the appended uncompressed size
            if (size == 0 || size > end - ip) throw corrupt("block of " + size + " bytes runs past the input", ip);
            if (out.length - op < BLOCK_MAX && out.length < maxOutput) {
                out = Arrays.copyOf(out, (int) Math.min(maxOutput, Math.max((long) out.length * 2, (long) op + BLOCK_MAX)));
            }
            op = block(src, ip, ip + (int) size, out, op);
            ip += (int) size;
        }
        if (ip != end) throw corrupt(end - ip + " stray bytes at the end", ip);
        return Arrays.copyOf(out, op);
    }

    /** Decodes one block into out[op...]; returns the new output position. */
    private static int block(byte[] src, int ip, int end, byte[] out, int op) {
        while (true) {
            if (ip >= end) throw corrupt("block ends inside a sequence", ip);
            int token = src[ip++] & 0xff;
            int literals = token >>> 4;
            if (literals == 15) {
                int b;
                do {
                    if (ip >= end) throw corrupt("literal length runs past the block", ip);
                    b = src[ip++] & 0xff;
                    literals += b;
                    if (literals < 0) throw corrupt("literal length overflows", ip);
                } while (b == 255);
            }
            if (literals > end - ip) throw corrupt("literals run past the block", ip);
            if (literals > out.length - op) throw corrupt("output exceeds " + out.length + " bytes", ip);
            System.arraycopy(src, ip, out, op, literals);
            ip += literals;
            op += literals;
            if (ip == end) return op;                  // the last sequence: literals only
            if (end - ip < 2) throw corrupt("match offset runs past the block", ip);
            int distance = (src[ip] & 0xff) | (src[ip + 1] & 0xff) << 8;
            ip += 2;
            if (distance == 0 || distance > op) throw corrupt("match offset " + distance + " points before the output", ip);
            int match = (token & 0xf) + 4;
            if ((token & 0xf) == 15) {
                int b;
                do {
                    if (ip >= end) throw corrupt("match length runs past the block", ip);
                    b = src[ip++] & 0xff;
                    match += b;
                    if (match < 0) throw corrupt("match length overflows", ip);
                } while (b == 255);
            }
            if (match > out.length - op) throw corrupt("output exceeds " + out.length + " bytes", ip);
            int from = op - distance;
            if (distance >= match) {
                System.arraycopy(out, from, out, op, match);
                op += match;
            } else {
                for (int i = 0; i < match; i++) out[op++] = out[from + i];  // overlapping: a repeat
            }
        }
    }

    private static JkvmException corrupt(String what, int at) {
        return new JkvmException("corrupt LZ4 data at input offset " + at + ": " + what);
    }
}
