#!/usr/bin/env bash
# Fetches the stock kernel jkvm's loader tests (and later boot tests) use: Debian bookworm's
# linux-image-cloud-amd64, i.e. the real package it depends on (linux-image-6.1.0-N-cloud-amd64),
# downloaded with `apt-get download` and unpacked with `dpkg-deb -x`. Only /boot/vmlinuz-* (and
# the matching /boot/config-*, which names the payload compression) are kept, and, in
# modules-RELEASE/, the virtio modules the virtio tests load in their initramfs (Debian builds
# virtio as modules: virtio_mmio, virtio_pci, virtio_blk, virtio_console, virtio-rng and what
# they depend on) with a modules.dep made by depmod (kmod's, or busybox's: the package ships
# none), in the package's layout (kernel/drivers/...). Modules and vmlinuz always come from one
# package: a vmlinuz that differs from the package's is replaced.
#
# Cache: $JKVM_CACHE/kernel, JKVM_CACHE defaulting to ~/.cache/jkvm; never inside the repo, and
# nothing here is ever committed. Idempotent: when the vmlinuz of the current package version is
# already there, nothing is downloaded. Prints the vmlinuz path on stdout (progress on stderr).
#
#   scripts/fetch-test-kernel.sh            # -> /root/.cache/jkvm/kernel/vmlinuz-6.1.0-56-cloud-amd64
set -euo pipefail

meta=linux-image-cloud-amd64
dir="${JKVM_CACHE:-$HOME/.cache/jkvm}/kernel"
mkdir -p "$dir"

say() { echo "fetch-test-kernel: $*" >&2; }

# The metapackage's dependency, e.g. linux-image-6.1.0-56-cloud-amd64 (empty if apt knows nothing).
resolve() {
  apt-cache depends "$meta" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ { print $2; exit }'
}

newest_cached() {
  ls -1 "$dir"/vmlinuz-* 2>/dev/null | sort -V | tail -n 1
}

pkg="$(resolve || true)"
if [[ -z "$pkg" ]]; then
  cached="$(newest_cached)"
  if [[ -n "$cached" ]]; then
    # No package lists (offline container?): the kernel already fetched will do.
    echo "$cached"
    exit 0
  fi
  say "apt does not know $meta yet: running apt-get update"
  if [[ "$(id -u)" == 0 ]]; then
    apt-get update -qq >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq >/dev/null
  else
    say "cannot run apt-get update without root; run it once as root, then retry"
    exit 1
  fi
  pkg="$(resolve || true)"
  [[ -n "$pkg" ]] || { say "apt knows no $meta (is this a Debian bookworm host with main enabled?)"; exit 1; }
fi

release="${pkg#linux-image-}"
vmlinuz="$dir/vmlinuz-$release"
mods="$dir/modules-$release"
if [[ -s "$vmlinuz" && -s "$mods/modules.dep" ]]; then
  echo "$vmlinuz"
  exit 0
fi

work="$(mktemp -d "$dir/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
say "downloading $pkg into $dir"
# apt-get download writes into the current directory; as root it warns that the download is
# not sandboxed (user _apt cannot write here), which is harmless.
(cd "$work" && apt-get download -q "$pkg" >&2 2> >(grep -v 'unsandboxed' >&2))
deb="$(ls -1 "$work"/*.deb | head -n 1)"
dpkg-deb -x "$deb" "$work/root"
[[ -s "$work/root/boot/vmlinuz-$release" ]] || { say "$deb holds no /boot/vmlinuz-$release"; exit 1; }
cp "$work/root/boot/config-$release" "$dir/" 2>/dev/null || true

# The virtio modules and everything they depend on, as modules.dep lists it (each line names
# a module's whole dependency closure).
tree="$work/root/lib/modules/$release"
if command -v depmod >/dev/null; then depmod -b "$work/root" "$release"
elif [[ -x /bin/busybox ]]; then /bin/busybox depmod -b "$work/root" "$release"
else say "neither depmod (kmod) nor /bin/busybox (busybox-static) to make modules.dep"; exit 1; fi
[[ -s "$tree/modules.dep" ]] || { say "depmod wrote no $tree/modules.dep"; exit 1; }
want="virtio_mmio virtio_pci virtio_blk virtio_console virtio-rng"
files="$(awk -v want=" $want " '
  { name = $1; sub(/:$/, "", name); base = name; sub(/.*\//, "", base); sub(/\.ko(\.[a-z]+)?$/, "", base) }
  index(want, " " base " ") { print name; for (i = 2; i <= NF; i++) print $i }' "$tree/modules.dep" | sort -u)"
[[ $(wc -w <<<"$want") -le $(wc -l <<<"$files") ]] || { say "$deb lacks some of: $want"; exit 1; }
mkdir -p "$work/mods"
cp "$tree/modules.dep" "$work/mods/"
for f in $files; do
  mkdir -p "$work/mods/$(dirname "$f")"
  cp "$tree/$f" "$work/mods/$f"
done

# Copy under a temporary name, then rename: a reader never sees half a file.
if [[ -s "$vmlinuz" ]] && ! cmp -s "$vmlinuz" "$work/root/boot/vmlinuz-$release"; then
  say "$vmlinuz differs from $(basename "$deb")'s: replacing it, so that it matches the modules"
fi
cp "$work/root/boot/vmlinuz-$release" "$vmlinuz.part"
mv "$vmlinuz.part" "$vmlinuz"
rm -rf "$mods"
mv "$work/mods" "$mods"
say "$(basename "$deb") -> $vmlinuz, $mods ($(wc -l <<<"$files") modules)"
echo "$vmlinuz"
