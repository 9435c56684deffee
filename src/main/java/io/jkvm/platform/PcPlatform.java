package io.jkvm.platform;

import io.jkvm.exit.ExitRequester;
import io.jkvm.bus.Bus;
import io.jkvm.devices.ByteSink;
import io.jkvm.devices.CmosRtc;
import io.jkvm.devices.I8042;
import io.jkvm.devices.PostCodePort;
import io.jkvm.devices.Uart16550;
import io.jkvm.irq.InterruptLine;

import java.util.function.IntFunction;

/**
 * The legacy PC devices a stock kernel probes, on their ISA ports and IRQs (IBM PC/AT
 * conventions, as QEMU's "pc" machine has them). The 8259 PICs, IOAPIC, local APICs, 8254 PIT
 * and port 0x61 are KVM's in-kernel models and are not here.
 * <pre>
 *   0x3f8-0x3ff  COM1, 16550A UART        IRQ 4
 *   0x2f8-0x2ff  COM2, 16550A UART        IRQ 3 (when asked for)
 *   0x70-0x71    CMOS RTC (MC146818)      IRQ 8
 *   0x60, 0x64   i8042 keyboard controller IRQ 1 (IRQ 12 for the absent mouse); 0xFE to 0x64 resets
 *   0x80         POST code / I/O delay port
 * </pre>
 */
public final class PcPlatform {
    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int COM2_PORT = 0x2f8;
    public static final int COM2_IRQ = 3;
    public static final int RTC_PORT = 0x70;
    public static final int RTC_IRQ = 8;
    public static final int I8042_DATA_PORT = 0x60;
    public static final int I8042_COMMAND_PORT = 0x64;
    public static final int KEYBOARD_IRQ = 1;
    public static final int MOUSE_IRQ = 12;
    public static final int POST_PORT = 0x80;

    private final Uart16550 com1;
    private final ConsoleInput com1Input;
    private final CmosRtc rtc;
    private final I8042 i8042;

    private PcPlatform(Uart16550 com1, ConsoleInput com1Input, CmosRtc rtc, I8042 i8042) {
        this.com1 = com1;
        this.com1Input = com1Input;
        this.rtc = rtc;
        this.i8042 = i8042;
    }

    /**
     * Creates the devices and attaches them to {@code ports}.
     *
     * @param irq      the interrupt line for an ISA IRQ number
     * @param console  COM1's output
     * @param exits    how the i8042's reset line ends the run
     */
    public static PcPlatform attach(Bus ports, IntFunction<InterruptLine> irq, ByteSink console, ByteSink console2,
                                    ExitRequester exits, long ramBelow4G, long ramAbove4G) {
        if (console2 != null) ports.attach(COM2_PORT, Uart16550.REGISTER_COUNT, new Uart16550(irq.apply(COM2_IRQ), console2));
        ConsoleInput input = new ConsoleInput();
        Uart16550 com1 = new Uart16550(irq.apply(COM1_IRQ), console, input::rxReady);
        input.connect(com1);
        ports.attach(COM1_PORT, Uart16550.REGISTER_COUNT, com1);
        CmosRtc rtc = new CmosRtc(java.time.Clock.systemUTC(), irq.apply(RTC_IRQ));
        rtc.setMemorySize(ramBelow4G, ramAbove4G);
        ports.attach(RTC_PORT, CmosRtc.PORT_COUNT, rtc);
        I8042 i8042 = new I8042(exits, irq.apply(KEYBOARD_IRQ), irq.apply(MOUSE_IRQ));
        ports.attach(I8042_DATA_PORT, 1, i8042.dataPort());
        ports.attach(I8042_COMMAND_PORT, 1, i8042.commandPort());
        ports.attach(POST_PORT, 1, new PostCodePort());
        return new PcPlatform(com1, input, rtc, i8042);
    }

    /** Where host input for COM1 goes (the CLI feeds stdin into it). */
    public ConsoleInput com1Input() { return com1Input; }

    public Uart16550 com1() { return com1; }

    public CmosRtc rtc() { return rtc; }

    public I8042 i8042() { return i8042; }
}
