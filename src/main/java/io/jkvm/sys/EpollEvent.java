package io.jkvm.sys;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * {@code struct epoll_event} (epoll_ctl(2)), 12 bytes on x86-64: the kernel declares it
 * {@code __attribute__((packed))} there, so {@code data} sits unaligned at offset 4.
 * <pre>
 *   0          4                         12
 *   +----------+-------------------------+
 *   | events   | data (u64, unaligned)   |
 *   +----------+-------------------------+
 * </pre>
 */
public final class EpollEvent {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data")).withName("epoll_event");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long EVENTS = LAYOUT.byteOffset(groupElement("events"));
    public static final long DATA = LAYOUT.byteOffset(groupElement("data"));

    private EpollEvent() {}

    public static void set(MemorySegment s, long index, int events, long data) {
        s.set(JAVA_INT, index * SIZE + EVENTS, events);
        s.set(JAVA_LONG_UNALIGNED, index * SIZE + DATA, data);
    }

    public static int events(MemorySegment s, long index) {
        return s.get(JAVA_INT, index * SIZE + EVENTS);
    }

    public static long data(MemorySegment s, long index) {
        return s.get(JAVA_LONG_UNALIGNED, index * SIZE + DATA);
    }
}
