package io.jkvm.config;

import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;

import java.util.Map;
import java.util.Objects;

/**
 * A flat image for the bare machine: copied to {@code loadAddress} and entered at
 * {@code entry} in {@code mode}, with jkvm's GDT and page tables for protected and long mode,
 * and {@code registers} set on every vCPU (RDI = the vCPU index unless given).
 */
public record RawImage(byte[] image, String name, long loadAddress, CpuMode mode, EntryPoint entry,
                       Map<String, Long> registers) implements BootSource {
    public RawImage {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(entry, "entry");
        if (name == null) name = "image";
        registers = Map.copyOf(registers);
    }
}
