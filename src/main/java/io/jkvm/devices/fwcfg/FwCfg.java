package io.jkvm.devices.fwcfg;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.memory.GuestMemory;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

import java.util.Objects;

/**
 * QEMU's fw_cfg device with port I/O and DMA (QEMU docs/specs/fw_cfg.rst; hw/nvram/fw_cfg.c,
 * fw_cfg_init_io_dma as hw/i386/fw_cfg.c calls it for the pc machine): guest firmware or a
 * kernel reads the {@link FwCfgItems} through
 * <ul>
 * <li>{@link #ioPort()} at {@link PcPorts#FW_CFG} (2 ports): selector writes and data reads, see
 *     {@link FwCfgIoPort};</li>
 * <li>{@link #dmaPort()} at {@link PcPorts#FW_CFG_DMA} (8 ports): the DMA address register, see
 *     {@link FwCfgDmaPort} and {@link FwCfgDma}.</li>
 * </ul>
 * State: the selected item, the data offset and the DMA address register, as QEMU's
 * cur_entry, cur_offset and dma_addr; reset selects {@link FwCfgKeys#SIGNATURE} (fw_cfg_reset).
 * Items are read-only. A pure device: no threads, no host I/O. Every access takes the device's
 * lock, so vCPUs may use it at once; a DMA operation holds it for as long as it copies (up to
 * 4 GiB of zeros for a read past an item's end, as QEMU too does in one go).
 */
public final class FwCfg implements Resettable, Stateful<FwCfgState> {
    /** Reads of the DMA address register: "QEMU CFG" big-endian (FW_CFG_DMA_SIGNATURE). */
    public static final long DMA_SIGNATURE = 0x51454d5520434647L;

    private final FwCfgItems items;
    private final GuestMemory memory;
    private final FwCfgCursor cursor;
    private final BusDevice ioPort = new FwCfgIoPort(this);
    private final BusDevice dmaPort = new FwCfgDmaPort(this);
    private long dmaAddress;

    /** @param memory the RAM DMA operations read and write */
    public FwCfg(FwCfgItems items, GuestMemory memory) {
        this.items = Objects.requireNonNull(items);
        this.memory = Objects.requireNonNull(memory);
        this.cursor = new FwCfgCursor(items);
    }

    public FwCfgItems items() { return items; }

    /** The selector/data device, for {@link PcPorts#FW_CFG}. */
    public BusDevice ioPort() { return ioPort; }

    /** The DMA device, for {@link PcPorts#FW_CFG_DMA}. */
    public BusDevice dmaPort() { return dmaPort; }

    /** Puts both devices on the port bus where QEMU's pc machine has them. */
    public void attach(Bus ports) {
        ports.attach(PcPorts.FW_CFG.base(), PcPorts.FW_CFG.length(), ioPort);
        ports.attach(PcPorts.FW_CFG_DMA.base(), PcPorts.FW_CFG_DMA.length(), dmaPort);
    }

    /** Device reset (fw_cfg_reset): selects the signature and clears the DMA address. */
    @Override
    public synchronized void reset() {
        cursor.select(FwCfgKeys.SIGNATURE);
        dmaAddress = 0;
    }

    @Override
    public synchronized FwCfgState state() {
        return new FwCfgState(cursor.selector(), cursor.offset(), dmaAddress);
    }

    /**
     * Selects the saved item and moves to the saved offset. Refused when the offset lies past
     * the end of that item here: the state was saved with other items (another kernel or
     * command line).
     */
    @Override
    public synchronized void restore(FwCfgState state) {
        byte[] item = items.lookup(state.selector());
        int length = item == null ? 0 : item.length;
        if (state.offset() > length) {
            throw new IllegalArgumentException(String.format(
                    "fw_cfg state is at offset %d of item 0x%04x, which has %d bytes here", state.offset(), state.selector(), length));
        }
        cursor.select(state.selector());
        cursor.advance(state.offset());
        dmaAddress = state.dmaAddress();
    }

    /** The selector last written (16 bits, write and arch bits included). */
    public synchronized int selector() { return cursor.selector(); }

    /** The data offset in the selected item. */
    public synchronized int offset() { return cursor.offset(); }

    synchronized void select(int selector) {
        cursor.select(selector);
    }

    synchronized int readData() {
        return cursor.next();
    }

    synchronized void writeDmaAddressHigh(long high) {
        dmaAddress = high << 32;
    }

    synchronized void writeDmaAddressLow(long low) {
        dmaAddress |= low;
        runDma();
    }

    synchronized void writeDmaAddress(long address) {
        dmaAddress = address;
        runDma();
    }

    /** The register reads 0 again once an operation starts (fw_cfg_dma_transfer). */
    private void runDma() {
        long access = dmaAddress;
        dmaAddress = 0;
        FwCfgDma.transfer(memory, cursor, access);
    }
}
