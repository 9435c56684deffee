package io.jkvm.pci;

import io.jkvm.bus.BusAccess;
import io.jkvm.bus.BusDevice;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * QEMU's {@code pci-testdev} (hw/misc/pci-testdev.c), which kvm-unit-tests uses to time and
 * check MMIO and port-I/O exits: PCI 1b36:0005 (Red Hat, PCI_DEVICE_ID_REDHAT_TEST), revision 0,
 * class code 0x00ff00 (QEMU writes PCI_CLASS_OTHERS, 0xff, as the 16-bit class word, so the
 * base class reads 0x00 and the sub-class 0xff), no interrupt pin, subsystem 1af4:1100.
 * <pre>
 * BAR0  memory, 4096 bytes (IOTEST_MEMSIZE * 2)    "mmio" tests
 * BAR1  I/O, 256 bytes (IOTEST_IOSIZE * 2)          "portio" tests
 * </pre>
 * (QEMU's optional {@code membar} BAR2 is not modelled.)
 *
 * <h2>Tests</h2>
 * Six tests, each with a header (PCITestDevHdr, little-endian) that both BARs show from offset 0
 * while the test is selected:
 * <pre>
 * 0  test    u8   test number 0-5          4  offset  u32  where the test counts writes
 * 1  width   u8   1                        8  data    u8   0xfa (0xce for wildcard), 3 bytes 0
 * 2  pad     2 bytes 0                    12  count   u32  writes counted since selection
 * 16 name    NUL-terminated, e.g. "portio-datamatch-eventfd"; 0 past it
 * </pre>
 * <pre>
 * n  name                       offset       counts a write at offset ...
 * 0  mmio-no-eventfd            2048         of byte 0xfa
 * 1  mmio-wildcard-eventfd      2049         of any value
 * 2  mmio-datamatch-eventfd     2050         of byte 0xfa
 * 3  portio-no-eventfd          128 + 3      of byte 0xfa
 * 4  portio-wildcard-eventfd    128 + 4      of any value
 * 5  portio-datamatch-eventfd   128 + 5      of byte 0xfa
 * </pre>
 * Writing V to offset 0 of BAR b deselects the current test and, if V is 0-2, selects test
 * {@code 3 * b + V} and zeroes its count. Reads with no test selected return 0.
 *
 * <h2>Accesses, as QEMU's memory core delivers them</h2>
 * The regions implement 1-byte accesses only (impl.max_access_size 1), so every access
 * reaches the handlers as bytes, lowest address first: a 4-byte write of 0x000000fa at the
 * offset counts as a byte 0xfa at the offset (counted) and three bytes after it (not at the
 * offset); a 4-byte read of {@code count} reads its four bytes. The handler counts a byte at
 * the selected test's offset when the test has no data match or the byte is 0xfa; the byte
 * may come through either BAR.
 *
 * <h2>Eventfds</h2>
 * For the "-eventfd" tests QEMU registers a KVM ioeventfd on the test's own BAR at the test's
 * offset: 1 byte with data match 0xfa for datamatch; for wildcard, no data match and any
 * length on MMIO (QEMU asks for that when KVM has KVM_CAP_IOEVENTFD_ANY_LENGTH, Linux 4.4 and
 * later), 1 byte on ports. A write the ioeventfd matches (virt/kvm/eventfd.c,
 * {@code ioeventfd_in_range}: same address, same length unless any, same value if data match)
 * completes in the kernel and never reaches QEMU's handler, so it is not counted; every other
 * write exits to QEMU and is handled as above. (Under TCG, QEMU's memory core checks the
 * eventfds itself and likewise skips the handler.) jkvm decides the same way per guest access,
 * so a guest reads back the count it reads under QEMU with KVM: 0 after the matching writes
 * kvm-unit-tests makes, whose pci-testdev check accepts 0 or the number of writes.
 *
 * <p>Thread-safe: both regions serialize on this object.
 */
public final class PciTestdev implements PciDevice {
    public static final int VENDOR_ID = 0x1b36;
    public static final int DEVICE_ID = 0x0005;
    public static final int CLASS_CODE = 0x00ff00;
    public static final int MMIO_BAR = 0;
    public static final int PORTIO_BAR = 1;
    public static final int MMIO_SIZE = 2 * 2048;
    public static final int PORTIO_SIZE = 2 * 128;
    public static final int DATAMATCH = 0xfa;
    public static final int NOMATCH = 0xce;

    // PCITestDevHdr field offsets.
    public static final int HDR_TEST = 0;
    public static final int HDR_WIDTH = 1;
    public static final int HDR_OFFSET = 4;
    public static final int HDR_DATA = 8;
    public static final int HDR_COUNT = 12;
    public static final int HDR_NAME = 16;

    /** Test n is TEST_NAMES.get(n); tests 0-2 are selected through BAR0, 3-5 through BAR1. */
    public static final List<String> TEST_NAMES = List.of(
            "mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
            "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd");
    private static final int TESTS_PER_BAR = 3;
    private static final int NO_TEST = -1;

    private final PciConfigSpace config;
    private final BusDevice mmio = new Region(MMIO_BAR, MMIO_SIZE);
    private final BusDevice portio = new Region(PORTIO_BAR, PORTIO_SIZE);
    private final byte[][] headers = new byte[TEST_NAMES.size()][];
    private int current = NO_TEST;

    public PciTestdev() {
        config = new PciConfigSpace(VENDOR_ID, DEVICE_ID, 0, CLASS_CODE);
        config.addMemoryBar(MMIO_BAR, MMIO_SIZE, mmio);
        config.addIoBar(PORTIO_BAR, PORTIO_SIZE, portio);
        for (int test = 0; test < headers.length; test++) {
            byte[] name = TEST_NAMES.get(test).getBytes(StandardCharsets.US_ASCII);
            byte[] header = new byte[HDR_NAME + name.length + 1];
            header[HDR_TEST] = (byte) test;
            header[HDR_WIDTH] = 1;
            putInt(header, HDR_OFFSET, offset(test));
            header[HDR_DATA] = (byte) (matchesData(test) ? DATAMATCH : NOMATCH);
            System.arraycopy(name, 0, header, HDR_NAME, name.length);
            headers[test] = header;
        }
    }

    @Override
    public PciConfigSpace config() { return config; }

    /** BAR0's region. */
    public BusDevice mmio() { return mmio; }

    /** BAR1's region. */
    public BusDevice portio() { return portio; }

    /** The selected test, or -1. */
    public synchronized int currentTest() { return current; }

    /** Test {@code test}'s count (u32), kept when another test is selected until it is selected again. */
    public synchronized long count(int test) {
        return getInt(headers[test], HDR_COUNT) & 0xffff_ffffL;
    }

    /** The offset in its BAR where test {@code test} counts writes: IOTEST_SIZE + test. */
    public static int offset(int test) {
        return (test < TESTS_PER_BAR ? MMIO_SIZE / 2 : PORTIO_SIZE / 2) + test;
    }

    private static boolean matchesData(int test) { return test % TESTS_PER_BAR != 1; }

    private static boolean hasEventfd(int test) { return test % TESTS_PER_BAR != 0; }

    /** Whether KVM's ioeventfd for the selected test takes this write (kvm/eventfd.c, ioeventfd_in_range). */
    private boolean ioeventfdTakes(int bar, long offset, int size, long value) {
        int test = current;
        if (test == NO_TEST || !hasEventfd(test) || test / TESTS_PER_BAR != bar || offset != offset(test)) return false;
        boolean anyLength = bar == MMIO_BAR && !matchesData(test);
        if (!anyLength && size != 1) return false;
        return !matchesData(test) || (value & 0xff) == DATAMATCH;
    }

    /** pci_testdev_write for one byte. */
    private void writeByte(int bar, long offset, int value) {
        if (offset == HDR_TEST) {
            current = NO_TEST;
            if (value >= TESTS_PER_BAR) return;
            int test = bar * TESTS_PER_BAR + value;
            putInt(headers[test], HDR_COUNT, 0);
            current = test;
            return;
        }
        int test = current;
        if (test == NO_TEST || offset != offset(test)) return;
        if (matchesData(test) && value != DATAMATCH) return;
        byte[] header = headers[test];
        putInt(header, HDR_COUNT, getInt(header, HDR_COUNT) + 1);
    }

    /** pci_testdev_read for one byte: the selected header, 0 from its last byte on. */
    private int readByte(long offset) {
        if (current == NO_TEST) return 0;
        byte[] header = headers[current];
        return offset + 1 >= header.length ? 0 : header[(int) offset] & 0xff;
    }

    private static void putInt(byte[] b, int at, int value) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (value >>> (8 * i));
    }

    private static int getInt(byte[] b, int at) {
        int value = 0;
        for (int i = 0; i < 4; i++) value |= (b[at + i] & 0xff) << (8 * i);
        return value;
    }

    /** One BAR's region; accesses outside it (never routed by a Bus) read all ones and are dropped. */
    private final class Region implements BusDevice {
        private final int bar;
        private final int length;

        Region(int bar, int length) {
            this.bar = bar;
            this.length = length;
        }

        private boolean inside(long offset, int size) {
            return size >= 1 && size <= 8 && offset >= 0 && offset <= length - size;
        }

        @Override
        public long read(long offset, int size) {
            if (!inside(offset, size)) return BusAccess.mask(size);
            long value = 0;
            synchronized (PciTestdev.this) {
                for (int i = 0; i < size; i++) value |= (long) readByte(offset + i) << (8 * i);
            }
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (!inside(offset, size)) return;
            synchronized (PciTestdev.this) {
                if (ioeventfdTakes(bar, offset, size, value)) return;
                for (int i = 0; i < size; i++) writeByte(bar, offset + i, (int) (value >>> (8 * i)) & 0xff);
            }
        }
    }
}
