#!/usr/bin/env bash
# Assembles every guests/*.S into OUT/NAME.bin (a flat image: the bytes to copy into guest
# memory at the link address) with GNU as and ld. Called by Maven (generate-resources).
#
# Each source names its link address and code size in one line:
#     #@ text=0x1000 bits=16
# bits=16 and bits=32 assemble with `as --32` and link with `ld -m elf_i386`; bits=64 with
# `as --64` and `ld -m elf_x86_64`. The flat image starts at the link address, so a guest is
# loaded with `--load-address` equal to its text address.
# `ld=plain` links NAME.elf with only `-Ttext ADDR` (no -N): ld's default page-aligned segments,
# the first of which holds only the ELF headers, just below the text (see mb_plain.S).
# A line with `elf=exec` instead makes NAME.elf an ordinary static executable (ld's default
# layout, page-aligned segments) for a Linux guest's user space, e.g. an /init; no .bin is made.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../target/classes/guests}"
mkdir -p "$out"
for tool in as ld objcopy; do
  command -v "$tool" >/dev/null || { echo "guests/build.sh: '$tool' not found: install binutils (apt-get install binutils)" >&2; exit 1; }
done
for src in "$here"/*.S; do
  name="$(basename "$src" .S)"
  bin="$out/$name.bin"
  if [[ "$bin" -nt "$src" && "$bin" -nt "$0" ]] && [[ -z "$(find "$here/include" -newer "$bin" -print -quit)" ]]; then continue; fi
  spec="$(grep -m1 '^#@' "$src" || true)"
  text="$(sed -n 's/.*text=\(0x[0-9a-fA-F]*\).*/\1/p' <<<"$spec")"
  bits="$(sed -n 's/.*bits=\([0-9]*\).*/\1/p' <<<"$spec")"
  [[ -n "$text" && -n "$bits" ]] || { echo "guests/build.sh: $src lacks a '#@ text=0x... bits=N' line" >&2; exit 1; }
  case "$bits" in
    16|32) asflags=--32; emul=elf_i386 ;;
    64) asflags=--64; emul=elf_x86_64 ;;
    *) echo "guests/build.sh: $src: bits must be 16, 32 or 64" >&2; exit 1 ;;
  esac
  tmp="$(mktemp -d)"
  if grep -q 'elf=exec' <<<"$spec"; then
    gcc -E -P -x assembler-with-cpp "$src" -o "$tmp/$name.s"
    as $asflags -o "$tmp/$name.o" "$tmp/$name.s"
    ld -m "$emul" -static -e _start -o "$out/$name.elf" "$tmp/$name.o"
    touch "$bin"   # marks the guest as built (an empty .bin)
    rm -rf "$tmp"
    continue
  fi
  # Sources may use the C preprocessor (#define); `as` alone ignores '#' lines.
  gcc -E -P -x assembler-with-cpp "$src" -o "$tmp/$name.s"
  as $asflags -o "$tmp/$name.o" "$tmp/$name.s"
  if grep -q 'ld=plain' <<<"$spec"; then
    # The .bin comes from the .elf: a binary-format link loads no headers, so it lacks __ehdr_start.
    ld -m "$emul" -e _start -Ttext "$text" -o "$tmp/$name.elf" "$tmp/$name.o"
    objcopy -O binary "$tmp/$name.elf" "$bin"
  else
    ld -m "$emul" --no-warn-rwx-segments -N -e _start -Ttext "$text" -o "$tmp/$name.elf" "$tmp/$name.o"
    ld -m "$emul" --no-warn-rwx-segments -N -e _start -Ttext "$text" --oformat binary -o "$bin" "$tmp/$name.o"
  fi
  cp "$tmp/$name.elf" "$out/$name.elf"
  rm -rf "$tmp"
done
