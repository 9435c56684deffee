#!/usr/bin/env bash
# Installs what jkvm needs from Debian when it is missing: binutils (as, ld: the guests are
# assembled by the build), Maven and gcc; with --tests also qemu-system-x86 (the reference VMM
# of the differential tests), cpio, acpica-tools, busybox-static (the boot tests' init) and
# e2fsprogs (debugfs: the virtio tests read the guest's ext2 file system from the image).
# Needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
command -v as >/dev/null && command -v ld >/dev/null || need+=(binutils)
command -v mvn >/dev/null || need+=(maven)
command -v gcc >/dev/null || need+=(gcc)
if [[ "${1:-}" == "--tests" ]]; then
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  command -v cpio >/dev/null || need+=(cpio)
  command -v kill >/dev/null || need+=(procps)
  command -v iasl >/dev/null || need+=(acpica-tools)
  [[ -x /usr/sbin/debugfs || -x /sbin/debugfs ]] || need+=(e2fsprogs)
  # LinuxBusyboxBootTest's initramfs: a static /bin/busybox (Debian's dynamic `busybox` will not do).
  [[ -x /bin/busybox && "$(LC_ALL=C ldd /bin/busybox 2>&1 || true)" == *"not a dynamic"* ]] || need+=(busybox-static)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0
sudo=""
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "jkvm: please install: ${need[*]} (apt-get install ${need[*]})" >&2; exit 1; }
  sudo=sudo
fi
echo "jkvm: installing ${need[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
