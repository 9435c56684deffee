package io.jkvm.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Where a device's output bytes go (stdout, a file, a test's buffer). */
public interface ByteSink {
    void write(int b);

    /** {@code length} bytes from {@code bytes[offset]}: one call for a device that has a buffer (virtio-console). */
    default void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) write(bytes[i] & 0xff);
    }

    default void flush() {}

    /** Discards everything. */
    ByteSink NONE = b -> {};

    /** Writes to {@code out}, flushing at each newline so guest lines appear as they are printed. */
    static ByteSink lines(OutputStream out) {
        return new ByteSink() {
            @Override
            public void write(int b) {
                try {
                    out.write(b);
                    if (b == '\n') out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                try {
                    out.write(bytes, offset, length);
                    for (int i = offset; i < offset + length; i++) {
                        if (bytes[i] == '\n') {
                            out.flush();
                            break;
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void flush() {
                try {
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
