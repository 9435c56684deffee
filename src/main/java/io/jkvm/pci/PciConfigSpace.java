package io.jkvm.pci;

import io.jkvm.bus.BusAccess;
import io.jkvm.bus.BusDevice;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A type-0 configuration header (PCI Local Bus 3.0, 6.1, figure 6-1) and the 192 bytes after
 * it, with QEMU's read-only, writable and write-1-to-clear bits (hw/pci/pci.c,
 * {@code pci_init_wmask}, {@code pci_init_w1cmask}, {@code pci_register_bar}):
 * <pre>
 * 0x00 vendor ID, device ID          read-only
 * 0x04 command                       bits I/O 0, memory 1, master 2, SERR# 8, INTx disable 10 writable
 * 0x06 status                        reads 0; bits 8, 11-15 write-1-to-clear
 * 0x08 revision, class code          read-only
 * 0x0c cache line size               writable; latency timer, header type, BIST read-only
 * 0x10 BARs 0-5                      address bits writable (size - 1 low bits read-only), type bits read-only;
 *                                    a BAR with no region reads 0
 * 0x28 CardBus CIS, 0x30 ROM, 0x34 capabilities pointer: 0, read-only
 * 0x2c subsystem vendor ID, ID       read-only (QEMU's default 1af4:1100 unless set)
 * 0x3c interrupt line                writable; interrupt pin, Min_Gnt, Max_Lat read-only
 * 0x40-0xff device-specific          writable storage, as QEMU leaves it for devices without capabilities
 * </pre>
 * A write stores, for each byte, {@code (old & ~writable) | (new & writable)} and then clears
 * the write-1-to-clear bits written as 1. Writing all ones to a BAR therefore reads back its
 * size mask with the type bits: the sizing probe of 6.2.5.1.
 *
 * <h2>Decoding</h2>
 * A BAR decodes (QEMU's {@code pci_bar_address}) while the command register enables its space
 * (bit 0 for I/O, 1 for memory) and its address, {@code register & ~(size - 1)}, is neither 0
 * nor so high that the region would reach 0xffffffff: the all-ones value a sizing probe leaves
 * behind is never decoded. After a write that changes where any BAR decodes, the
 * {@linkplain #setDecodeListener decode listener} runs (outside this object's lock), so the bus
 * can move the regions.
 *
 * <h2>Reset and state</h2>
 * RST# (PCI Local Bus 3.0, 6.2.2: the command register reads 0 after reset; QEMU's
 * {@code pci_do_device_reset}) clears every writable and write-1-to-clear bit: command,
 * status, cache line size, BAR addresses, interrupt line and the device-specific bytes, all of
 * which start at 0, so the decoding stops. The saved state is the 256 bytes
 * ({@link PciConfigState}).
 *
 * <p>Thread-safe: accesses are serialized on this object.
 */
public final class PciConfigSpace implements Resettable, Stateful<PciConfigState> {
    public static final int SIZE = 256;
    public static final int HEADER_SIZE = 0x40;
    public static final int BAR_COUNT = 6;

    // Header registers (figure 6-1; QEMU include/standard-headers/linux/pci_regs.h).
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CLASS_DEVICE = 0x0a;
    public static final int CACHE_LINE_SIZE = 0x0c;
    public static final int LATENCY_TIMER = 0x0d;
    public static final int HEADER_TYPE = 0x0e;
    public static final int BIST = 0x0f;
    public static final int BASE_ADDRESS_0 = 0x10;
    public static final int CARDBUS_CIS = 0x28;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int SUBSYSTEM_ID = 0x2e;
    public static final int ROM_ADDRESS = 0x30;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    public static final int INTERRUPT_PIN = 0x3d;

    // Command register bits (6.2.2).
    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_MASTER = 0x4;
    public static final int COMMAND_SERR = 0x100;
    public static final int COMMAND_INTX_DISABLE = 0x400;
    /** Status bits a write of 1 clears (QEMU's w1cmask: parity, target/master aborts, SERR#, detected parity). */
    public static final int STATUS_WRITE_1_TO_CLEAR = 0xf900;
    /** Bit 0 of an I/O BAR; a memory BAR has 0 there (and 00b, 32-bit, in bits 2:1). */
    public static final int BAR_SPACE_IO = 0x1;
    /** Header type bit 7: the device has functions other than 0. */
    public static final int HEADER_TYPE_MULTI_FUNCTION = 0x80;

    /** QEMU's default subsystem IDs (hw/pci/pci.c: PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU). */
    public static final int QEMU_SUBSYSTEM_VENDOR_ID = 0x1af4;
    public static final int QEMU_SUBSYSTEM_ID = 0x1100;

    /** What {@link #decodedAddress} returns for a BAR that does not decode. */
    public static final long UNMAPPED = -1;

    private static final int WRITABLE_COMMAND = COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_SERR | COMMAND_INTX_DISABLE;

    private final byte[] bytes = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final byte[] writeOneToClear = new byte[SIZE];
    private final PciBar[] bars = new PciBar[BAR_COUNT];
    private final long[] decoded = new long[BAR_COUNT];
    private volatile Runnable decodeListener = () -> { };

    /**
     * @param classCode base class in bits 23:16, sub-class in 15:8, programming interface in 7:0
     */
    public PciConfigSpace(int vendorId, int deviceId, int revision, int classCode) {
        put(VENDOR_ID, 2, vendorId);
        put(DEVICE_ID, 2, deviceId);
        put(REVISION_ID, 1, revision);
        put(CLASS_PROG, 3, classCode);
        put(SUBSYSTEM_VENDOR_ID, 2, QEMU_SUBSYSTEM_VENDOR_ID);
        put(SUBSYSTEM_ID, 2, QEMU_SUBSYSTEM_ID);
        writable[CACHE_LINE_SIZE] = (byte) 0xff;
        writable[INTERRUPT_LINE] = (byte) 0xff;
        writable[COMMAND] = (byte) WRITABLE_COMMAND;
        writable[COMMAND + 1] = (byte) (WRITABLE_COMMAND >> 8);
        Arrays.fill(writable, HEADER_SIZE, SIZE, (byte) 0xff);
        writeOneToClear[STATUS] = (byte) STATUS_WRITE_1_TO_CLEAR;
        writeOneToClear[STATUS + 1] = (byte) (STATUS_WRITE_1_TO_CLEAR >> 8);
        Arrays.fill(decoded, UNMAPPED);
    }

    /** Sets the subsystem IDs (instead of QEMU's default 1af4:1100). For device construction. */
    public synchronized void setSubsystem(int vendorId, int id) {
        put(SUBSYSTEM_VENDOR_ID, 2, vendorId);
        put(SUBSYSTEM_ID, 2, id);
    }

    /** Sets the interrupt pin: 0 for none, 1-4 for INTA#-INTD#. For device construction. */
    public synchronized void setInterruptPin(int pin) {
        if (pin < 0 || pin > 4) throw new IllegalArgumentException("interrupt pin " + pin + " is not 0-4");
        put(INTERRUPT_PIN, 1, pin);
    }

    /** Sets header type bit 7, which tells software to look for functions 1-7. For device construction. */
    public synchronized void setMultiFunction(boolean multiFunction) {
        bytes[HEADER_TYPE] = (byte) (multiFunction ? HEADER_TYPE_MULTI_FUNCTION : 0);
    }

    /** Declares a 32-bit non-prefetchable memory BAR. For device construction. */
    public PciBar addMemoryBar(int index, long size, BusDevice region) {
        return addBar(new PciBar(index, false, size, region));
    }

    /** Declares an I/O BAR. For device construction. */
    public PciBar addIoBar(int index, int size, BusDevice region) {
        return addBar(new PciBar(index, true, size, region));
    }

    private synchronized PciBar addBar(PciBar bar) {
        if (bars[bar.index()] != null) throw new IllegalArgumentException("BAR " + bar.index() + " is already declared");
        bars[bar.index()] = bar;
        put(bar.register(), 4, bar.io() ? BAR_SPACE_IO : 0);
        int mask = (int) ~(bar.size() - 1);
        for (int i = 0; i < 4; i++) writable[bar.register() + i] = (byte) (mask >>> (8 * i));
        return bar;
    }

    /** Runs after a write changed where a BAR decodes; {@link PciBus} sets it. */
    public void setDecodeListener(Runnable listener) {
        decodeListener = listener == null ? () -> { } : listener;
    }

    /** The declared BARs in index order. */
    public synchronized List<PciBar> bars() {
        List<PciBar> list = new ArrayList<>();
        for (PciBar bar : bars) if (bar != null) list.add(bar);
        return list;
    }

    /** Where BAR {@code index} decodes now, or {@link #UNMAPPED}. */
    public synchronized long decodedAddress(int index) {
        return index >= 0 && index < BAR_COUNT ? decoded[index] : UNMAPPED;
    }

    /** Reads {@code size} (1-4) bytes at {@code offset}; an access outside the 256 bytes reads all ones. */
    public synchronized int read(int offset, int size) {
        if (!inside(offset, size)) return (int) BusAccess.mask(Math.min(size, 4));
        return get(offset, size);
    }

    /** Writes the low {@code size} (1-4) bytes of {@code value} at {@code offset}; writes outside the 256 bytes are dropped. */
    public void write(int offset, int size, int value) {
        boolean moved;
        synchronized (this) {
            if (!inside(offset, size)) return;
            for (int i = 0; i < size; i++) {
                int at = offset + i;
                int b = (value >>> (8 * i)) & 0xff;
                int kept = bytes[at] & ~writable[at];
                bytes[at] = (byte) ((kept | (b & writable[at])) & ~(b & writeOneToClear[at]));
            }
            moved = updateDecoding();
        }
        if (moved) decodeListener.run();
    }

    @Override
    public void reset() {
        boolean moved;
        synchronized (this) {
            for (int i = 0; i < SIZE; i++) bytes[i] &= (byte) ~(writable[i] | writeOneToClear[i]);
            moved = updateDecoding();
        }
        if (moved) decodeListener.run();
    }

    @Override
    public synchronized PciConfigState state() {
        return new PciConfigState(bytes);
    }

    /**
     * Loads the saved bytes and moves the BARs to where they decode. Refused, leaving the
     * space as it was, when a read-only bit differs from this device's: the state belongs to
     * another device (other IDs, class, BAR sizes or interrupt pin).
     */
    @Override
    public void restore(PciConfigState state) {
        byte[] saved = state.config();
        boolean moved;
        synchronized (this) {
            for (int i = 0; i < SIZE; i++) {
                int fixed = ~(writable[i] | writeOneToClear[i]) & 0xff;
                if (((saved[i] ^ bytes[i]) & fixed) != 0) {
                    throw new IllegalArgumentException(String.format(
                            "PCI config byte 0x%02x is 0x%02x in the saved state, but its read-only bits are 0x%02x here:"
                                    + " the state is from another device", i, saved[i] & 0xff, bytes[i] & fixed));
                }
            }
            System.arraycopy(saved, 0, bytes, 0, SIZE);
            moved = updateDecoding();
        }
        if (moved) decodeListener.run();
    }

    private static boolean inside(int offset, int size) {
        return size >= 1 && size <= 4 && offset >= 0 && offset <= SIZE - size;
    }

    /** Recomputes every BAR's decoded address; true if one changed. */
    private boolean updateDecoding() {
        boolean changed = false;
        for (PciBar bar : bars) {
            if (bar == null) continue;
            long address = decode(bar);
            if (address != decoded[bar.index()]) {
                decoded[bar.index()] = address;
                changed = true;
            }
        }
        return changed;
    }

    /** QEMU's pci_bar_address for a 32-bit BAR, with allow_0_address false as on the PC. */
    private long decode(PciBar bar) {
        int command = get(COMMAND, 2);
        if ((command & (bar.io() ? COMMAND_IO : COMMAND_MEMORY)) == 0) return UNMAPPED;
        long address = (get(bar.register(), 4) & 0xffff_ffffL) & ~(bar.size() - 1);
        long last = address + bar.size() - 1;
        if (address == 0 || last >= 0xffff_ffffL) return UNMAPPED;
        return address;
    }

    private void put(int offset, int size, int value) {
        for (int i = 0; i < size; i++) bytes[offset + i] = (byte) (value >>> (8 * i));
    }

    private int get(int offset, int size) {
        int value = 0;
        for (int i = 0; i < size; i++) value |= (bytes[offset + i] & 0xff) << (8 * i);
        return value;
    }
}
