package io.jkvm.devices;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PostCodePortTest {
    private final List<Integer> seen = new ArrayList<>();
    private final PostCodePort port = new PostCodePort(seen::add);

    @Test
    void readsAllOnesBeforeAnyWrite() {
        assertEquals(0xff, port.read(0, 1));
        assertEquals(0xff, port.lastCode());
        assertEquals(0, port.writeCount());
    }

    @Test
    void writesAreRecordedAndReadBack() {
        port.write(0, 1, 0x12);
        port.write(0, 1, 0x34);
        assertEquals(0x34, port.read(0, 1));
        assertEquals(0x34, port.lastCode());
        assertEquals(2, port.writeCount());
        assertEquals(List.of(0x12, 0x34), seen);
    }

    @Test
    void onlyTheLowByteCounts() {
        port.write(0, 2, 0xab_cd);
        assertEquals(0xcd, port.lastCode());
        assertEquals(0xff_cd, port.read(0, 2));
        assertEquals(List.of(0xcd), seen);
    }

    @Test
    void worksWithoutAnObserver() {
        PostCodePort quiet = new PostCodePort();
        quiet.write(0, 1, 0x80);
        assertEquals(0x80, quiet.read(0, 1));
    }
}
