package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.config.MachineType;
import io.jkvm.config.VirtioSpec;
import io.jkvm.config.VmConfig;
import io.jkvm.devices.ByteSink;
import io.jkvm.qemu.QemuCommandLine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link QemuMain#config}: the virtio options of a QEMU command line become {@code PcOptions.virtio()} in the
 * order QEMU creates the devices, and every -drive's image is checked as QEMU opens it. No KVM needed.
 */
class QemuMainVirtioConfigTest {
    private static final String MB_HELLO = Path.of(System.getProperty("jkvm.guests", "target/classes/guests"))
            .resolve("mb_hello.bin").toString();
    private static final ByteSink CONSOLE = b -> { };

    @TempDir
    Path tmp;
    private Path a;
    private Path b;
    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void images() throws IOException {
        a = Files.write(tmp.resolve("a.img"), new byte[4096]);
        b = Files.write(tmp.resolve("b.img"), new byte[4096]);
    }

    private VmConfig config(String... args) {
        List<String> all = new ArrayList<>(List.of("-kernel", MB_HELLO));
        all.addAll(Arrays.asList(args));
        return QemuMain.config(QemuCommandLine.parse(all), ByteSink.NONE, null, CONSOLE, warnings::add);
    }

    private List<VirtioSpec> virtio(String... args) {
        return config(args).pcOptions().virtio();
    }

    private String refusal(String... args) {
        JkvmException e = assertThrows(JkvmException.class, () -> config(args));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void noVirtioOptionsNoVirtioDevices() {
        assertEquals(List.of(), virtio());
        assertEquals(List.of(), virtio("-device", "isa-debug-exit", "-chardev", "stdio,id=c"));
    }

    @Test
    void pcDevicesInQemusCreationOrder() {
        List<VirtioSpec> specs = virtio("-drive", "file=" + a + ",if=virtio,format=raw,readonly=on",
                "-device", "virtio-rng-pci,max-bytes=2048,period=1000",
                "-drive", "if=none,id=d1,file=" + b + ",format=raw",
                "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0",
                "-device", "virtio-blk-pci,drive=d1,serial=disk-b", "-nodefaults");
        assertEquals(4, specs.size(), specs.toString());
        assertEquals(new VirtioSpec.Rng(2048), specs.get(0));
        VirtioSpec.Console console = (VirtioSpec.Console) specs.get(1);
        assertSame(CONSOLE, console.output());
        assertEquals(new VirtioSpec.Drive(b, false, "disk-b"), specs.get(2), "-device first");
        assertEquals(new VirtioSpec.Drive(a, true, null), specs.get(3), "then the if=virtio drive");
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void microvmDevices() {
        VmConfig c = config("-M", "microvm", "-drive", "if=none,id=d0,file=" + a + ",format=raw",
                "-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device",
                "-chardev", "stdio,id=con", "-device", "virtio-serial-device", "-device", "virtconsole,chardev=con");
        assertEquals(MachineType.MICROVM, c.machine());
        List<VirtioSpec> specs = c.pcOptions().virtio();
        assertEquals(List.of(new VirtioSpec.Drive(a, false, null), new VirtioSpec.Rng(0)), specs.subList(0, 2));
        assertSame(CONSOLE, ((VirtioSpec.Console) specs.get(2)).output());
    }

    @Test
    void theDriveIdIsNotTheGuestVisibleSerial() {
        // QEMU answers VIRTIO_BLK_T_GET_ID with the device's serial= only; jkvm's Drive id is that serial.
        assertEquals(List.of(new VirtioSpec.Drive(a, false, null)),
                virtio("-drive", "file=" + a + ",if=virtio,format=raw,id=named"));
    }

    @Test
    void rngRate() {
        assertEquals(List.of(new VirtioSpec.Rng(0)), virtio("-device", "virtio-rng-pci"));
        assertEquals(List.of(new VirtioSpec.Rng(1000)), virtio("-device", "virtio-rng-pci,max-bytes=65536"));
    }

    @Test
    void anUnusedDriveIsCheckedButMakesNoDevice() {
        assertEquals(List.of(), virtio("-drive", "if=none,id=spare,file=" + a + ",format=raw"));
        Path gone = tmp.resolve("gone.img");
        assertEquals("-drive if=none,id=spare,file=" + gone + ",format=raw: Could not open '" + gone + "': No such file or directory",
                refusal("-drive", "if=none,id=spare,file=" + gone + ",format=raw"));
    }

    @Test
    void aMissingImageIsQemusMessage() {
        Path gone = tmp.resolve("gone.img");
        assertEquals("-drive file=" + gone + ",if=virtio,format=raw: Could not open '" + gone + "': No such file or directory",
                refusal("-drive", "file=" + gone + ",if=virtio,format=raw"));
    }

    @Test
    void aDirectoryIsNotAnImage() {
        assertEquals("-drive file=" + tmp + ",if=virtio,format=raw: 'file' driver requires '" + tmp + "' to be a regular file",
                refusal("-drive", "file=" + tmp + ",if=virtio,format=raw"));
    }

    @Test
    void withoutFormatARawImageIsGuessedWithQemusWarning() {
        assertEquals(List.of(new VirtioSpec.Drive(a, false, null)), virtio("-drive", "file=" + a + ",if=virtio"));
        assertEquals("WARNING: Image format was not specified for '" + a + "' and probing guessed raw.", warnings.getFirst());
        assertEquals(3, warnings.size());
        assertTrue(warnings.get(1).startsWith("         Automatically detecting the format is dangerous for raw images"), warnings.get(1));
        warnings.clear();
        virtio("-drive", "file=" + a + ",if=virtio,format=raw");
        assertEquals(List.of(), warnings, "format=raw: no warning");
    }

    @Test
    void withoutFormatAnImageOfAnotherFormatIsRefused() throws IOException {
        Path qcow2 = Files.write(tmp.resolve("q.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3, 0, 0});
        assertEquals("-drive file=" + qcow2 + ",if=virtio: jkvm reads raw images only, and '" + qcow2 + "' is a qcow2 image:"
                        + " convert it with 'qemu-img convert -O raw " + qcow2 + " OUT' and give format=raw",
                refusal("-drive", "file=" + qcow2 + ",if=virtio"));
        Path vmdk = Files.write(tmp.resolve("v.vmdk"), new byte[] {'K', 'D', 'M', 'V', 1, 0, 0, 0});
        assertTrue(refusal("-drive", "file=" + vmdk + ",if=virtio").endsWith("' is a vmdk image: convert it with 'qemu-img convert -O raw "
                + vmdk + " OUT' and give format=raw"));
        assertTrue(warnings.isEmpty());
        // With format=raw, QEMU (and jkvm) take any file as raw bytes.
        assertEquals(List.of(new VirtioSpec.Drive(qcow2, false, null)), virtio("-drive", "file=" + qcow2 + ",if=virtio,format=raw"));
    }

    @Test
    void shortFilesAreRawToo() throws IOException {
        Path tiny = Files.write(tmp.resolve("tiny"), new byte[] {'Q', 'F'});
        Path empty = Files.write(tmp.resolve("empty"), new byte[0]);
        assertEquals(2, virtio("-drive", "file=" + tiny + ",if=virtio", "-drive", "file=" + empty + ",if=virtio").size());
        assertEquals(6, warnings.size());
    }

    @Test
    void theThreeArgumentConfigHasNoConsoleOutput() {
        List<String> args = List.of("-kernel", MB_HELLO, "-nodefaults", "-chardev", "stdio,id=c", "-device", "virtio-serial-pci",
                "-device", "virtconsole,chardev=c");
        VmConfig c = QemuMain.config(QemuCommandLine.parse(args), ByteSink.NONE, null);
        assertSame(ByteSink.NONE, ((VirtioSpec.Console) c.pcOptions().virtio().getFirst()).output());
    }
}
