package io.jkvm.platform;

import io.jkvm.boot.PcPorts;
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
 * The legacy PC devices a stock kernel probes, on their ISA ports and IRQs ({@link PcPorts}: IBM
 * PC/AT conventions, as QEMU's "pc" machine has them). The 8259 PICs, IOAPIC, local APICs, 8254
 * PIT and port 0x61 are KVM's in-kernel models and are not here.
 * <pre>
 *   COM1      16550A UART                  PcPorts.COM1
 *   COM2      16550A UART, when asked for  PcPorts.COM2
 *   RTC       CMOS RTC (MC146818)          PcPorts.RTC
 *   i8042     keyboard controller          PcPorts.I8042_DATA, I8042_COMMAND; IRQ 1 (12 for the absent mouse)
 *   POST      POST code / I/O delay port   PcPorts.POST
 * </pre>
 */
public final class PcPlatform {

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
        if (console2 != null) ports.attach(PcPorts.COM2.base(), PcPorts.COM2.length(), new Uart16550(irq.apply(PcPorts.COM2.irq()), console2));
        ConsoleInput input = new ConsoleInput();
        Uart16550 com1 = new Uart16550(irq.apply(PcPorts.COM1.irq()), console, input::rxReady);
        input.connect(com1);
        ports.attach(PcPorts.COM1.base(), PcPorts.COM1.length(), com1);
        CmosRtc rtc = new CmosRtc(java.time.Clock.systemUTC(), irq.apply(PcPorts.RTC.irq()));
        rtc.setMemorySize(ramBelow4G, ramAbove4G);
        ports.attach(PcPorts.RTC.base(), PcPorts.RTC.length(), rtc);
        I8042 i8042 = new I8042(exits, irq.apply(PcPorts.I8042_DATA.irq()), irq.apply(PcPorts.I8042_AUX_IRQ));
        ports.attach(PcPorts.I8042_DATA.base(), PcPorts.I8042_DATA.length(), i8042.dataPort());
        ports.attach(PcPorts.I8042_COMMAND.base(), PcPorts.I8042_COMMAND.length(), i8042.commandPort());
        ports.attach(PcPorts.POST.base(), PcPorts.POST.length(), new PostCodePort());
        return new PcPlatform(com1, input, rtc, i8042);
    }

    /** Where host input for COM1 goes (the CLI feeds stdin into it). */
    public ConsoleInput com1Input() { return com1Input; }

    public Uart16550 com1() { return com1; }

    public CmosRtc rtc() { return rtc; }

    public I8042 i8042() { return i8042; }
}
