package io.jkvm.it;

import io.jkvm.bus.BusDevice;
import io.jkvm.devices.ByteSink;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Devices the integration tests attach (guests/README.md describes what guests expect of them). */
final class TestDevices {
    private TestDevices() {}

    record Access(long offset, int size, long value) {}

    /** Port 0x12: IN returns 'a', 'b', 'c', ... one per byte read; OUT is recorded. */
    static final class LetterPort implements BusDevice {
        final List<Access> writes = new ArrayList<>();
        private int next;

        @Override
        public synchronized long read(long offset, int size) {
            long v = 0;
            for (int i = 0; i < size; i++) v |= (long) ('a' + next++ % 26) << (8 * i);
            return v;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            writes.add(new Access(offset, size, value));
        }
    }

    /** Records writes; a read of S bytes at offset X returns bytes (X + i) & 0xff. */
    static final class PatternMmio implements BusDevice {
        final List<Access> writes = new ArrayList<>();

        @Override
        public synchronized long read(long offset, int size) {
            long v = 0;
            for (int i = 0; i < size; i++) v |= ((offset + i) & 0xff) << (8 * i);
            return v;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            writes.add(new Access(offset, size, value));
        }
    }

    /** Records every byte written (port 0x11 in the SMP guest). */
    static final class ByteRecorder implements BusDevice {
        final List<Integer> bytes = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            bytes.add((int) (value & 0xff));
        }

        synchronized List<Integer> snapshot() {
            return List.copyOf(bytes);
        }
    }

    /** COM1 output captured as a string. */
    static final class Console implements ByteSink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
