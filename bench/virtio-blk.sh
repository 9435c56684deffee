#!/usr/bin/env bash
# virtio-blk throughput: jkvm (./jkvm run --drive) against qemu-system-x86_64 -accel kvm with
# the same kernel, initramfs, command line, memory, vCPUs, image and run. The guest is Debian's cloud kernel with a busybox initramfs
# (bench/virtio_initramfs.py: the virtio modules, then bench/blkbench.c built static) that runs,
# on /dev/vda with O_DIRECT and one request at a time:
#   sequential 1 MiB writes, sequential 1 MiB reads, random 4 KiB writes, random 4 KiB reads,
# each for SECONDS, and powers off. The image (IMAGE_MIB, filled with data first so that no read
# hits a hole) is one file in $TMPDIR shared by every run; both VMMs use the host's page cache
# (QEMU's default cache=writeback; jkvm's pread/pwrite), so this measures the VMMs' request
# path, not a disk. Runs alternate QEMU, jkvm, QEMU, jkvm... per machine (microvm: virtio-mmio,
# pc: virtio-pci). The report (Markdown, also bench/build/virtio-blk.md) gives the median MB/s
# and IOPS per VMM and the ratio jkvm / QEMU.
#
#   bench/virtio-blk.sh                                   # runs itself in the emulated KVM host without /dev/kvm
#   RUNS=3 SECONDS_EACH=10 MACHINES=pc bench/virtio-blk.sh
#
# Needs gcc (static glibc: libc6-dev), python3, qemu-system-x86_64, busybox-static
# (scripts/setup.sh --tests) and the kernel with its modules (scripts/fetch-test-kernel.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
RUNS="${RUNS:-1}"
SECONDS_EACH="${SECONDS_EACH:-5}"
WARMUP_EACH="${WARMUP_EACH:-3}"
MACHINES="${MACHINES:-microvm pc}"
IMAGE_MIB="${IMAGE_MIB:-128}"
TIMEOUT="${TIMEOUT:-400}"
B=bench/build
mkdir -p $B

if [[ ! -e /dev/kvm && -z "${JKVM_EMULATED_HOST:-}" ]]; then
  # Prepare outside (the build and the download are slow in the emulated host), then run there.
  ./jkvm --version >/dev/null
  bash scripts/fetch-test-kernel.sh >/dev/null
  gcc -static -O2 -Wall -Wextra -std=gnu11 -o $B/blkbench bench/blkbench.c
  echo "virtio-blk: no /dev/kvm here: running in the emulated KVM host (scripts/emulated-kvm-host.sh)" >&2
  JKVM_HOST_HOLD_KVM_KEYS=1 exec scripts/emulated-kvm-host.sh "$0" "$@"
fi
for tool in python3 qemu-system-x86_64; do
  command -v "$tool" >/dev/null || { echo "virtio-blk: $tool is missing (scripts/setup.sh --tests)" >&2; exit 1; }
done
[[ -x /bin/busybox ]] || { echo "virtio-blk: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 1; }
[[ -x $B/blkbench && $B/blkbench -nt bench/blkbench.c ]] || gcc -static -O2 -Wall -Wextra -std=gnu11 -o $B/blkbench bench/blkbench.c

kernel="$(bash scripts/fetch-test-kernel.sh)"
release="$(basename "$kernel")"; release="${release#vmlinuz-}"
modules="$(dirname "$kernel")/modules-$release"
[[ -s $modules/modules.dep ]] || { echo "virtio-blk: no $modules: run scripts/fetch-test-kernel.sh" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/jkvm-virtio-blk.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in \$(cat /modules.order); do insmod /lib/modules/\$m || echo "jkvm-bench: insmod \$m failed"; done
n=0; while [ ! -e /dev/vda ] && [ \$n -lt 300 ]; do usleep 100000; n=\$((n + 1)); done
echo "jkvm-bench: vda \$(cat /sys/block/vda/size) sectors over \$(basename \$(readlink \$(dirname \$(readlink -f /sys/block/vda/device))/driver))"
q=/sys/block/vda/queue
echo "jkvm-bench: queue max_segments=\$(cat \$q/max_segments) max_segment_size=\$(cat \$q/max_segment_size) max_sectors_kb=\$(cat \$q/max_sectors_kb) max_hw_sectors_kb=\$(cat \$q/max_hw_sectors_kb)"
# The requests the guest's block layer sent in one test: the read and write I/Os and sectors of
# /sys/block/vda/stat (Linux Documentation/block/stat.rst) before and after it.
requests() { set -- \$(cat /sys/block/vda/stat); echo "\$1 \$3 \$5 \$7"; }
run() {   # MODE BLOCK_SIZE SECONDS LABEL
  set -- \$1 \$2 \$3 \$4 \$(requests)
  /bin/blkbench /dev/vda \$1 \$2 \$3 | sed "s/^blkbench:/\$4/"
  set -- \$1 \$2 \$3 \$4 \$5 \$6 \$7 \$8 \$(requests)
  echo "jkvm-bench: \$4 \$1 requests: reads \$((\$9 - \$5)) (\$(( (\${10} - \$6) / 2 )) KiB), writes \$((\${11} - \$7)) (\$(( (\${12} - \$8) / 2 )) KiB)"
}
# A first pass of WARMUP_EACH s per test (each VMM's first seconds: jkvm's JIT compiles the
# request path here), reported in a table of its own, then the timed pass of the main table.
if [ $WARMUP_EACH -gt 0 ]; then
  for t in "seqwrite 1048576" "seqread 1048576" "randwrite 4096" "randread 4096"; do run \$t $WARMUP_EACH first:; done
fi
for t in "seqwrite 1048576" "seqread 1048576" "randwrite 4096" "randread 4096"; do run \$t $SECONDS_EACH blkbench:; done
echo "jkvm-bench: done"
poweroff -f
EOF
python3 bench/virtio_initramfs.py "$work/initramfs.cpio" "$modules" "$work/init" "$B/blkbench=/bin/blkbench"
image="$work/disk.img"
(set +o pipefail; yes "jkvm virtio-blk benchmark image" | head -c $((IMAGE_MIB << 20)) >"$image")   # yes ends on SIGPIPE

append="console=ttyS0 quiet panic=-1"
report=$B/virtio-blk.md
: >"$report"
say() { echo "$*" | tee -a "$report"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else printf "%.2f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

say "# virtio-blk: jkvm against QEMU, $(date -u +%Y-%m-%dT%H:%MZ)"
say ""
say "Host: $(nproc) CPUs, $(uname -r), $([[ -n "${JKVM_EMULATED_HOST:-}" ]] && echo 'emulated KVM host (QEMU TCG, SVM)' || echo 'KVM'), load $(cut -d' ' -f1-3 /proc/loadavg); $(qemu-system-x86_64 --version | head -1)."
say "Guest: $(basename "$kernel"), 1 vCPU, 256 MiB, \`$append\`; bench/blkbench.c on /dev/vda, O_DIRECT, queue depth 1;"
say "first a pass of $WARMUP_EACH s per test (the \"first seconds\" table), then the timed pass of $SECONDS_EACH s per test (the main table);"
say "image: $IMAGE_MIB MiB raw file in the host's \$TMPDIR, shared by all runs. $RUNS run(s) per VMM and machine, alternating; medians."

tests=(seqwrite seqread randwrite randread)
header=$'| machine | test | QEMU MB/s | jkvm MB/s | QEMU IOPS | jkvm IOPS | jkvm / QEMU |\n|---|---|---|---|---|---|---|'
timed_rows="" first_rows=""
# Median MB/s and IOPS per VMM of the lines labelled $1 ("blkbench" or "first") in $out of every run.
rows() {
  local label=$1 machine=$2 t qm jm qi ji name
  for t in "${tests[@]}"; do
    qm="$(tr ' ' '\n' <<<"${mbps[$label.qemu.$t]:-}" | grep . | median)"; jm="$(tr ' ' '\n' <<<"${mbps[$label.jkvm.$t]:-}" | grep . | median)"
    qi="$(tr ' ' '\n' <<<"${iops[$label.qemu.$t]:-}" | grep . | median)"; ji="$(tr ' ' '\n' <<<"${iops[$label.jkvm.$t]:-}" | grep . | median)"
    name="$(sed 's/seq/sequential /; s/rand/random /' <<<"$t") $([[ $t == seq* ]] && echo '1 MiB' || echo '4 KiB')"
    echo "| $machine | $name | $qm | $jm | $qi | $ji | $(python3 -c "print(f'{$jm / $qm:.2f}' if '$qm' != 'nan' and '$jm' != 'nan' and $qm > 0 else '-')") |"
  done
}
for machine in $MACHINES; do
  if [[ $machine == pc ]]; then dev=(-drive "file=$image,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0)
  else dev=(-drive "file=$image,if=none,id=d0,format=raw" -device virtio-blk-device,drive=d0); fi
  args=(-M "$machine" -accel kvm -cpu host -smp 1 -m 256 -kernel "$kernel" -initrd "$work/initramfs.cpio"
        -append "$append" -serial stdio -display none -nodefaults -no-reboot "${dev[@]}")
  declare -A mbps=() iops=()
  for ((r = 1; r <= RUNS; r++)); do
    for vmm in qemu jkvm; do
      if [[ $vmm == qemu ]]; then cmd=(qemu-system-x86_64 "${args[@]}")
      else cmd=(./jkvm run --kernel "$kernel" --initrd "$work/initramfs.cpio" --append "$append" --memory 256M --cpus 1
                --machine "$machine" --host-profile none --drive "file=$image,format=raw"); fi
      out="$(timeout "$TIMEOUT" "${cmd[@]}" </dev/null 2>&1 | tr -d '\r' || true)"
      if ! grep -q '^jkvm-bench: done' <<<"$out"; then
        echo "virtio-blk: $vmm -M $machine did not finish; its output:" >&2
        tail -n 30 <<<"$out" >&2
        exit 1
      fi
      echo "virtio-blk: $machine, $vmm, run $r: $(grep '^jkvm-bench: vda' <<<"$out")" >&2
      grep -E '^jkvm-bench: (queue|first|blkbench)' <<<"$out" | sed 's/^/  /' >&2
      for label in first blkbench; do
        for t in "${tests[@]}"; do
          line="$(grep "^$label: mode=$t " <<<"$out" || true)"
          [[ -n $line ]] || continue
          echo "  $line" >&2
          mbps[$label.$vmm.$t]+="$(sed 's/.* MBps=\([0-9.]*\).*/\1/' <<<"$line") "
          iops[$label.$vmm.$t]+="$(sed 's/.* iops=\([0-9.]*\).*/\1/' <<<"$line") "
        done
      done
    done
  done
  timed_rows+="$(rows blkbench "$machine")"$'\n'
  first_rows+="$(rows first "$machine")"$'\n'
  unset mbps iops
done
say ""
say "$header"
say "${timed_rows%$'\n'}"
if ((WARMUP_EACH > 0)); then
  say ""
  say "First seconds ($WARMUP_EACH s per test, the pass before the timed one; jkvm's JIT compiles its request path here):"
  say ""
  say "$header"
  say "${first_rows%$'\n'}"
fi
say ""
say "Commands: \`qemu-system-x86_64 -M microvm|pc -accel kvm -cpu host -smp 1 -m 256 -kernel K -initrd I -append '$append' -serial stdio -display none -nodefaults -no-reboot -drive file=IMG,if=none,id=d0,format=raw -device virtio-blk-device|virtio-blk-pci,drive=d0\`;"
say "\`./jkvm run --kernel K --initrd I --append '$append' --memory 256M --cpus 1 --machine microvm|pc --host-profile none --drive file=IMG,format=raw\`."
