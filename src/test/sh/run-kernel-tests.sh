#!/usr/bin/env bash
# A kernel test runner written for QEMU, the way kernel projects write them (after
# kvm-unit-tests' x86/run and scripts/arch-run.bash): it takes the emulator from $QEMU, checks
# it, runs each test kernel with -kernel and judges it by the isa-debug-exit status and the
# serial output. Nothing in it knows about jkvm: the test suite runs it unchanged with
# QEMU=./jkvm-qemu and with QEMU=qemu-system-x86_64 and compares (ShellScriptTest).
#
#   QEMU=./jkvm-qemu KERNELS=target/classes/guests src/test/sh/run-kernel-tests.sh
set -u
QEMU="${QEMU:-qemu-system-x86_64}"
KERNELS="${KERNELS:?set KERNELS to the directory holding the mb_*.bin test kernels}"
ACCEL="${ACCEL:-kvm}"

version="$("$QEMU" --version | head -1)"
case "$version" in
  "QEMU emulator version "*) ;;
  *) echo "$QEMU is not a QEMU: '$version'"; exit 2 ;;
esac
"$QEMU" -device '?' 2>&1 | grep -q '"pci-testdev"' || { echo "$QEMU has no pci-testdev"; exit 2; }
"$QEMU" -machine help | grep -q '^pc ' || { echo "$QEMU has no pc machine"; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'module payload\n' > "$tmp/module.txt"

passed=0
failed=0
# run_test NAME EXPECTED_STATUS EXPECTED_LINE QEMU_ARGS...
run_test() {
  local name="$1" expect="$2" line="$3"
  shift 3
  local out status
  # 180 s: a tiny kernel takes seconds, but a two-vCPU QEMU in the emulated KVM host (TCG) once
  # took past 90.
  out="$(timeout 180 "$QEMU" -nodefaults -vnc none -serial stdio -no-reboot -machine accel="$ACCEL" "$@" </dev/null 2>"$tmp/$name.err")"
  status=$?
  if [[ "$status" == "$expect" ]] && grep -qxF -- "$line" <<<"$out"; then
    echo "PASS $name (status $status)"
    passed=$((passed + 1))
  else
    echo "FAIL $name (status $status, expected $expect; line '$line' $(grep -qxF -- "$line" <<<"$out" && echo found || echo missing))"
    sed 's/^/  | /' <<<"$out"
    sed 's/^/  stderr| /' "$tmp/$name.err"
    failed=$((failed + 1))
  fi
}

DEBUGEXIT=(-device isa-debug-exit,iobase=0xf4,iosize=0x4)
run_test hello   33  "Hello from a multiboot guest" -kernel "$KERNELS/mb_hello.bin" "${DEBUGEXIT[@]}"
run_test compute 85  "crc32 cbf43926" -kernel "$KERNELS/mb_compute.bin" "${DEBUGEXIT[@]}" -m 64
run_test info    97  "module 0 \"$tmp/module.txt one two\" bytes 15 sum 0000059a" \
  -kernel "$KERNELS/mb_info.elf" -append "console=ttyS0" -initrd "$tmp/module.txt one two" "${DEBUGEXIT[@]}"
run_test fwcfg   101 "greeting bytes 2 \"hi\"" -kernel "$KERNELS/mb_fwcfg.bin" -fw_cfg name=opt/jkvm/greeting,string=hi "${DEBUGEXIT[@]}"
run_test smp     105 "apic ids: 0 1" -cpu host -smp 2 -kernel "$KERNELS/mb_smp.bin" "${DEBUGEXIT[@]}"
run_test testdev 113 "io test 3 width 1 offset 131 data fa name portio-no-eventfd count 2" \
  -M pc -kernel "$KERNELS/mb_testdev.bin" -device pc-testdev -device pci-testdev -device isa-debug-exit,iobase=0x501,iosize=2

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
