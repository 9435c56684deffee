package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.devices.ByteSink;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Where a serial port's output goes, in QEMU's words: {@code stdio}, {@code file:PATH} or
 * {@code none}. A file is flushed at every newline and closed (flushed) on close.
 */
final class SerialTarget implements AutoCloseable {
    final ByteSink sink;
    private final OutputStream file;

    private SerialTarget(ByteSink sink, OutputStream file) {
        this.sink = sink;
        this.file = file;
    }

    /** COM output to stdout: the one backend that also takes input, from stdin (as QEMU's -serial stdio). */
    record Stdio(ByteSink out) implements ByteSink {
        @Override
        public void write(int b) { out.write(b); }

        @Override
        public void write(byte[] bytes, int offset, int length) { out.write(bytes, offset, length); }

        @Override
        public void flush() { out.flush(); }
    }

    /** True when {@code sink} is stdout, so COM1 reads stdin (and a terminal goes raw); a file or none reads nothing. */
    static boolean takesInput(ByteSink sink) {
        return sink instanceof Stdio;
    }

    static SerialTarget open(String spec, String option) {
        if (spec.equals("stdio")) return new SerialTarget(new Stdio(ByteSink.lines(System.out)), null);
        if (spec.equals("none")) return new SerialTarget(ByteSink.NONE, null);
        if (spec.startsWith("file:") && spec.length() > 5) {
            Path path = Path.of(spec.substring(5));
            try {
                FileOutputStream out = new FileOutputStream(path.toFile());
                return new SerialTarget(ByteSink.lines(out), out);
            } catch (IOException e) {
                throw new JkvmException("cannot write " + option + " file " + path + ": " + e.getMessage());
            }
        }
        throw new UsageException("unknown " + option + " '" + spec + "': choose stdio, file:PATH or none");
    }

    @Override
    public void close() {
        sink.flush();
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                throw new JkvmException("cannot finish writing the serial output file: " + e.getMessage());
            }
        }
    }
}
