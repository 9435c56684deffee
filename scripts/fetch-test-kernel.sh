#!/usr/bin/env bash
# Fetches the stock kernel jkvm's loader tests (and later boot tests) use: Debian bookworm's
# linux-image-cloud-amd64, i.e. the real package it depends on (linux-image-6.1.0-N-cloud-amd64),
# downloaded with `apt-get download` and unpacked with `dpkg-deb -x`. Only /boot/vmlinuz-* (and
# the matching /boot/config-*, which names the payload compression) are kept.
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
if [[ -s "$vmlinuz" ]]; then
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
# Copy under a temporary name, then rename: a reader never sees half a file.
cp "$work/root/boot/vmlinuz-$release" "$vmlinuz.part"
mv "$vmlinuz.part" "$vmlinuz"
say "$(basename "$deb") -> $vmlinuz"
echo "$vmlinuz"
