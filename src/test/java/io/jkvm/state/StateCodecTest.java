package io.jkvm.state;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateCodecTest {
    private static byte[] sample() {
        return new StateWriter()
                .beginSection("TEST", 3)
                .u8(0xab).u16(0x1234).u32(0xdeadbeef).u64(0x0102030405060708L).bool(true)
                .bytes(new byte[] {9, 8, 7})
                .beginSection("SUB ", 1).raw(new byte[] {1, 2}).endSection()
                .endSection()
                .toByteArray();
    }

    @Test
    void layoutIsExplicitLittleEndian() {
        assertEquals("54455354" + "0300" + "23000000"      // "TEST", version 3, 35-byte body
                        + "ab" + "3412" + "efbeadde" + "0807060504030201" + "01"
                        + "03000000" + "090807"
                        + "53554220" + "0100" + "02000000" + "0102",
                HexFormat.of().formatHex(sample()));
    }

    @Test
    void readsBackWhatWasWritten() {
        StateReader in = new StateReader(sample());
        assertEquals(3, in.beginSection("TEST", 5));
        assertEquals(0xab, in.u8("a"));
        assertEquals(0x1234, in.u16("b"));
        assertEquals(0xdeadbeef, in.u32("c"));
        assertEquals(0x0102030405060708L, in.u64("d"));
        assertTrue(in.bool("e"));
        assertArrayEquals(new byte[] {9, 8, 7}, in.bytes("f", 3));
        assertEquals(1, in.beginSection("SUB ", 1));
        assertArrayEquals(new byte[] {1, 2}, in.raw("g", 2));
        assertFalse(in.hasMore());
        in.endSection();
        in.endSection();
        in.end();
    }

    @Test
    void everyTruncationIsAClearError() {
        byte[] full = sample();
        for (int n = 0; n < full.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(full, n);
            StateFormatException e = assertThrows(StateFormatException.class, () -> readSample(cut), "cut at " + n);
            assertTrue(e.getMessage().startsWith("saved state"), e.getMessage());
        }
    }

    /** Any single corrupted byte is read or refused with StateFormatException, never anything else. */
    @Test
    void corruptBytesNeverThrowAnythingElse() {
        byte[] full = sample();
        for (int i = 0; i < full.length; i++) {
            for (int v : new int[] {0x00, 0x02, 0x7f, 0x80, 0xff}) {
                byte[] bad = full.clone();
                bad[i] = (byte) v;
                try {
                    readSample(bad);
                } catch (StateFormatException expected) {
                    // refused with a message
                }
            }
        }
    }

    @Test
    void unknownTagAndNewerVersionAreRefusedByName() {
        StateReader in = new StateReader(sample());
        assertEquals("saved state at byte 0: expected section 'UART', found 'TEST'",
                assertThrows(StateFormatException.class, () -> in.beginSection("UART", 1)).getMessage());
        StateFormatException e = assertThrows(StateFormatException.class, () -> new StateReader(sample()).beginSection("TEST", 2));
        assertTrue(e.getMessage().contains("version 3; this jkvm reads versions 1 to 2"), e.getMessage());
    }

    @Test
    void aHugeLengthAllocatesNothing() {
        byte[] huge = new StateWriter().beginSection("TEST", 1).u32(0x7fff_fff0).endSection().toByteArray();
        StateReader in = new StateReader(huge);
        in.beginSection("TEST", 1);
        StateFormatException e = assertThrows(StateFormatException.class, () -> in.bytes("data", Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("truncated: data needs 2147483632 byte(s), 0 left"), e.getMessage());
        StateReader capped = new StateReader(huge);
        capped.beginSection("TEST", 1);
        assertTrue(assertThrows(StateFormatException.class, () -> capped.bytes("data", 16)).getMessage()
                .contains("data has 2147483632 bytes, more than the 16 allowed"));
    }

    @Test
    void aSectionLongerThanItsParentIsRefused() {
        byte[] b = sample();
        b[6] = 0x7f; // the TEST body length's low byte: longer than the input
        assertTrue(assertThrows(StateFormatException.class, () -> new StateReader(b).beginSection("TEST", 3))
                .getMessage().contains("claims 127 bytes but only 35 follow"));
    }

    @Test
    void leftoverBytesAreRefused() {
        byte[] b = new StateWriter().beginSection("TEST", 1).u8(1).u8(2).endSection().toByteArray();
        StateReader in = new StateReader(b);
        in.beginSection("TEST", 1);
        in.u8("a");
        assertTrue(assertThrows(StateFormatException.class, in::endSection).getMessage().contains("1 unread byte(s)"));
        byte[] trailing = java.util.Arrays.copyOf(b, b.length + 1);
        StateReader t = new StateReader(trailing);
        t.beginSection("TEST", 1);
        t.u8("a");
        t.u8("b");
        t.endSection();
        assertThrows(StateFormatException.class, t::end);
    }

    @Test
    void aNonBooleanIsRefused() {
        byte[] b = new StateWriter().u8(2).toByteArray();
        assertTrue(assertThrows(StateFormatException.class, () -> new StateReader(b).bool("flag")).getMessage()
                .contains("flag = 2 is not a boolean"));
    }

    @Test
    void recordChecksBecomeFormatErrors() {
        StateReader in = new StateReader(new StateWriter().beginSection("TEST", 1).endSection().toByteArray());
        in.beginSection("TEST", 1);
        StateFormatException e = assertThrows(StateFormatException.class,
                () -> in.build(() -> { throw new IllegalArgumentException("ier = 0x10 has bits outside 0x0f"); }));
        assertEquals("saved state section 'TEST' at byte 10: ier = 0x10 has bits outside 0x0f", e.getMessage());
    }

    @Test
    void writerRefusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> new StateWriter().beginSection("TOOLONG", 1));
        assertThrows(IllegalArgumentException.class, () -> new StateWriter().beginSection("TEST", 0));
        assertThrows(IllegalArgumentException.class, () -> new StateWriter().u8(0x100));
        assertThrows(IllegalArgumentException.class, () -> new StateWriter().u16(-1));
        assertThrows(IllegalStateException.class, () -> new StateWriter().beginSection("TEST", 1).toByteArray());
        assertThrows(IllegalStateException.class, () -> new StateWriter().endSection());
    }

    private static void readSample(byte[] b) {
        StateReader in = new StateReader(b);
        in.beginSection("TEST", 3);
        in.u8("a");
        in.u16("b");
        in.u32("c");
        in.u64("d");
        in.bool("e");
        in.bytes("f", 3);
        in.beginSection("SUB ", 1);
        in.raw("g", 2);
        in.endSection();
        in.endSection();
        in.end();
    }
}
