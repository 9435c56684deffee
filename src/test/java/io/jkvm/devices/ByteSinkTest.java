package io.jkvm.devices;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ByteSinkTest {
    /** An OutputStream that records what each flush made visible. */
    private static final class Recording extends OutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final List<String> flushed = new ArrayList<>();

        @Override
        public void write(int b) { written.write(b); }

        @Override
        public void write(byte[] b, int off, int len) { written.write(b, off, len); }

        @Override
        public void flush() { flushed.add(written.toString()); }
    }

    @Test
    void linesWritesABufferInOneGoAndFlushesWhenItHoldsANewline() throws IOException {
        Recording out = new Recording();
        ByteSink sink = ByteSink.lines(out);
        byte[] text = "xxab\ncd".getBytes();
        sink.write(text, 2, 2);          // "ab": no newline, no flush
        assertEquals(List.of(), out.flushed);
        sink.write(text, 2, 5);          // "ab\ncd": one flush, after the whole buffer
        assertEquals(List.of("abab\ncd"), out.flushed);
        sink.write('e');
        sink.write('\n');
        assertEquals(List.of("abab\ncd", "abab\ncde\n"), out.flushed);
    }

    @Test
    void theDefaultBufferWriteIsByteByByte() {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        ByteSink sink = seen::write;
        sink.write(new byte[] {1, (byte) 0xff, 3, 4}, 1, 2);
        assertArrayEquals(new byte[] {(byte) 0xff, 3}, seen.toByteArray());
    }
}
