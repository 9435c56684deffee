package io.jkvm.devices.fwcfg;

import io.jkvm.memory.GuestMemory;
import io.jkvm.state.StateAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static io.jkvm.state.StateAssertions.assertSaveRestoreSave;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FwCfgStateTest {
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)));
    private final FwCfgItems items = new FwCfgBuilder()
            .addBytes(FwCfgKeys.SIGNATURE, new byte[] {'Q', 'E', 'M', 'U'})
            .addU32(FwCfgKeys.ID, 3)
            .addBytes(FwCfgKeys.HPET, new byte[] {0x11, 0x22})
            .addFile("opt/x", new byte[] {5, 6, 7, 8, 9, 10, 11, 12, 13})
            .build();
    private final int[] selectors = {FwCfgKeys.SIGNATURE, FwCfgKeys.ID, FwCfgKeys.HPET, FwCfgKeys.FILE_DIR,
        items.fileSelector("opt/x"), 0x1234};

    @AfterEach
    void close() {
        memory.close();
    }

    private String drive(FwCfg fwCfg, Random random, int steps) {
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            switch (random.nextInt(8)) {
                case 0 -> fwCfg.ioPort().write(0, 2, selectors[random.nextInt(selectors.length)]);
                case 1 -> fwCfg.dmaPort().write(0, 4, random.nextInt()); // the high half only: no operation yet
                default -> trace.append(Integer.toHexString((int) fwCfg.ioPort().read(1, 1))).append(',');
            }
        }
        return trace.toString();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomAccessesSurviveARestore(long seed) {
        FwCfg original = new FwCfg(items, memory);
        drive(original, new Random(seed), 60);
        FwCfg restored = new FwCfg(items, memory);
        assertSaveRestoreSave(original, restored, FwCfgState::readFrom);
        assertEquals(drive(original, new Random(~seed), 200), drive(restored, new Random(~seed), 200));
        assertEquals(original.state(), restored.state());
    }

    @Test
    void anOffsetPastTheItemHereIsRefused() {
        FwCfg fwCfg = new FwCfg(items, memory);
        FwCfgState before = fwCfg.state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fwCfg.restore(new FwCfgState(FwCfgKeys.HPET, 3, 0)));
        assertTrue(e.getMessage().contains("offset 3 of item 0x8004, which has 2 bytes here"), e.getMessage());
        assertEquals(before, fwCfg.state(), "a refused state leaves the device as it was");
        fwCfg.restore(new FwCfgState(FwCfgKeys.HPET, 2, 0));
        assertEquals(0, fwCfg.ioPort().read(1, 1), "at the end: reads 0");
    }

    @Test
    void resetSelectsTheSignature() {
        FwCfg fwCfg = new FwCfg(items, memory);
        fwCfg.ioPort().write(0, 2, FwCfgKeys.ID);
        fwCfg.ioPort().read(1, 1);
        fwCfg.dmaPort().write(0, 4, 0x01000000);
        fwCfg.reset();
        assertEquals(new FwCfgState(FwCfgKeys.SIGNATURE, 0, 0), fwCfg.state());
        assertEquals('Q', fwCfg.ioPort().read(1, 1));
    }

    @Test
    void corruptOrTruncatedStateIsRefused() {
        FwCfg fwCfg = new FwCfg(items, memory);
        drive(fwCfg, new Random(5), 40);
        byte[] bytes = StateAssertions.encode(fwCfg.state());
        StateAssertions.assertTruncationsRefused(bytes, FwCfgState::readFrom);
        StateAssertions.assertCorruptionsHandled(bytes, FwCfgState::readFrom, new FwCfg(items, memory));
    }
}
