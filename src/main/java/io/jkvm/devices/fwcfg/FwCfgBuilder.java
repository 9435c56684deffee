package io.jkvm.devices.fwcfg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects fw_cfg items as QEMU's hw/nvram/fw_cfg.c adds them: numbered items with
 * {@code addBytes}/{@code addU16}/{@code addU32}/{@code addU64}/{@code addString}
 * (fw_cfg_add_bytes, _i16, _i32, _i64, _string: integers little-endian, strings with their NUL)
 * and named files with {@link #addFile} (fw_cfg_add_file).
 *
 * <p>{@link #build()} gives the files the selectors from {@link FwCfgKeys#FILE_FIRST} up, in
 * name order (strcmp, as QEMU sorts the directory for all but legacy machine types), and makes
 * the {@link FwCfgKeys#FILE_DIR} item (docs/specs/fw_cfg.rst, "File Directory"):
 * <pre>
 * be32 count, then count times: be32 size; be16 select; be16 reserved (0); char name[56] (NUL-padded)
 * </pre>
 * QEMU sizes the directory for all its file slots and leaves the unused entries zero; jkvm's
 * holds exactly {@code count} entries. Guests (SeaBIOS, OVMF, Linux's qemu_fw_cfg) read the
 * count first and then only that many entries.
 *
 * <p>Everything is checked here, where QEMU asserts: a key holds one item; numbered items sit
 * below the file range (or in the arch-local set); names are 1 to 55 bytes of UTF-8 without
 * NUL and unique. Violations throw {@link IllegalArgumentException}. Arrays are copied.
 */
public final class FwCfgBuilder {
    /** A name fills at most 55 bytes of {@code char name[56]} (FW_CFG_MAX_FILE_PATH), leaving the NUL. */
    public static final int MAX_FILE_NAME_BYTES = 55;
    /** Files take selectors FILE_FIRST to ENTRY_MASK. */
    public static final int MAX_FILES = FwCfgKeys.ENTRY_MASK + 1 - FwCfgKeys.FILE_FIRST;
    /** Bytes of one directory entry (struct fw_cfg_file). */
    public static final int FILE_ENTRY_SIZE = 64;

    private final Map<Integer, byte[]> items = new HashMap<>();
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    /** Adds item {@code key} (fw_cfg_add_bytes). */
    public FwCfgBuilder addBytes(int key, byte[] data) {
        if (key < 0 || key > 0xffff || (key & FwCfgKeys.WRITE_CHANNEL) != 0) {
            throw new IllegalArgumentException(String.format("0x%x is not an fw_cfg item key", key));
        }
        if (key == FwCfgKeys.FILE_DIR || (key & FwCfgKeys.ARCH_LOCAL) == 0 && key >= FwCfgKeys.FILE_FIRST) {
            throw new IllegalArgumentException(String.format(
                    "fw_cfg key 0x%x is the file directory or a file's: use addFile", key));
        }
        if (items.containsKey(key)) throw new IllegalArgumentException(String.format("fw_cfg key 0x%x is already set", key));
        items.put(key, data.clone());
        return this;
    }

    /** A little-endian 16-bit item (fw_cfg_add_i16); {@code value} may be given signed or unsigned. */
    public FwCfgBuilder addU16(int key, long value) {
        return addBytes(key, littleEndian(value, 2));
    }

    /** A little-endian 32-bit item (fw_cfg_add_i32). */
    public FwCfgBuilder addU32(int key, long value) {
        return addBytes(key, littleEndian(value, 4));
    }

    /** A little-endian 64-bit item (fw_cfg_add_i64). */
    public FwCfgBuilder addU64(int key, long value) {
        return addBytes(key, littleEndian(value, 8));
    }

    /** The UTF-8 bytes of {@code value} and a NUL (fw_cfg_add_string). */
    public FwCfgBuilder addString(int key, String value) {
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException("an fw_cfg string holds no NUL");
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        return addBytes(key, Arrays.copyOf(text, text.length + 1));
    }

    /** Adds a file; its selector is fixed by {@link #build()} (fw_cfg_add_file). */
    public FwCfgBuilder addFile(String name, byte[] data) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_FILE_NAME_BYTES || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("fw_cfg file names are 1 to " + MAX_FILE_NAME_BYTES
                    + " bytes without NUL: \"" + name + "\" has " + bytes.length);
        }
        if (files.containsKey(name)) throw new IllegalArgumentException("duplicate fw_cfg file name: " + name);
        if (files.size() == MAX_FILES) throw new IllegalArgumentException("fw_cfg holds at most " + MAX_FILES + " files");
        files.put(name, data.clone());
        return this;
    }

    /** The items, with the files numbered and the file directory made. */
    public FwCfgItems build() {
        List<String> names = new ArrayList<>(files.keySet());
        names.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        // The arrays are the builder's own copies and nothing changes them, so the items share
        // them rather than copying again (an initrd or kernel item may be large).
        Map<Integer, byte[]> all = new HashMap<>(items);
        ByteBuffer dir = ByteBuffer.allocate(4 + FILE_ENTRY_SIZE * names.size()).order(ByteOrder.BIG_ENDIAN);
        dir.putInt(names.size());
        for (int i = 0; i < names.size(); i++) {
            byte[] data = files.get(names.get(i));
            int selector = FwCfgKeys.FILE_FIRST + i;
            all.put(selector, data);
            dir.putInt(data.length);
            dir.putShort((short) selector);
            dir.putShort((short) 0);
            byte[] name = Arrays.copyOf(names.get(i).getBytes(StandardCharsets.UTF_8), FILE_ENTRY_SIZE - 8);
            dir.put(name);
        }
        all.put(FwCfgKeys.FILE_DIR, dir.array());
        return new FwCfgItems(all, names);
    }

    private static byte[] littleEndian(long value, int bytes) {
        int bits = 8 * bytes;
        if (bits < 64 && (value >> bits) != 0 && (value >> (bits - 1)) != -1) {
            throw new IllegalArgumentException(String.format("0x%x does not fit in %d bits", value, bits));
        }
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) out[i] = (byte) (value >>> (8 * i));
        return out;
    }
}
