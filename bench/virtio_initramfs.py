#!/usr/bin/env python3
"""Writes a busybox initramfs (cpio "newc") that loads Debian's virtio modules and runs a script.

    bench/virtio_initramfs.py OUT.cpio MODULES_DIR INIT_SCRIPT [FILE=PATH_IN_GUEST]...

MODULES_DIR is what scripts/fetch-test-kernel.sh keeps beside the vmlinuz (modules-RELEASE/:
modules.dep and the .ko files in the package's layout). The archive holds /bin/busybox (the
host's static one), the virtio modules in dependency order (/modules.order, a depth-first walk
of modules.dep, as io.jkvm.it.VirtioInitramfs does for the tests), /init (INIT_SCRIPT) and
each extra FILE at PATH_IN_GUEST (mode 0755). No root or mknod needed (/dev/console is an
archive entry).
"""
import os
import sys

WANTED = ["virtio_mmio", "virtio_pci", "virtio_blk", "virtio_console", "virtio-rng"]


def load_order(dep_text):
    deps, by_name = {}, {}
    for line in dep_text.splitlines():
        if ":" not in line:
            continue
        path, rest = line.split(":", 1)
        deps[path] = rest.split()
        by_name[os.path.basename(path).split(".ko")[0]] = path
    order = []

    def visit(p, stack):
        if p in order:
            return
        if p in stack:
            sys.exit(f"virtio_initramfs: dependency cycle through {p}")
        for d in deps[p]:
            visit(d, stack + [p])
        order.append(p)

    for name in WANTED:
        if name not in by_name:
            sys.exit(f"virtio_initramfs: modules.dep names no {name}")
        visit(by_name[name], [])
    return order


def main():
    out_path, mods, init = sys.argv[1], sys.argv[2], sys.argv[3]
    extras = [a.split("=", 1) for a in sys.argv[4:]]
    order = load_order(open(os.path.join(mods, "modules.dep")).read())
    out = bytearray()
    ino = [0]

    def entry(name, mode, data=b"", rdev=(0, 0)):
        ino[0] += 1
        n = name.encode() + b"\0"
        fields = (ino[0] if name != "TRAILER!!!" else 0, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(n), 0)
        out.extend(b"070701" + b"".join(b"%08x" % f for f in fields) + n)
        out.extend(b"\0" * (-len(out) % 4) + data)
        out.extend(b"\0" * (-len(out) % 4))

    dirs = set()

    def directory(path):
        if not path.strip("/"):
            return
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.add(d)
                entry(d, 0o040755)

    for d in ("bin", "dev", "proc", "sys", "tmp", "mnt"):
        directory(d)
    entry("bin/busybox", 0o100755, open("/bin/busybox", "rb").read())
    entry("bin/sh", 0o120777, b"busybox")
    entry("dev/console", 0o020600, rdev=(5, 1))
    for m in order:
        directory("lib/modules/" + os.path.dirname(m))
        entry("lib/modules/" + m, 0o100644, open(os.path.join(mods, m), "rb").read())
    entry("modules.order", 0o100644, ("\n".join(order) + "\n").encode())
    for src, dst in extras:
        directory(os.path.dirname(dst.strip("/")))
        entry(dst.strip("/"), 0o100755, open(src, "rb").read())
    entry("init", 0o100755, open(init, "rb").read())
    entry("TRAILER!!!", 0)
    with open(out_path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
