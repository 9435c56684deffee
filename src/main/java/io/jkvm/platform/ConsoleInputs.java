package io.jkvm.platform;

import io.jkvm.devices.Uart16550;

/** Wiring of a {@link ConsoleInput} to a UART outside a VM (tests, other front ends). */
public final class ConsoleInputs {
    private ConsoleInputs() {}

    /**
     * A console input feeding {@code uart}. The UART must have been built without an rxReady
     * callback of its own; the input then polls for room every 100 ms at most.
     */
    public static ConsoleInput connected(Uart16550 uart) {
        ConsoleInput input = new ConsoleInput();
        input.connect(uart);
        return input;
    }
}
