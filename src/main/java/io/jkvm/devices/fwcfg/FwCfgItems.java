package io.jkvm.devices.fwcfg;

import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The fw_cfg items a guest can read, fixed once built by {@link FwCfgBuilder}: byte arrays
 * keyed by item (selector without the write bit, {@link FwCfgKeys#item}), including the file
 * directory and the files at the selectors it gives them.
 */
public final class FwCfgItems {
    private final Map<Integer, byte[]> items;
    private final List<String> fileNames;

    /** @param items not copied: the builder hands over its own copies, which nothing changes */
    FwCfgItems(Map<Integer, byte[]> items, List<String> fileNames) {
        this.items = Map.copyOf(items);
        this.fileNames = List.copyOf(fileNames);
    }

    /** A copy of the item {@code selector} names, or null when there is none. */
    public byte[] item(int selector) {
        byte[] data = lookup(selector);
        return data == null ? null : data.clone();
    }

    public boolean contains(int selector) {
        return lookup(selector) != null;
    }

    /** The items present, in key order. */
    public SortedSet<Integer> keys() {
        return new TreeSet<>(items.keySet());
    }

    /** The file names in directory order: the file at index i has selector FILE_FIRST + i. */
    public List<String> fileNames() {
        return fileNames;
    }

    /** The selector of the file called {@code name}, or -1. */
    public int fileSelector(String name) {
        int i = fileNames.indexOf(name);
        return i < 0 ? -1 : FwCfgKeys.FILE_FIRST + i;
    }

    /** The item itself, not a copy: for the device, which never changes it. */
    byte[] lookup(int selector) {
        return items.get(FwCfgKeys.item(selector));
    }
}
