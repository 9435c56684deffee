package io.jkvm.pci;

import io.jkvm.bus.BusAccess;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
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
 * 0x06 status                        bit 3 interrupt status, bit 4 capabilities list; bits 8, 11-15 write-1-to-clear
 * 0x08 revision, class code          read-only
 * 0x0c cache line size               writable; latency timer, header type, BIST read-only
 * 0x10 BARs 0-5                      address bits writable (size - 1 low bits read-only), type bits read-only;
 *                                    a BAR with no region reads 0
 * 0x28 CardBus CIS, 0x30 ROM: 0, read-only
 * 0x2c subsystem vendor ID, ID       read-only (QEMU's default 1af4:1100 unless set)
 * 0x34 capabilities pointer          read-only: the first capability, or 0
 * 0x3c interrupt line                writable; interrupt pin, Min_Gnt, Max_Lat read-only
 * 0x40-0xff device-specific          capabilities from 0x40 up; the rest writable storage, as QEMU
 *                                    leaves it for devices without capabilities
 * </pre>
 * A write stores, for each byte, {@code (old & ~writable) | (new & writable)} and then clears
 * the write-1-to-clear bits written as 1. Writing all ones to a BAR therefore reads back its
 * size mask with the type bits: the sizing probe of 6.2.5.1. A 64-bit BAR's upper register
 * holds address bits 63:32, all writable up to the size: all ones in both halves reads back
 * the 64-bit size mask.
 *
 * <h2>Capabilities (6.7)</h2>
 * {@link #addCapability} places a capability structure after the previous one (dword-aligned,
 * from 0x40 up), links it into the list (0x34, then each capability's next pointer at byte 1),
 * and sets status bit 4. Its ID and next pointer are read-only; the device declares its other
 * registers with {@link #initRegister} and hears about guest writes through the capability's
 * write listener (run after the write, outside this object's lock, as the decode listener is).
 * The guest cannot change a pointer, so the list it walks always ends.
 *
 * <h2>INTx (6.2.4, 6.2.2, 6.2.3)</h2>
 * {@link #setIntx} is the device's interrupt: it sets status bit 3 (interrupt status) and
 * drives the line the bus connected ({@link #connectIntx}) while command bit 10 (interrupt
 * disable) is clear; setting bit 10 lowers the line, clearing it raises it again if the
 * device still asserts.
 *
 * <h2>Decoding</h2>
 * A BAR decodes (QEMU's {@code pci_bar_address}) while the command register enables its space
 * (bit 0 for I/O, 1 for memory) and its address, {@code register & ~(size - 1)}, is neither 0
 * nor so high that the region would reach 0xffffffff (a 32-bit BAR) or leave the 52-bit
 * physical address space x86-64 allows (a 64-bit BAR, Intel SDM vol. 3A 4.1.4; QEMU's check is
 * against 2^64): the all-ones value a sizing probe leaves behind is never decoded. After a write that changes where any BAR decodes, the
 * {@linkplain #setDecodeListener decode listener} runs (outside this object's lock), so the bus
 * can move the regions, then the {@linkplain #setDeviceDecodeListener device's own}.
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
    /** Status bit 3: the function asserts INTx# (whether or not command bit 10 lets it through). */
    public static final int STATUS_INTERRUPT = 0x08;
    /** Status bit 4: a capabilities list starts at 0x34. */
    public static final int STATUS_CAPABILITIES = 0x10;
    /** Status bits a write of 1 clears (QEMU's w1cmask: parity, target/master aborts, SERR#, detected parity). */
    public static final int STATUS_WRITE_1_TO_CLEAR = 0xf900;
    /** Bit 0 of an I/O BAR; a memory BAR has 0 there (and 00b, 32-bit, in bits 2:1). */
    public static final int BAR_SPACE_IO = 0x1;
    /** Header type bit 7: the device has functions other than 0. */
    public static final int HEADER_TYPE_MULTI_FUNCTION = 0x80;

    /** QEMU's default subsystem IDs (hw/pci/pci.c: PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU). */
    public static final int QEMU_SUBSYSTEM_VENDOR_ID = 0x1af4;
    public static final int QEMU_SUBSYSTEM_ID = 0x1100;

    /** x86-64's largest physical address width (MAXPHYADDR at most 52): 64-bit BARs decode below 2^52. */
    public static final long MAX_ADDRESS = 1L << 52;

    /** What {@link #decodedAddress} returns for a BAR that does not decode. */
    public static final long UNMAPPED = -1;

    private static final int WRITABLE_COMMAND = COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_SERR | COMMAND_INTX_DISABLE;

    private final byte[] bytes = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final byte[] writeOneToClear = new byte[SIZE];
    private final PciBar[] bars = new PciBar[BAR_COUNT];
    /** True for the register holding a 64-bit BAR's upper half. */
    private final boolean[] upperHalf = new boolean[BAR_COUNT];
    private final long[] decoded = new long[BAR_COUNT];
    private volatile Runnable decodeListener = () -> { };
    private volatile Runnable deviceDecodeListener = () -> { };
    /** Capabilities in list order: start offset, length and write listener each. */
    private final List<Capability> capabilities = new ArrayList<>();
    private int capabilityEnd = HEADER_SIZE;
    private InterruptLine intx = InterruptLine.NONE;
    private boolean intxAsserted;
    private boolean intxDriven;

    private record Capability(int offset, int length, Runnable onWrite) {
        boolean touched(int at, int size) { return at < offset + length && at + size > offset; }
    }

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

    /**
     * Declares a 64-bit memory BAR in registers {@code index} and {@code index + 1}. For device
     * construction.
     */
    public PciBar addMemoryBar64(int index, long size, boolean prefetchable, BusDevice region) {
        return addBar(new PciBar(index, false, true, prefetchable, size, region));
    }

    /** Declares an I/O BAR. For device construction. */
    public PciBar addIoBar(int index, int size, BusDevice region) {
        return addBar(new PciBar(index, true, size, region));
    }

    private synchronized PciBar addBar(PciBar bar) {
        int index = bar.index();
        if (bars[index] != null || upperHalf[index]) throw new IllegalArgumentException("BAR " + index + " is already declared");
        if (bar.memory64() && bars[index + 1] != null) throw new IllegalArgumentException("BAR " + (index + 1) + " is already declared");
        bars[index] = bar;
        put(bar.register(), 4, bar.typeBits());
        long mask = ~(bar.size() - 1);
        setWritable(bar.register(), 4, (int) mask); // the minimum sizes keep the type bits read-only
        if (bar.memory64()) {
            upperHalf[index + 1] = true;
            setWritable(bar.register() + 4, 4, (int) (mask >>> 32));
        }
        return bar;
    }

    private void setWritable(int offset, int size, int mask) {
        for (int i = 0; i < size; i++) writable[offset + i] = (byte) (mask >>> (8 * i));
    }

    /**
     * Adds a capability structure of {@code length} bytes (at least 2: the ID and the next
     * pointer) with capability ID {@code id} (PCI Local Bus 3.0, appendix H) and returns its
     * offset. Its bytes after the header read 0 and are read-only until {@link #initRegister}
     * declares them; {@code onWrite} (may be null) runs after each guest write that touches the
     * structure, outside this object's lock. For device construction.
     */
    public synchronized int addCapability(int id, int length, Runnable onWrite) {
        if (id < 1 || id > 0xff) throw new IllegalArgumentException("capability ID " + id + " is not 1-255");
        int offset = (capabilityEnd + 3) & ~3;
        if (length < 2 || offset + length > SIZE) {
            throw new IllegalArgumentException(String.format("capability 0x%x of %d bytes does not fit at 0x%x", id, length, offset));
        }
        Arrays.fill(writable, offset, offset + length, (byte) 0);
        Arrays.fill(bytes, offset, offset + length, (byte) 0);
        bytes[offset] = (byte) id;
        if (capabilities.isEmpty()) {
            bytes[CAPABILITY_LIST] = (byte) offset;
            bytes[STATUS] |= STATUS_CAPABILITIES;
        } else {
            bytes[capabilities.getLast().offset() + 1] = (byte) offset;
        }
        capabilities.add(new Capability(offset, length, onWrite == null ? () -> { } : onWrite));
        capabilityEnd = offset + length;
        return offset;
    }

    /**
     * Sets the register at {@code offset} ({@code size} 1-4 bytes) to {@code value}, with the
     * bits of {@code writableMask} writable by the guest and the others read-only. For device
     * construction (a capability's registers, device-specific registers).
     */
    public synchronized void initRegister(int offset, int size, int value, int writableMask) {
        if (!inside(offset, size) || offset < HEADER_SIZE) {
            throw new IllegalArgumentException(String.format("register 0x%x (%d bytes) is not in 0x40-0xff", offset, size));
        }
        put(offset, size, value);
        setWritable(offset, size, writableMask);
    }

    /** The offsets of the capabilities in list order. */
    public synchronized List<Integer> capabilityOffsets() {
        List<Integer> list = new ArrayList<>();
        for (Capability c : capabilities) list.add(c.offset());
        return list;
    }

    /** Connects the interrupt pin to {@code line} (the bus's routing); the line follows the device's level from now on. */
    public synchronized void connectIntx(InterruptLine line) {
        if (intxDriven) intx.set(false);
        intx = line == null ? InterruptLine.NONE : line;
        intxDriven = false;
        updateIntx();
    }

    /**
     * The device asserts ({@code true}) or deasserts its INTx# pin: status bit 3 follows, and the
     * connected line while command bit 10 allows it. Repeating the level is harmless.
     */
    public synchronized void setIntx(boolean asserted) {
        intxAsserted = asserted;
        if (asserted) bytes[STATUS] |= STATUS_INTERRUPT; else bytes[STATUS] &= ~STATUS_INTERRUPT;
        updateIntx();
    }

    /** Whether the device asserts INTx# (status bit 3). */
    public synchronized boolean intxAsserted() {
        return intxAsserted;
    }

    private void updateIntx() {
        boolean drive = intxAsserted && (get(COMMAND, 2) & COMMAND_INTX_DISABLE) == 0;
        if (drive == intxDriven) return;
        intxDriven = drive;
        intx.set(drive);
    }

    /** Runs after a write changed where a BAR decodes; {@link PciBus} sets it. */
    public void setDecodeListener(Runnable listener) {
        decodeListener = listener == null ? () -> { } : listener;
    }

    /**
     * Runs after a write (or a reset, or a restore) changed where a BAR decodes, after the
     * bus's listener has moved the regions: for the device itself, which may have something to
     * move with its BARs (a virtio-pci notification address bound as an ioeventfd). Set at
     * device construction; read {@link #decodedAddress} for where the BARs are now.
     */
    public void setDeviceDecodeListener(Runnable listener) {
        deviceDecodeListener = listener == null ? () -> { } : listener;
    }

    private void decodingChanged() {
        decodeListener.run();
        deviceDecodeListener.run();
    }

    /** Whether the device has set the command register's bus master bit (needed to send MSIs, 6.2.2). */
    public synchronized boolean busMaster() {
        return (get(COMMAND, 2) & COMMAND_MASTER) != 0;
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
        long touched = 0; // bit i: capability i was written (at most 48 fit in 0x40-0xff)
        synchronized (this) {
            if (!inside(offset, size)) return;
            for (int i = 0; i < size; i++) {
                int at = offset + i;
                int b = (value >>> (8 * i)) & 0xff;
                int kept = bytes[at] & ~writable[at];
                bytes[at] = (byte) ((kept | (b & writable[at])) & ~(b & writeOneToClear[at]));
            }
            moved = updateDecoding();
            updateIntx();
            if (offset + size > HEADER_SIZE) {
                for (int i = 0; i < capabilities.size(); i++) if (capabilities.get(i).touched(offset, size)) touched |= 1L << i;
            }
        }
        if (moved) decodingChanged();
        for (int i = 0; touched != 0; i++, touched >>>= 1) {
            if ((touched & 1) != 0) capabilityListener(i).run();
        }
    }

    private synchronized Runnable capabilityListener(int i) {
        return capabilities.get(i).onWrite();
    }

    @Override
    public void reset() {
        boolean moved;
        synchronized (this) {
            for (int i = 0; i < SIZE; i++) bytes[i] &= (byte) ~(writable[i] | writeOneToClear[i]);
            moved = updateDecoding();
        }
        if (moved) decodingChanged();
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
        if (moved) decodingChanged();
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

    /** QEMU's pci_bar_address, with allow_0_address false as on the PC. */
    private long decode(PciBar bar) {
        int command = get(COMMAND, 2);
        if ((command & (bar.io() ? COMMAND_IO : COMMAND_MEMORY)) == 0) return UNMAPPED;
        long register = get(bar.register(), 4) & 0xffff_ffffL;
        if (bar.memory64()) register |= (long) get(bar.register() + 4, 4) << 32;
        long address = register & ~(bar.size() - 1);
        if (address == 0) return UNMAPPED;
        if (bar.memory64()) {
            // Unsigned: an address with bit 63 set is far above MAX_ADDRESS, not negative.
            return Long.compareUnsigned(address, MAX_ADDRESS - bar.size()) > 0 ? UNMAPPED : address;
        }
        return address + bar.size() - 1 >= 0xffff_ffffL ? UNMAPPED : address;
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
