package io.jkvm.qemu;

/**
 * Where a serial port's (COM1, COM2) bytes go: {@code -serial stdio}, {@code -serial file:PATH},
 * {@code -serial null}, {@code -serial none}, or {@link Vc}, QEMU's default without {@code -nographic}.
 */
public sealed interface SerialBackend {
    /** {@code -serial stdio}: output to standard output, input from standard input. */
    record Stdio() implements SerialBackend {}

    /** {@code -serial file:PATH}: output to PATH (created or truncated), no input. */
    record File(String path) implements SerialBackend {}

    /** {@code -serial null}: output dropped, no input. */
    record Null() implements SerialBackend {}

    /**
     * {@code -serial none}: the port has no backend. QEMU 7.2 then has no UART at that port but
     * keeps the slot ({@code -serial none -serial stdio} puts stdio on COM2); jkvm's UART stays,
     * connected to nothing.
     */
    record None() implements SerialBackend {}

    /**
     * QEMU's default for serial 0 when neither {@code -serial}, {@code -nographic} nor
     * {@code -nodefaults} is given: a text console of the graphical display ({@code vc:80Cx24C}).
     * jkvm has no display; the caller decides (dropping the output, like {@link Null}, is QEMU's
     * behaviour with {@code -display none}).
     */
    record Vc() implements SerialBackend {}

    SerialBackend STDIO = new Stdio();
    SerialBackend NULL = new Null();
    SerialBackend NONE = new None();
    SerialBackend VC = new Vc();
}
