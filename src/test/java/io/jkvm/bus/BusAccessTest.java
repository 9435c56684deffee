package io.jkvm.bus;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BusAccessTest {
    @Test
    void maskCoversTheLowBytes() {
        assertEquals(0L, BusAccess.mask(0));
        assertEquals(0L, BusAccess.mask(-3));
        assertEquals(0xffL, BusAccess.mask(1));
        assertEquals(0xffffL, BusAccess.mask(2));
        assertEquals(0xff_ffffL, BusAccess.mask(3));
        assertEquals(0xffff_ffffL, BusAccess.mask(4));
        assertEquals(-1L, BusAccess.mask(8));
        assertEquals(-1L, BusAccess.mask(100));
    }

    @Test
    void piecesAreAlignedPowersOfTwoNoWiderThanTheMaximum() {
        assertEquals(4, BusAccess.pieceSize(0, 4, 4));
        assertEquals(4, BusAccess.pieceSize(0, 8, 4), "an 8-byte access is two 4-byte pieces");
        assertEquals(4, BusAccess.pieceSize(4, 4, 4));
        assertEquals(2, BusAccess.pieceSize(0, 3, 4), "3 bytes: 2 then 1");
        assertEquals(2, BusAccess.pieceSize(2, 4, 4), "offset 2 allows 2");
        assertEquals(1, BusAccess.pieceSize(1, 2, 4), "offset 1 allows 1");
        assertEquals(1, BusAccess.pieceSize(3, 4, 4));
        assertEquals(2, BusAccess.pieceSize(6, 2, 4));
        assertEquals(1, BusAccess.pieceSize(0, 4, 1), "a byte-only region");
        assertEquals(8, BusAccess.pieceSize(0x1000, 8, 8));
    }

    @Test
    void aPieceIsNeverEmpty() {
        assertEquals(1, BusAccess.pieceSize(0, 0, 4));
        assertEquals(1, BusAccess.pieceSize(0, 4, 0));
        assertEquals(1, BusAccess.pieceSize(-4, -1, -1));
    }
}
