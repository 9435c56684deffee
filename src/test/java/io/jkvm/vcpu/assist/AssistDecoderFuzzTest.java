package io.jkvm.vcpu.assist;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random bytes (seeded, so a failure repeats): the decoder never throws, never claims more than
 * {@code available} or 15 bytes, and never looks past {@code available}: changing the bytes
 * after that point never changes the answer.
 */
class AssistDecoderFuzzTest {
    private static final int ITERATIONS = 100_000;
    private static final int[] INTERESTING = {
            0x0f, 0xae, 0x01, 0xcc, 0x9b, 0xca, 0xcb, 0xe8, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
            0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x40, 0x41, 0x42, 0x43, 0x48, 0x4f, 0xc4, 0xc5, 0x24, 0x25};

    @Test
    void randomBytes() {
        SplittableRandom random = new SplittableRandom(0x6a6b766dL);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] bytes = new byte[random.nextInt(0, 20)];
            random.nextBytes(bytes);
            check(bytes, random.nextInt(-2, 22), random.nextBoolean(), random);
        }
    }

    /** Bytes drawn mostly from the prefixes and opcodes we decode, to reach the deeper paths. */
    @Test
    void nearMisses() {
        SplittableRandom random = new SplittableRandom(42);
        int decoded = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] bytes = new byte[random.nextInt(0, 20)];
            for (int j = 0; j < bytes.length; j++) {
                bytes[j] = (byte) (random.nextInt(3) == 0 ? random.nextInt(256)
                        : INTERESTING[random.nextInt(INTERESTING.length)]);
            }
            if (check(bytes, random.nextInt(-2, 22), random.nextBoolean(), random).isPresent()) decoded++;
        }
        assertTrue(decoded > 1000, "too few decodes to be a useful fuzz: " + decoded);
    }

    /** Prefixes, then 0F AE and a random ModRM (mostly reg 2 or 3), SIB and displacement: every addressing form. */
    @Test
    void randomModrmForms() {
        SplittableRandom random = new SplittableRandom(7);
        int decoded = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] bytes = new byte[random.nextInt(3, 18)];
            random.nextBytes(bytes);
            int prefixes = random.nextInt(0, Math.min(4, bytes.length - 2));
            for (int j = 0; j < prefixes; j++) {
                bytes[j] = (byte) INTERESTING[random.nextInt(8, 24)];
            }
            if (bytes.length - prefixes >= 2) {
                bytes[prefixes] = 0x0f;
                bytes[prefixes + 1] = (byte) 0xae;
            }
            if (bytes.length - prefixes >= 3 && random.nextInt(4) != 0) {   // mostly /2 or /3
                int modrm = bytes[prefixes + 2] & 0xc7;
                bytes[prefixes + 2] = (byte) (modrm | (random.nextInt(2, 4) << 3));
            }
            if (check(bytes, random.nextInt(0, 20), random.nextBoolean(), random).isPresent()) decoded++;
        }
        assertTrue(decoded > 10_000, "too few decodes to be a useful fuzz: " + decoded);
    }

    private static Optional<Assist> check(byte[] bytes, int available, boolean longMode, SplittableRandom random) {
        Optional<Assist> result;
        try {
            result = AssistDecoder.decode(bytes, available, longMode);
        } catch (RuntimeException e) {
            throw new AssertionError("threw on " + describe(bytes, available, longMode), e);
        }
        int usable = Math.max(0, Math.min(Math.min(available, bytes.length), 15));
        result.ifPresent(a -> {
            if (a.length() < 1 || a.length() > usable) {
                fail("length " + a.length() + " for " + describe(bytes, available, longMode));
            }
            if (a instanceof Assist.LoadMxcsr(int length, MemoryOperand op)) linearAddress(op, length, random);
            if (a instanceof Assist.StoreMxcsr(int length, MemoryOperand op)) linearAddress(op, length, random);
        });

        // Different bytes after `usable` (and more of them, where `available` does not reach
        // them): the same answer.
        int extra = available <= bytes.length ? random.nextInt(0, 4) : 0;
        byte[] changed = Arrays.copyOf(bytes, bytes.length + extra);
        for (int j = usable; j < changed.length; j++) changed[j] = (byte) random.nextInt(256);
        assertEquals(result, AssistDecoder.decode(changed, available, longMode), describe(bytes, available, longMode));
        return result;
    }

    private static void linearAddress(MemoryOperand op, int length, SplittableRandom random) {
        long[] gprs = new long[16];
        for (int j = 0; j < gprs.length; j++) gprs[j] = random.nextLong();
        long linear = op.linearAddress(gprs, random.nextLong(), length, random.nextLong(), random.nextLong());
        if (!op.longMode()) assertEquals(0, linear >>> 32, op.toString());
    }

    private static String describe(byte[] bytes, int available, boolean longMode) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) s.append(String.format("%02x ", b & 0xff));
        return s + "available " + available + (longMode ? " (64-bit)" : " (32-bit)");
    }
}
