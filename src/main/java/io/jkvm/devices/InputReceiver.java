package io.jkvm.devices;

/**
 * Where host input for a guest console goes (a UART's receive FIFO, a virtio-console's input
 * buffer): bytes are offered without blocking and the receiver takes what it has room for. The
 * feeder ({@code platform.ConsoleInput}) holds the rest and waits for room, so no byte is lost.
 * Thread-safe: the feeder calls from its own thread while vCPUs and device threads drain.
 */
public interface InputReceiver {

    /** Offers {@code b[off, off + len)}; returns how many were accepted, from the front. Never blocks. */
    int receive(byte[] b, int off, int len);

    /** How many bytes {@link #receive} would accept now. */
    int space();
}
