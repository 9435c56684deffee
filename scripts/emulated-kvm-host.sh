#!/usr/bin/env bash
# Runs one command where a real /dev/kvm exists: in an emulated KVM host.
#
#   scripts/emulated-kvm-host.sh [--prepare] [--rw DIR]... [--] COMMAND [ARG]...
#
# The emulated host is Debian's linux-image-amd64 kernel under `qemu-system-x86_64 -accel tcg
# -cpu max` (an AMD CPU with SVM and nested paging, emulated by QEMU's TCG), with kvm and
# kvm-amd loaded inside: a KVM with real SVM semantics on any machine, slowly (every
# instruction of the emulated host, jkvm's JVM included, runs under TCG). ../shared/HOST-NOTES.md
# ("An emulated KVM host") has the measurements this follows.
#
# Inside, the command sees this machine's files: / read-only over virtio-9p under a tmpfs
# overlay (writes there vanish with the host), and read-write the project directory, the
# working directory (unless it is /) and each --rw DIR. It runs as the same user id in the same
# directory with the same environment (plus JKVM_EMULATED_HOST=1); its stdout comes back on
# stdout, its stderr on stderr, its exit status as this script's. A terminal on stdin is
# passed through (QEMU puts it in raw mode; the guest's tty cooks it, so Ctrl-C reaches the
# command and a raw-mode program such as jkvm gets every key, Ctrl-A x included). SIGINT and
# SIGTERM sent to this script are passed to the command's process group; the emulated host
# powers off when the command ends. Nothing is left behind: the run directory (under
# $TMPDIR) is removed and QEMU is killed if it outlives this script.
#
# Prepared on first use from Debian's packages (qemu-system-x86, linux-image-amd64,
# busybox-static) into $JKVM_CACHE/emulated-host (default ~/.cache/jkvm), never the repo.
# --prepare only prepares. Environment: JKVM_HOST_MEMORY (default: half of this machine's RAM,
# at most 8G), JKVM_HOST_CPUS (default: this machine's CPU count), JKVM_HOST_HOLD_KVM_KEYS=1
# (hold two idle VMs for the host's life: for commands that create VMs by the hundred, below).
#
# Exit status: the command's; 125 if the emulated host could not run it or stopped responding
# (one line on stderr with the reason, where its CPUs were and the last console lines;
# JKVM_HOST_SERIAL_TIMEOUT, default 90 s without the serial heartbeat from its init, and
# JKVM_HOST_WEDGE_TIMEOUT, default 240 s without the one through 9p, decide the latter).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
me=emulated-kvm-host
cache="${JKVM_CACHE:-$HOME/.cache/jkvm}/emulated-host"
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio
         netfs fscache 9p overlay irqbypass ccp kvm kvm-amd)

fail() { echo "$me: $*" >&2; exit 125; }

prepare=0; rw=("$root")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prepare) prepare=1; shift ;;
    --rw) rw+=("$(cd "$2" && pwd)") || fail "--rw $2: no such directory"; shift 2 ;;
    --) shift; break ;;
    -*) fail "unknown option $1 (usage: $0 [--prepare] [--rw DIR]... [--] COMMAND [ARG]...)" ;;
    *) break ;;
  esac
done
[[ $prepare == 1 || $# -gt 0 ]] || fail "no command given (usage: $0 [--prepare] [--rw DIR]... [--] COMMAND [ARG]...)"

# --- Preparation: QEMU, busybox, the kernel and its modules, the initramfs -----------------
install_packages() {
  local need=() sudo=""
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  [[ -x /bin/busybox ]] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || need+=(busybox-static)
  command -v cpio >/dev/null || need+=(cpio)
  [[ ${#need[@]} -eq 0 ]] && return 0
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null \
      || fail "please install ${need[*]} (apt-get install ${need[*]}): needed for the emulated KVM host"
    sudo=sudo
  fi
  echo "$me: installing ${need[*]} (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null 2>&1 \
    || fail "could not install ${need[*]} (no network or apt source?): apt-get install ${need[*]}"
}

kernel_package() { # e.g. linux-image-6.1.0-50-amd64, the package linux-image-amd64 depends on
  apt-cache depends linux-image-amd64 2>/dev/null \
    | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}

prepare_kernel() { # sets $kdir to a directory holding vmlinuz and modules/*.ko
  local pkg release
  pkg="$(kernel_package || true)"
  if [[ -z "$pkg" ]]; then
    kdir="$(ls -1d "$cache"/6.* 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$kdir" && -s "$kdir/vmlinuz" ]] && return 0
    if [[ "$(id -u)" == 0 ]]; then apt-get update -qq >/dev/null 2>&1 || true
    elif sudo -n true 2>/dev/null; then sudo apt-get update -qq >/dev/null 2>&1 || true; fi
    pkg="$(kernel_package || true)"
    [[ -n "$pkg" ]] || fail "apt knows no linux-image-amd64: run apt-get update (Debian bookworm, main)"
  fi
  release="${pkg#linux-image-}"
  kdir="$cache/$release"
  [[ -s "$kdir/vmlinuz" ]] && return 0
  echo "$me: preparing the emulated KVM host: downloading $pkg (once)" >&2
  mkdir -p "$cache"
  local work; work="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1) || fail "could not download $pkg (apt-get download $pkg)"
  dpkg-deb -x "$work"/*.deb "$work/root"
  mkdir -p "$work/out/modules"
  cp "$work/root/boot/vmlinuz-$release" "$work/out/vmlinuz"
  local m f
  for m in "${modules[@]}"; do
    f="$(find "$work/root/lib/modules/$release" -name "$m.ko" -print -quit)"
    [[ -n "$f" ]] || fail "$pkg has no $m.ko"
    cp "$f" "$work/out/modules/"
  done
  rm -rf "$kdir"; mv "$work/out" "$kdir"
}

prepare_initramfs() { # sets $initrd; rebuilt when the init script or module list changes
  local key; key="$( (cat "$root/scripts/emulated-kvm-host/init"; echo "${modules[*]}"; cat /bin/busybox) | md5sum | cut -c1-12)"
  initrd="$kdir/initramfs-$key.cpio.gz"
  [[ -s "$initrd" ]] && return 0
  local work; work="$(mktemp -d "$cache/.initramfs.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$work"/{bin,proc,sys,dev,modules,lower,upper,newroot}
  cp /bin/busybox "$work/bin/busybox"
  cp "$root/scripts/emulated-kvm-host/init" "$work/init"; chmod 755 "$work/init"
  cp "$kdir"/modules/*.ko "$work/modules/"
  printf '%s\n' "${modules[@]}" > "$work/modules.order"
  (cd "$work" && find . -mindepth 1 | cpio -o -H newc --quiet | gzip -1) > "$initrd.part"
  rm -f "$kdir"/initramfs-*.cpio.gz; mv "$initrd.part" "$initrd"
}

install_packages
prepare_kernel
prepare_initramfs
[[ $prepare == 1 ]] && { echo "$kdir"; exit 0; }

# --- The run -------------------------------------------------------------------------------
run="$(mktemp -d "${TMPDIR:-/tmp}/jkvm-emulated-host.XXXXXX")"
qemu_pid=""; stopper=""; watchdog=""
cleanup() {
  if [[ -n "$watchdog" ]]; then pkill -P "$watchdog" 2>/dev/null || true; kill "$watchdog" 2>/dev/null || true; fi
  if [[ -n "$stopper" ]]; then pkill -P "$stopper" 2>/dev/null || true; kill "$stopper" 2>/dev/null || true; fi
  if [[ -n "$qemu_pid" ]] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill -TERM "$qemu_pid" 2>/dev/null; sleep 0.5; kill -KILL "$qemu_pid" 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap cleanup EXIT

holder_class="$root/target/test-classes/io/jkvm/testing/KvmStaticKeyHolder.class"
if [[ "${JKVM_HOST_HOLD_KVM_KEYS:-0}" == 1 && ! -f "$holder_class" ]]; then
  echo "$me: no compiled KvmStaticKeyHolder (mvn test-compile): running without it, so VMs created by the hundred may wedge the host" >&2
fi
holder_java="$(source "$root/scripts/java-home.sh" 2>/dev/null && echo "$JAVA_HOME/bin/java")" || holder_java=""
quote() { local s="${1//\'/\'\\\'\'}"; printf "'%s'" "$s"; }
cwd="$(pwd)"
[[ "$cwd" != / ]] && rw+=("$cwd")
# The command as a POSIX shell script: same directory, same environment, same arguments.
{
  echo "cd $(quote "$cwd") || exit 126"
  while IFS= read -r name; do
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    echo "export $name=$(quote "${!name}")"
  done < <(compgen -e)
  echo "export JKVM_EMULATED_HOST=1"
  # With JKVM_HOST_HOLD_KVM_KEYS=1 (scripts/test.sh and the benchmarks set it: they create and
  # close VMs by the hundred), two idle VMs are held for the host's life, which keeps KVM's
  # static keys from flipping; QEMU 7.2's TCG livelocks in that now and then
  # (KvmStaticKeyHolder says why). The command starts once they are held (at most 60 s later;
  # a JVM start, 5-20 s under TCG, which a single run need not pay). In a session of its own,
  # so that a signal meant for the command does not end it (and flip the keys) first. Needs
  # the compiled test classes.
  if [[ "${JKVM_HOST_HOLD_KVM_KEYS:-0}" == 1 && -n "$holder_java" && -f "$holder_class" && -d "$root/target/classes/io/jkvm/kvm" ]]; then
    echo "setsid $(quote "$holder_java") --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m" \
         "-cp $(quote "$root/target/test-classes:$root/target/classes") io.jkvm.testing.KvmStaticKeyHolder $(quote "$run/holding")" \
         "</dev/null >/dev/null 2>>$(quote "$run/holder.log") &"
    echo "i=0; while [ ! -s $(quote "$run/holding") ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done"
  fi
  printf 'exec'; for a in "$@"; do printf ' %s' "$(quote "$a")"; done; echo
} > "$run/command.sh"
if [[ -t 0 ]]; then
  stty size > "$run/tty" 2>/dev/null || echo "24 80" > "$run/tty"   # rows columns
fi

mem="${JKVM_HOST_MEMORY:-}"
if [[ -z "$mem" ]]; then
  mem=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 2048 ))
  (( mem > 8192 )) && mem=8192
  mem="${mem}M"
fi
cpus="${JKVM_HOST_CPUS:-$(nproc)}"

# Deduplicated read-write directories, each its own 9p export (tags rw0, rw1, ...).
declare -A seen=(); rwdirs=()
for d in "${rw[@]}"; do [[ -n "${seen[$d]:-}" ]] || { seen[$d]=1; rwdirs+=("$d"); }; done
args=(-accel tcg,thread=multi -M q35 -cpu max -smp "$cpus" -m "$mem"
      -kernel "$kdir/vmlinuz" -initrd "$initrd"
      -append "console=ttyS1 quiet loglevel=5 softlockup_all_cpu_backtrace=1 panic=-1 jkvm.run=$run jkvm.rw=$(IFS=,; echo "${rwdirs[*]}")"
      -display none -nodefaults -no-reboot -no-user-config
      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
      -virtfs "local,path=$run,mount_tag=jkvmrun,security_model=none,multidevs=remap")
for i in "${!rwdirs[@]}"; do
  args+=(-virtfs "local,path=${rwdirs[$i]},mount_tag=rw$i,security_model=none,multidevs=remap")
done
# ttyS0: the command's stdin/stdout (Ctrl-C stays a byte: signal=off); ttyS1: the console log;
# ttyS2: the command's stderr (appended to whatever fd 2 is: terminal, pipe or file).
args+=(-chardev "stdio,id=out,signal=off" -serial chardev:out
       -serial "file:$run/console.log"
       -add-fd "fd=3,set=2" -chardev "file,id=err,path=/dev/fdset/2,append=on" -serial chardev:err
       -serial "file:$run/alive")   # ttyS3: the heartbeat outside 9p
# The monitor on two FIFOs, read only when the host wedges (where_the_cpus_were).
mkfifo "$run/monitor.in" "$run/monitor.out"
args+=(-chardev "pipe,id=monitor,path=$run/monitor" -mon chardev=monitor,mode=readline)

# Each CPU's RIP (and whether it halted) from `info registers -a`, named through the code
# symbols its init copied from /proc/kallsyms. A RIP that is no kernel address is where a guest
# of its KVM was.
where_the_cpus_were() {
  [[ -s "$run/registers" ]] || { echo "  (the monitor did not answer)"; return 0; }
  local cpu rip cpl halted name at where
  [[ -s "$run/kallsyms" ]] && sort -k1,1 "$run/kallsyms" > "$run/kallsyms.sorted"
  tr -d '\r' < "$run/registers" | awk '/^CPU#/ { cpu = $1 } /^RIP=/ { print cpu, $1, $4, $NF }' |
  while read -r cpu rip cpl halted; do
    rip="${rip#RIP=}"; where=""
    if [[ -s "$run/kallsyms.sorted" && "$rip" == ffffffff* ]]; then
      read -r name at < <(awk -v rip="$rip" '$1 > rip { exit } { name = $3 $4; at = $1 } END { print name, at }' "$run/kallsyms.sorted")
      [[ -n "${at:-}" ]] && where="$name+0x$(printf '%x' $(( 0x$rip - 0x$at )))"
    fi
    echo "  $cpu RIP=$rip $cpl $halted $where"
  done
}

exec 4<&0
# A signal goes to the command; if the emulated host has not powered off 30 s later (or a
# second signal comes), QEMU itself is stopped: nothing outlives this script.
signalled=""
signal_command() {
  if [[ -n "$signalled" ]]; then kill -TERM "$qemu_pid" 2>/dev/null || true; return; fi
  signalled="$1"
  echo "$1" > "$run/signal"
  # (Its own fds: a sleep holding the caller's stdout or stderr would keep a reader waiting.)
  ( sleep "${JKVM_HOST_STOP_GRACE:-30}"; kill -TERM "$qemu_pid" ) </dev/null >/dev/null 2>&1 &
  stopper=$!
}
trap 'signal_command INT' INT
trap 'signal_command TERM' TERM
# Its own session: a Ctrl-C or SIGTERM meant for the command must not end QEMU first (it goes
# to the command, above). The explicit stdin: bash gives background jobs /dev/null otherwise.
# fd 3: our stderr again, write-only (QEMU's fd sets want the access mode it asks for; a
# terminal's fd 2 is read-write); a plain dup where it cannot be reopened (a socket).
if (exec 3>>/dev/stderr) 2>/dev/null; then exec 3>>/dev/stderr; else exec 3>&2; fi
setsid qemu-system-x86_64 "${args[@]}" <&4 4<&- &
qemu_pid=$!
# The guest's init writes two heartbeats every 5 s: a file in the run directory (through 9p)
# and a line on ttyS3 (not). No serial beat for JKVM_HOST_SERIAL_TIMEOUT (90 s) means its kernel
# stopped running user space; no file beat for JKVM_HOST_WEDGE_TIMEOUT (240 s), with the serial
# beat still there, a stalled 9p. Either stops QEMU (a wedged emulated host, status 125), after
# the CPUs' registers are read through the monitor for the report.
( while sleep 10; do
    [[ -f "$run/heartbeat" && -f "$run/alive" ]] || continue
    now=$(date +%s)
    serial=$(( now - $(stat -c %Y "$run/alive" 2>/dev/null || echo "$now") ))
    file=$(( now - $(stat -c %Y "$run/heartbeat" 2>/dev/null || echo "$now") ))
    if (( serial > ${JKVM_HOST_SERIAL_TIMEOUT:-90} || file > ${JKVM_HOST_WEDGE_TIMEOUT:-240} )); then
      echo "$file $serial" > "$run/wedged"
      echo "info registers -a" > "$run/monitor.in"
      timeout 5 cat "$run/monitor.out" > "$run/registers" || true
      kill -TERM "$qemu_pid"; break
    fi
  done ) </dev/null >/dev/null 2>&1 &
watchdog=$!
while true; do
  set +e; wait "$qemu_pid"; rc=$?; set -e
  kill -0 "$qemu_pid" 2>/dev/null || break   # wait returned for a trapped signal: wait again
done
qemu_pid=""
kill "$watchdog" 2>/dev/null || true
if [[ -s "$run/wedged" ]]; then
  read -r file serial < "$run/wedged"
  if (( serial <= ${JKVM_HOST_SERIAL_TIMEOUT:-90} )); then what="its user space still ran (serial heartbeat $serial s ago): its 9p file system stalled"
  else what="no serial heartbeat for $serial s either: its kernel stopped running user space"; fi
  echo "$me: the emulated KVM host stopped responding (no heartbeat for $file s; $what): stopped it; where its CPUs were, and the last console lines:" >&2
  where_the_cpus_were >&2
  tail -n 40 "$run/console.log" 2>/dev/null | sed 's/^/  | /' >&2
  exit 125
fi
if [[ -s "$run/status" ]]; then
  exit "$(cat "$run/status")"
fi
if [[ -n "$signalled" ]]; then
  echo "$me: the command did not end within ${JKVM_HOST_STOP_GRACE:-30} s of SIG$signalled: emulated host stopped" >&2
  [[ "$signalled" == INT ]] && exit 130 || exit 143
fi
reason="QEMU exited with status $rc"
[[ -s "$run/failure" ]] && reason="$(cat "$run/failure")"
echo "$me: the emulated KVM host did not run the command: $reason; last console lines:" >&2
tail -n 40 "$run/console.log" 2>/dev/null | sed 's/^/  | /' >&2
exit 125
