package io.jkvm.qemu;

import java.util.Objects;

/**
 * {@code -fw_cfg [name=]NAME,file=PATH} or {@code -fw_cfg [name=]NAME,string=STR}: a named fw_cfg
 * file with a host file's content or a string's bytes (without a NUL). Exactly one of {@code file}
 * and {@code string} is non-null.
 */
public record FwCfgItem(String name, String file, String string) {
    /** fw_cfg names are at most this long (FW_CFG_MAX_FILE_PATH - 1). */
    public static final int MAX_NAME = 55;

    public FwCfgItem {
        Objects.requireNonNull(name, "name");
        if ((file == null) == (string == null)) throw new IllegalArgumentException("exactly one of file and string");
    }

    public static FwCfgItem ofFile(String name, String file) {
        return new FwCfgItem(name, Objects.requireNonNull(file), null);
    }

    public static FwCfgItem ofString(String name, String string) {
        return new FwCfgItem(name, null, Objects.requireNonNull(string));
    }
}
