package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.devices.ByteSink;
import io.jkvm.host.HostProfile;
import io.jkvm.config.LinuxKernel;
import io.jkvm.platform.MultibootBoot;
import io.jkvm.config.MultibootKernel;
import io.jkvm.platform.PcExtras;
import io.jkvm.config.MachineType;
import io.jkvm.config.PcOptions;
import io.jkvm.qemu.FwCfgItem;
import io.jkvm.qemu.QemuCommandLine;
import io.jkvm.qemu.QemuDevice;
import io.jkvm.qemu.QemuDrive;
import io.jkvm.config.VirtioSpec;
import io.jkvm.qemu.QemuMachine;
import io.jkvm.qemu.SerialBackend;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code jkvm-qemu}: jkvm behind a {@code qemu-system-x86_64} command line, so that scripts
 * written for QEMU run kernels on jkvm unchanged ({@code QEMU=./jkvm-qemu}). It behaves as QEMU
 * does where a script can tell: nothing is printed but the guest's serial output and errors;
 * errors are one line ({@code jkvm-qemu: ...}) with status 1; a guest power-off, a reset with
 * -no-reboot, SIGINT and SIGTERM end with status 0; a write of V to isa-debug-exit with
 * {@code (V << 1) | 1}. Options jkvm cannot honour are refused, never ignored
 * ({@link QemuCommandLine}).
 *
 * <p>Differences from QEMU a guest can see: there is no firmware (the kernel is loaded
 * directly, as QEMU's -kernel does after SeaBIOS), the CPU is always the host's (-cpu host), and
 * the PC has jkvm's devices only ({@code -device help}).
 */
public final class QemuMain {
    static final String PROGRAM = "jkvm-qemu";
    /** Set (to anything) to get stack traces with errors: QEMU's command line has no --debug. */
    static final String DEBUG_ENV = "JKVM_DEBUG";
    /** auto|nested|none: add the nested-host kernel flags to a Linux -append (default none: QEMU passes -append as is). */
    static final String HOST_PROFILE_ENV = "JKVM_HOST_PROFILE";

    private QemuMain() {}

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (tests and the AOT training run call this). */
    public static int execute(String... args) {
        PrintStream err = System.err;
        boolean debug = System.getenv(DEBUG_ENV) != null;
        try {
            QemuCommandLine cl = QemuCommandLine.parse(List.of(args));
            for (String w : cl.warnings()) err.println(PROGRAM + ": " + w);
            if (!cl.action().equals(io.jkvm.qemu.QemuAction.RUN)) {
                System.out.print(cl.helpText());
                System.out.flush();
                return 0;
            }
            return run(cl, err, debug);
        } catch (CheckOnly.Passed e) {
            return CheckOnly.STATUS;
        } catch (JkvmException e) {
            if (debug) e.printStackTrace(err);
            err.println(PROGRAM + ": " + e.getMessage());
            return VmExit.STATUS_HOST_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return VmExit.STATUS_OK;
        } catch (RuntimeException | Error e) {
            if (debug) e.printStackTrace(err);
            err.println(PROGRAM + ": internal error: " + e + (debug ? "" : " (set " + DEBUG_ENV + "=1 for the stack trace)"));
            return VmExit.STATUS_HOST_ERROR;
        }
    }

    private static int run(QemuCommandLine cl, PrintStream err, boolean debug) throws InterruptedException {
        if (cl.kernel() == null) {
            throw new JkvmException("no -kernel given: jkvm boots a kernel directly (it has no firmware and no disks)");
        }
        SerialBackend com1Backend = cl.serials().isEmpty() ? SerialBackend.NONE : cl.serials().get(0);
        SerialBackend com2Backend = cl.serials().size() < 2 ? null : cl.serials().get(1);
        try (SerialTarget com1 = SerialTarget.open(serialSpec(com1Backend), "-serial");
             SerialTarget com2 = com2Backend == null ? null : SerialTarget.open(serialSpec(com2Backend), "-serial")) {
            // A virtconsole on -chardev stdio writes to stdout and, as a Stdio sink, takes stdin (no COM port can
            // be on stdio then: the parser refuses that as QEMU does).
            ByteSink console = cl.virtioConsoleOnStdio() ? new SerialTarget.Stdio(ByteSink.lines(System.out)) : ByteSink.NONE;
            VmConfig config = config(cl, com1.sink, com2 == null ? null : com2.sink, console, err::println);
            VmExit exit = GuestSession.runRebooting(config, null, vm -> {
                if (debug && vm.bootNote() != null) err.println(PROGRAM + ": " + vm.bootNote());
            }, false, debug, err, cl.noReboot(), reset -> { });
            // QEMU -no-reboot: a reset ends the run, status 0
            return GuestSession.rebooted(exit) ? VmExit.STATUS_OK : status(exit, err);
        }
    }

    /** QEMU's exit status for how the run ended; failures are reported in one line. */
    static int status(VmExit exit, PrintStream err) {
        return switch (exit.reason()) {
            case DEBUG_EXIT -> exit.status();
            case POWER_OFF, HALTED, STOPPED, EXIT_LIMIT -> VmExit.STATUS_OK;
            case INTERRUPTED, TIMEOUT -> {
                err.println(PROGRAM + ": terminating on signal");
                yield VmExit.STATUS_OK; // QEMU: "terminating on signal N", status 0
            }
            default -> {
                err.println(PROGRAM + ": " + exit.message().stripTrailing());
                yield VmExit.STATUS_HOST_ERROR;
            }
        };
    }

    static String serialSpec(SerialBackend backend) {
        return switch (backend) {
            case SerialBackend.Stdio s -> "stdio";
            case SerialBackend.File f -> "file:" + f.path();
            case SerialBackend.Null n -> "none";
            case SerialBackend.None n -> "none";
            case SerialBackend.Vc v -> "none"; // QEMU's text console of a display jkvm does not have
        };
    }

    static VmConfig config(QemuCommandLine cl, ByteSink com1, ByteSink com2) {
        return config(cl, com1, com2, ByteSink.NONE, w -> { });
    }

    /**
     * The VmConfig for {@code cl}: reads the kernel, initrd and -fw_cfg files, checks every -drive's image
     * (QemuDrives) and turns the virtio devices into {@link PcOptions#virtio()} in the order QEMU creates them.
     *
     * @param console where a virtconsole's output goes
     * @param warn    gets the warnings QEMU would print, each a whole line as QEMU prints it
     */
    static VmConfig config(QemuCommandLine cl, ByteSink com1, ByteSink com2, ByteSink console, Consumer<String> warn) {
        long memory = cl.memory();
        VmConfig.Builder b = VmConfig.builder().memory(memory).cpus(cl.smp().cpus()).serial(com1).noDebugExit();
        if (com2 != null) b.serial2(com2);
        byte[] kernel = Images.readFile(Path.of(cl.kernel()), memory, "kernel");
        String append = cl.append() == null ? "" : cl.append();
        if (MultibootBoot.isMultiboot(kernel)) {
            b.multiboot(new MultibootKernel(kernel, cl.kernel(), append, Images.multibootModules(cl.initrd(), memory)));
        } else {
            byte[] initrd = cl.initrd() == null ? null : Images.readFile(Path.of(cl.initrd()), memory, "initrd");
            HostProfile profile;
            try {
                profile = HostProfile.parse(System.getenv().getOrDefault(HOST_PROFILE_ENV, "none"));
            } catch (IllegalArgumentException e) {
                throw new JkvmException(HOST_PROFILE_ENV + " must be auto, nested or none");
            }
            b.linux(new LinuxKernel(kernel, cl.kernel(), initrd, profile.apply(append), true));
        }
        b.machine(cl.machine() == QemuMachine.PC ? MachineType.PC : MachineType.MICROVM);
        PcOptions.Builder options = PcOptions.builder().maxCpus(cl.smp().maxCpus())
                .pitReinject(!cl.pitLostTickPolicy().equals("discard"));
        boolean debugExit = false;
        for (QemuDevice device : cl.devices()) {
            switch (device) {
                case QemuDevice.IsaDebugExit d -> {
                    if (debugExit) throw new JkvmException("-device isa-debug-exit: jkvm supports one isa-debug-exit");
                    debugExit = true;
                    b.debugExit(d.iobase(), d.iosize());
                }
                case QemuDevice.PcTestdev d -> options.pcTestdev(true);
                case QemuDevice.PciTestdev d -> {
                    if (cl.machine() != QemuMachine.PC) {
                        throw new JkvmException("-device pci-testdev: no PCI bus on -M microvm (use -M pc)");
                    }
                    if (options.pciTestdevSlot() != PcOptions.NO_DEVICE) throw new JkvmException("-device pci-testdev: jkvm supports one");
                    if (d.devfn() != QemuDevice.PciTestdev.AUTO && (d.devfn() & 7) != 0) {
                        throw new JkvmException("-device pci-testdev,addr=: jkvm puts devices at function 0 only");
                    }
                    int slot = d.devfn() >> 3;
                    if (d.devfn() != QemuDevice.PciTestdev.AUTO && slot < PcExtras.FIRST_FREE_PCI_SLOT) {
                        // QEMU's pc keeps its host bridge in slot 0 and the PIIX3 in slot 1, even with -nodefaults.
                        throw new JkvmException(String.format("-device pci-testdev: PCI: slot %d function 0 not available for pci-testdev, in use by %s",
                                slot, slot == 0 ? "i440FX" : "PIIX3"));
                    }
                    options.pciTestdev(d.devfn() == QemuDevice.PciTestdev.AUTO ? PcExtras.FIRST_FREE_PCI_SLOT : d.devfn() >> 3);
                }
                // QEMU reports GET_ID from the device's serial= (empty without one), not the drive's id.
                case QemuDevice.VirtioBlk d -> options.virtio(new VirtioSpec.Drive(Path.of(d.drive().file()),
                        d.drive().readOnly(), d.serial()));
                case QemuDevice.VirtioRng d -> options.virtio(new VirtioSpec.Rng(d.bytesPerSecond()));
                case QemuDevice.VirtioConsole d -> options.virtio(new VirtioSpec.Console(console));
            }
        }
        // QEMU opens every drive, the unused if=none ones too.
        for (QemuDrive drive : cl.drives()) QemuDrives.check(drive, warn);
        for (FwCfgItem item : cl.fwCfg()) {
            byte[] data = item.file() != null ? Images.readFile(Path.of(item.file()), memory, "-fw_cfg file")
                    : item.string().getBytes(StandardCharsets.UTF_8);
            options.fwCfgFile(item.name(), data);
        }
        return b.pcOptions(options.build()).build();
    }
}
