package io.jkvm.pci;

import io.jkvm.bus.BusDevice;
import io.jkvm.irq.MsiMessage;
import io.jkvm.irq.MsiSink;

/**
 * An MSI-X capability with its table and pending bit array (PCI Local Bus 3.0, 6.8.2; PCIe
 * base 6.8.2 has the same registers):
 * <pre>
 * capability +0  ID 0x11, next pointer
 *            +2  message control: 15 MSI-X enable, 14 function mask (both writable),
 *                10:0 table size N - 1 (read-only)
 *            +4  table offset (31:3) | table BIR (2:0)      read-only
 *            +8  PBA offset (31:3)   | PBA BIR (2:0)        read-only
 * table entry n, 16 bytes at table offset + 16 n (6.8.2.6-6.8.2.9):
 *            +0  message address (lower 32 bits)   +4  message upper address
 *            +8  message data                       +12 vector control: bit 0 mask (1 after reset)
 * PBA: bit n of qword n / 64 = vector n pending (6.8.2.10), read-only
 * </pre>
 * The table and the PBA are MMIO regions ({@link #table()}, {@link #pba()}) the device puts in
 * its BARs; {@link #exclusiveBar} makes one BAR holding both, as QEMU's
 * {@code msix_init_exclusive_bar} (table at 0, PBA at half the BAR).
 *
 * <h2>Delivery</h2>
 * {@link #trigger}(n) while MSI-X is enabled: if the function or entry n is masked, sets
 * pending bit n ("the function must set the associated Pending bit whenever it would otherwise
 * send the message", 6.8.2.9); otherwise sends entry n's message to the {@link MsiSink}.
 * Unmasking an entry, clearing the function mask or enabling MSI-X sends every pending message
 * that is now unmasked and clears its bit. A message is a memory write by the device, so
 * nothing is sent while the command register's bus master bit is clear (QEMU drops it the same
 * way).
 *
 * <h2>A hostile guest</h2>
 * A message whose address is not in the local APIC window 0xFEExxxxx would, on real hardware,
 * be a DMA write anywhere; jkvm refuses it (nothing is written, no interrupt) and logs it once.
 * Table and PBA accesses of any size and alignment are accepted byte by byte (the spec asks for
 * aligned dwords and qwords and leaves the rest undefined); the PBA ignores writes; the reserved
 * vector-control bits 31:1 read 0. Nothing a guest writes can make this class throw.
 *
 * <p>Thread-safe: the table, PBA and enable state are guarded by this object; the sink is
 * called with it held, so a message is never sent after the guest masked its vector.
 */
public final class MsixCapability implements VectorTrigger {
    public static final int LENGTH = 12;
    public static final int MESSAGE_CONTROL = 2;
    public static final int TABLE_OFFSET = 4;
    public static final int PBA_OFFSET = 8;
    public static final int CONTROL_ENABLE = 0x8000;
    public static final int CONTROL_FUNCTION_MASK = 0x4000;
    public static final int CONTROL_TABLE_SIZE = 0x07ff;
    public static final int MAX_VECTORS = 2048;

    public static final int ENTRY_SIZE = 16;
    public static final int ENTRY_ADDRESS_LO = 0;
    public static final int ENTRY_ADDRESS_HI = 4;
    public static final int ENTRY_DATA = 8;
    public static final int ENTRY_VECTOR_CONTROL = 12;
    public static final int VECTOR_MASKED = 1;

    private final PciConfigSpace config;
    private final int offset;
    private final int vectors;
    private final MsiSink sink;
    private final GuestErrorLog log;
    /** Four dwords per entry: address lo, address hi, data, vector control. */
    private final int[] table;
    private final long[] pba;
    /** Entry n's message, rebuilt when the guest writes its address or data: trigger allocates nothing. */
    private final MsiMessage[] messages;
    private final BusDevice tableRegion = new TableRegion();
    private final BusDevice pbaRegion = new PbaRegion();
    private boolean enabled;
    private boolean functionMasked;

    /**
     * Adds the capability to {@code config}, with the table at {@code tableOffset} of BAR
     * {@code tableBar} and the PBA at {@code pbaOffset} of BAR {@code pbaBar} (both 8-byte
     * aligned; the device maps {@link #table()} and {@link #pba()} there). For device construction.
     */
    public MsixCapability(PciConfigSpace config, int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset,
                          MsiSink sink, GuestErrorLog log) {
        if (vectors < 1 || vectors > MAX_VECTORS) throw new IllegalArgumentException("MSI-X has 1 to 2048 vectors: " + vectors);
        checkLocation("table", tableBar, tableOffset);
        checkLocation("PBA", pbaBar, pbaOffset);
        this.config = config;
        this.vectors = vectors;
        this.sink = sink;
        this.log = log;
        this.table = new int[vectors * 4];
        this.pba = new long[(vectors + 63) / 64];
        this.messages = new MsiMessage[vectors];
        for (int v = 0; v < vectors; v++) {
            table[v * 4 + 3] = VECTOR_MASKED;
            messages[v] = new MsiMessage(0, 0);
        }
        offset = config.addCapability(PciCapabilities.ID_MSIX, LENGTH, this::controlWritten);
        config.initRegister(offset + MESSAGE_CONTROL, 2, vectors - 1, CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
        config.initRegister(offset + TABLE_OFFSET, 4, (int) tableOffset | tableBar, 0);
        config.initRegister(offset + PBA_OFFSET, 4, (int) pbaOffset | pbaBar, 0);
    }

    private static void checkLocation(String what, int bar, long at) {
        if (bar < 0 || bar >= PciConfigSpace.BAR_COUNT || at < 0 || at > 0xffff_fff8L || (at & 7) != 0) {
            throw new IllegalArgumentException(String.format("MSI-X %s at BAR %d offset 0x%x: not a BAR 0-5 and 8-byte aligned 32-bit offset", what, bar, at));
        }
    }

    /** The size of a BAR holding only the table and the PBA, as QEMU's msix_init_exclusive_bar computes it. */
    public static long exclusiveBarSize(int vectors) {
        long pbaOffset = exclusivePbaOffset(vectors);
        long end = Math.max(4096, pbaOffset + pbaSize(vectors));
        return Long.highestOneBit(end - 1) << 1;
    }

    private static long exclusivePbaOffset(int vectors) {
        return Math.max(2048, (long) vectors * ENTRY_SIZE);
    }

    /**
     * An MSI-X capability whose table (at 0) and PBA (at half the BAR, or right after a larger
     * table) fill memory BAR {@code bar} on their own: declares the BAR (64-bit if
     * {@code memory64}) and the capability. For device construction.
     */
    public static MsixCapability exclusiveBar(PciConfigSpace config, int bar, boolean memory64, int vectors, MsiSink sink,
                                              GuestErrorLog log) {
        long pbaOffset = exclusivePbaOffset(vectors);
        MsixCapability msix = new MsixCapability(config, vectors, bar, 0, bar, pbaOffset, sink, log);
        BusDevice region = new BusDevice() {
            @Override
            public long read(long at, int size) {
                if (at >= pbaOffset) return msix.pbaRegion.read(at - pbaOffset, size);
                return msix.tableRegion.read(at, size);
            }

            @Override
            public void write(long at, int size, long value) {
                if (at < pbaOffset) msix.tableRegion.write(at, size, value);
            }
        };
        long size = exclusiveBarSize(vectors);
        if (memory64) config.addMemoryBar64(bar, size, false, region); else config.addMemoryBar(bar, size, region);
        return msix;
    }

    public int vectors() { return vectors; }

    /** The capability's offset in configuration space. */
    public int capabilityOffset() { return offset; }

    /** The table's length: 16 bytes per vector. */
    public long tableSize() { return (long) vectors * ENTRY_SIZE; }

    /** The PBA's length: a qword per 64 vectors. */
    public long pbaSize() { return pbaSize(vectors); }

    private static long pbaSize(int vectors) { return (vectors + 63) / 64 * 8L; }

    /** The table as an MMIO region, offsets from its first entry. */
    public BusDevice table() { return tableRegion; }

    /** The PBA as an MMIO region. */
    public BusDevice pba() { return pbaRegion; }

    public synchronized boolean enabled() { return enabled; }

    public synchronized boolean functionMasked() { return functionMasked; }

    public synchronized boolean masked(int vector) {
        return vector >= 0 && vector < vectors && (table[vector * 4 + 3] & VECTOR_MASKED) != 0;
    }

    public synchronized boolean pending(int vector) {
        return vector >= 0 && vector < vectors && (pba[vector >>> 6] & (1L << vector)) != 0;
    }

    @Override
    public synchronized boolean trigger(int vector) {
        if (!enabled) return false;
        if (vector < 0 || vector >= vectors) {
            log.once("msix-vector-range", () -> String.format("MSI-X vector %d raised, the table has %d: ignored", vector, vectors));
            return true;
        }
        if (functionMasked || (table[vector * 4 + 3] & VECTOR_MASKED) != 0) {
            pba[vector >>> 6] |= 1L << vector;
        } else {
            send(vector);
        }
        return true;
    }

    /** After a guest write to the capability: the enable and function mask bits. */
    private void controlWritten() {
        int control = config.read(offset + MESSAGE_CONTROL, 2);
        synchronized (this) {
            enabled = (control & CONTROL_ENABLE) != 0;
            functionMasked = (control & CONTROL_FUNCTION_MASK) != 0;
            if (enabled && !functionMasked) {
                for (int v = 0; v < vectors; v++) sendIfPendingAndUnmasked(v);
            }
        }
    }

    private void sendIfPendingAndUnmasked(int v) {
        long bit = 1L << v;
        if ((pba[v >>> 6] & bit) == 0 || (table[v * 4 + 3] & VECTOR_MASKED) != 0) return;
        pba[v >>> 6] &= ~bit;
        send(v);
    }

    private void send(int vector) {
        if (!config.busMaster()) {
            log.once("msix-no-bus-master", () -> "MSI-X message with bus mastering off (command bit 2): dropped");
            return;
        }
        MsiMessage message = messages[vector];
        if (!message.valid()) {
            log.once("msix-bad-address", () -> String.format("MSI-X vector %d: %s is outside the local APIC window 0xFEExxxxx: refused",
                    vector, message));
            return;
        }
        if (!sink.signal(message)) log.once("msix-refused", () -> String.format("MSI-X vector %d: %s was not delivered", vector, message));
    }

    /** The table: byte-wise, so any size and alignment works; vector control bits 31:1 stay 0. */
    private final class TableRegion implements BusDevice {
        @Override
        public long read(long at, int size) {
            long value = 0;
            synchronized (MsixCapability.this) {
                for (int i = 0; i < size && i < 8; i++) value |= (long) tableByte(at + i) << (8 * i);
            }
            return value;
        }

        private int tableByte(long at) {
            if (at < 0 || at >= (long) table.length * 4) return 0;
            return (table[(int) (at >>> 2)] >>> (8 * (at & 3))) & 0xff;
        }

        @Override
        public void write(long at, int size, long value) {
            if (size < 1 || size > 8 || at < 0 || at >= (long) table.length * 4) return;
            synchronized (MsixCapability.this) {
                int first = (int) (at / ENTRY_SIZE);
                int last = (int) Math.min((at + size - 1) / ENTRY_SIZE, vectors - 1);
                for (int i = 0; i < size; i++) {
                    long byteAt = at + i;
                    if (byteAt >= (long) table.length * 4) break;
                    int word = (int) (byteAt >>> 2);
                    int shift = 8 * (int) (byteAt & 3);
                    table[word] = (table[word] & ~(0xff << shift)) | (int) ((value >>> (8 * i)) & 0xff) << shift;
                }
                for (int v = first; v <= last; v++) {
                    table[v * 4 + 3] &= VECTOR_MASKED;
                    long address = (table[v * 4] & 0xffff_ffffL) | (long) table[v * 4 + 1] << 32;
                    MsiMessage m = messages[v];
                    if (m.address() != address || m.data() != table[v * 4 + 2]) messages[v] = new MsiMessage(address, table[v * 4 + 2]);
                    if (enabled && !functionMasked) sendIfPendingAndUnmasked(v);
                }
            }
        }
    }

    /** The pending bits: read-only. */
    private final class PbaRegion implements BusDevice {
        @Override
        public long read(long at, int size) {
            long value = 0;
            synchronized (MsixCapability.this) {
                for (int i = 0; i < size && i < 8; i++) {
                    long byteAt = at + i;
                    if (byteAt < 0 || byteAt >= (long) pba.length * 8) continue;
                    value |= ((pba[(int) (byteAt >>> 3)] >>> (8 * (byteAt & 7))) & 0xff) << (8 * i);
                }
            }
            return value;
        }

        @Override
        public void write(long at, int size, long value) {
            // Read-only (6.8.2.10: software should never write, and should only use reads).
        }
    }
}
