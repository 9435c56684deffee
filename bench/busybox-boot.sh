#!/usr/bin/env bash
# Boot to a busybox init: seconds from process start to the init's first line, jkvm against
# QEMU -accel kvm -cpu host with -M microvm and with -M pc, in the same run, on a host with
# VMX/SVM (issue 9). Every VMM gets the same kernel (Debian's cloud kernel,
# scripts/fetch-test-kernel.sh), initramfs (Debian's static /bin/busybox and a /init script
# that prints one line and powers off), command line (no nested-host flags), memory and vCPUs.
# Runs alternate between the VMMs (jkvm, microvm, pc, jkvm, ...) after one untimed warm-up
# round; the report (Markdown, also saved to bench/build/busybox-boot.md) gives min and median
# per VMM and the ratio of jkvm's to QEMU's.
#
#   scripts/emulated-kvm-host.sh bench/busybox-boot.sh     # on a machine without /dev/kvm
#   bench/busybox-boot.sh                                  # wraps itself so when /dev/kvm is absent
#   RUNS=5 CPUS="1 2" bench/busybox-boot.sh
#
# Needs python3, qemu-system-x86_64, busybox-static (scripts/setup.sh --tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
RUNS="${RUNS:-5}"
CPUS="${CPUS:-1 2}"
TIMEOUT="${TIMEOUT:-300}"
B=bench/build
mkdir -p $B

if [[ ! -e /dev/kvm && -z "${JKVM_EMULATED_HOST:-}" ]]; then
  # Prepare outside (the build and the kernel download are slow in the emulated host), then run there.
  ./jkvm --version >/dev/null
  bash scripts/fetch-test-kernel.sh >/dev/null
  echo "busybox-boot: no /dev/kvm here: running in the emulated KVM host (scripts/emulated-kvm-host.sh)" >&2
  JKVM_HOST_HOLD_KVM_KEYS=1 exec scripts/emulated-kvm-host.sh "$0" "$@"
fi
for tool in python3 qemu-system-x86_64; do
  command -v "$tool" >/dev/null || { echo "busybox-boot: $tool is missing (scripts/setup.sh --tests)" >&2; exit 1; }
done
[[ -x /bin/busybox ]] || { echo "busybox-boot: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

kernel="$(bash scripts/fetch-test-kernel.sh)"
initrd=$B/busybox-initramfs.cpio
# The initramfs in cpio "newc", as CpioWriter writes it: no mknod and no root needed for
# /dev/console (the emulated host's 9p share refuses mknod anyway).
python3 - "$initrd" <<'EOF'
import sys
init = b"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "jkvm-bench: init, guest uptime $(/bin/busybox cut -d' ' -f1 /proc/uptime) s"
/bin/busybox poweroff -f
"""
out = bytearray()
def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    n = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(n), 0)
    out.extend(b"070701" + b"".join(b"%08x" % f for f in fields) + n)
    out.extend(b"\0" * (-len(out) % 4) + data)
    out.extend(b"\0" * (-len(out) % 4))
entry(1, "bin", 0o040755)
entry(2, "bin/busybox", 0o100755, open("/bin/busybox", "rb").read())
entry(3, "bin/sh", 0o120777, b"busybox")
entry(4, "dev", 0o040755)
entry(5, "dev/console", 0o020600, rdev=(5, 1))
entry(6, "proc", 0o040755)
entry(7, "init", 0o100755, init)
entry(0, "TRAILER!!!", 0)
open(sys.argv[1], "wb").write(out)
EOF
append="console=ttyS0 quiet panic=-1"
report=$B/busybox-boot.md
: >"$report"
say() { echo "$*" | tee -a "$report"; }
stats() { sort -g | awk '{a[NR]=$1} END {m=(NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); printf "%.2f %.2f\n", a[1], m}'; }

say "# Busybox boot: process start to the init's first line, $(date -u +%Y-%m-%dT%H:%MZ)"
say ""
say "Host: $(nproc) CPUs, $(uname -r), $([[ -n "${JKVM_EMULATED_HOST:-}" ]] && echo 'emulated KVM host (QEMU TCG, SVM)' || echo 'KVM'), load $(cut -d' ' -f1-3 /proc/loadavg)."
say "Kernel $(basename "$kernel"), initramfs $(du -k "$initrd" | cut -f1) KiB (busybox + /init), 256 MiB,"
say "command line \`$append\`; $RUNS timed runs per VMM after one warm-up round, VMMs alternating."
say ""
say "| vCPUs | VMM | first init line min / median (s) | guest uptime at init, median (s) | jkvm / this, medians |"
say "|---|---|---|---|---|"

names=("jkvm run --kernel" "QEMU -M microvm" "QEMU -M pc")
for cpus in $CPUS; do
  q=(-accel kvm -cpu host -smp "$cpus" -m 256 -kernel "$kernel" -initrd "$initrd" -append "$append"
     -serial stdio -display none -nodefaults -no-reboot)
  cmds=("$(printf '%q ' ./jkvm run --kernel "$kernel" --initrd "$initrd" --memory 256M --cpus "$cpus" --host-profile none --append "$append")"
        "$(printf '%q ' qemu-system-x86_64 -M microvm "${q[@]}")"
        "$(printf '%q ' qemu-system-x86_64 -M pc "${q[@]}")")
  wall=("" "" "") up=("" "" "")
  for ((r = 0; r <= RUNS; r++)); do
    for i in 0 1 2; do
      out="$(LINETIME_LINES=1 python3 bench/linetime.py "$TIMEOUT" "jkvm-bench: init" -- bash -c "exec ${cmds[$i]} 2>&1" || true)"
      t="$(sed -n 's/^jkvm-bench:_init=\([0-9.]*\)$/\1/p' <<<"$out")"
      [[ -n "$t" ]] || { echo "busybox-boot: ${names[$i]} ($cpus vCPUs) did not reach init in ${TIMEOUT}s" >&2; exit 1; }
      echo "busybox-boot: $cpus vCPU(s), ${names[$i]}, $( ((r == 0)) && echo warm-up || echo "run $r"): $t s" >&2
      (( r == 0 )) && continue
      wall[$i]+="$t "
      up[$i]+="$(sed -n 's/.*guest uptime \([0-9.]*\) s$/\1/p' <<<"$out") "
    done
  done
  read -r _ jmed <<<"$(tr ' ' '\n' <<<"${wall[0]}" | grep . | stats)"
  for i in 0 1 2; do
    read -r min med <<<"$(tr ' ' '\n' <<<"${wall[$i]}" | grep . | stats)"
    ratio="$( ((i == 0)) && echo "-" || python3 -c "print(f'{$jmed / $med:.2f}')")"
    read -r _ umed <<<"$(tr ' ' '\n' <<<"${up[$i]}" | grep . | stats)"
    say "| $cpus | ${names[$i]} | $min / $med | $umed | $ratio |"
  done
done
say ""
say "Commands (N = vCPUs): \`./jkvm run --kernel K --initrd I --memory 256M --cpus N --host-profile none --append '$append'\`;"
say "\`qemu-system-x86_64 -M microvm|pc -accel kvm -cpu host -smp N -m 256 -kernel K -initrd I -append '$append' -serial stdio -display none -nodefaults -no-reboot\`."
