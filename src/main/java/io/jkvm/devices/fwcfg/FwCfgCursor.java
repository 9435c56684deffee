package io.jkvm.devices.fwcfg;

/**
 * The selected item and the data offset in it (QEMU's cur_entry and cur_offset). Selecting
 * sets the offset to 0; the offset never passes the item's end, and with no item (an unknown
 * selector) there is nothing to read. Not thread-safe: {@link FwCfg} guards it.
 */
final class FwCfgCursor {
    private final FwCfgItems items;
    private int selector;
    private byte[] item;
    private int offset;

    FwCfgCursor(FwCfgItems items) {
        this.items = items;
        select(FwCfgKeys.SIGNATURE);
    }

    void select(int selector) {
        this.selector = selector & 0xffff;
        this.item = items.lookup(this.selector);
        this.offset = 0;
    }

    int selector() { return selector; }

    int offset() { return offset; }

    /** Bytes left in the selected item (0 with none selected). */
    int remaining() {
        return item == null ? 0 : item.length - offset;
    }

    /** The next byte, or 0 past the end. */
    int next() {
        return remaining() == 0 ? 0 : Byte.toUnsignedInt(item[offset++]);
    }

    /** The selected item (not a copy), for {@code remaining()} bytes from {@code offset()}. */
    byte[] item() { return item; }

    /** Moves the offset on by {@code n <= remaining()} bytes. */
    void advance(int n) {
        offset += n;
    }
}
