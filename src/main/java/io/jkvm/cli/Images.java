package io.jkvm.cli;

import io.jkvm.JkvmException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.jkvm.config.MultibootKernel;
import io.jkvm.qemu.QemuCommandLine;

/** Reads guest images: user files, with one-line errors, and the built-in guests. */
final class Images {
    private Images() {}

    static byte[] readFile(Path file, long limit) {
        return readFile(file, limit, "image");
    }

    /** Reads a user's file; {@code what} ("image", "kernel", "initrd") names it in errors. */
    static byte[] readFile(Path file, long limit, String what) {
        try {
            if (Files.isDirectory(file)) throw new JkvmException(what + " " + file + " is a directory: give a file");
            long size = Files.size(file);
            if (size > limit) {
                throw new JkvmException(String.format("%s %s (%d bytes) is larger than guest RAM (%d bytes): give more --memory",
                        what, file, size, limit));
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new JkvmException(what + " " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new JkvmException("cannot read " + what + " " + file + ": permission denied");
        } catch (IOException e) {
            throw new JkvmException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    /**
     * Multiboot modules from QEMU's -initrd syntax (hw/i386/multiboot.c): a comma-separated list,
     * ",," standing for a comma; each entry is "FILE ARGS...", the file is read up to the first
     * space and the whole entry becomes the module's string. null gives no modules.
     */
    static List<MultibootKernel.Module> multibootModules(String list, long limit) {
        List<MultibootKernel.Module> modules = new ArrayList<>();
        if (list == null) return modules;
        for (String entry : QemuCommandLine.splitMultibootModules(list)) {
            String file = QemuCommandLine.multibootModuleFile(entry);
            if (file.isEmpty()) throw new JkvmException("multiboot module '" + entry + "' names no file");
            modules.add(new MultibootKernel.Module(readFile(Path.of(file), limit, "module"), entry));
        }
        return modules;
    }

    /** A guest assembled by the build (guests/*.S) and packaged in the jar under /guests. */
    static byte[] builtIn(String name) {
        try (InputStream in = Images.class.getResourceAsStream("/guests/" + name + ".bin")) {
            if (in == null) throw new JkvmException("built-in guest " + name + " is missing from the build: rebuild with ./jkvm --rebuild");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new JkvmException("cannot read built-in guest " + name + ": " + e.getMessage());
        }
    }
}
