#!/usr/bin/env bash
# jkvm's benchmarks, each against a reference measured in the same run (this machine is shared
# and noisy: ratios matter, absolute figures drift). Prints a Markdown report and saves it to
# bench/build/results.md. See docs/PERFORMANCE.md for what each figure means.
#
#   bench/run.sh                 # everything (about 3 minutes here)
#   ROUNDS=5 EXITS=200000 bench/run.sh exits
#   bench/run.sh startup
#   bench/run.sh linux          # Debian kernel boot: jkvm vs QEMU microvm (tcg, kvm); ~6 minutes
#   bench/run.sh multiboot      # the multiboot hello: ./jkvm-qemu vs QEMU -M microvm and -M pc
#   bench/run.sh notify         # a queue notification: ioeventfd vs a port or MMIO exit (bench/NotifyCost.java)
#   bench/run.sh blkreq         # virtio-blk's request path vs the preadv/pwritev alone, no KVM (bench/BlockRequestCost.java)
#
# Without /dev/kvm, startup and multiboot measure jkvm's check-only path (JKVM_CHECK_ONLY=1:
# JVM start, parsing, loading the guest into RAM; everything before opening /dev/kvm) against
# QEMU with -accel tcg; exits and linux need /dev/kvm.
# Needs: gcc, hyperfine, qemu-system-x86_64 (apt-get install hyperfine qemu-system-x86), python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/java-home.sh
what="${1:-all}"
ROUNDS="${ROUNDS:-3}"
EXITS="${EXITS:-100000}"
RUNS="${RUNS:-20}"
BLKREQ_N="${BLKREQ_N:-2000}"
BLKREQ_ROUNDS="${BLKREQ_ROUNDS:-7}"
for tool in gcc hyperfine qemu-system-x86_64 python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install gcc hyperfine qemu-system-x86 python3)" >&2; exit 1; }
done
bash bench/build.sh >/dev/null
./jkvm --version >/dev/null 2>&1   # builds target/jkvm.jar, the jlink runtime and the AOT cache if needed
B=bench/build
G=$B/guests
JAR=target/jkvm.jar
AOT=target/jkvm.aot              # recorded by the launcher for the java it runs (the jlink runtime)
JDK_AOT=$B/jkvm-jdk.aot          # the same training recorded with the JDK's java, for the JDK rows
RUNTIME_JAVA=target/jkvm-runtime/bin/java
JAVA="$JAVA_HOME/bin/java"
FAST=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss1m)
LATE_C1=(-XX:CompileThresholdScaling=10 -XX:UserThreadWaitAttemptsAtExit=0)   # ./jkvm's further flags (JDK 25)
# Without /dev/kvm: jkvm up to opening /dev/kvm (JKVM_CHECK_ONLY), QEMU with TCG.
if [[ -e /dev/kvm ]]; then
  KVM=1; ACCEL=kvm; CHECK=(); CHECK_NOTE=""
else
  KVM=0; ACCEL=tcg; CHECK=(env JKVM_CHECK_ONLY=1 JKVM_NO_EMULATED_HOST=1)
  CHECK_NOTE=" (no /dev/kvm: jkvm rows are its check-only path, JKVM_CHECK_ONLY=1, up to opening /dev/kvm; QEMU runs with -accel tcg)"
fi
needs_kvm() { [[ $KVM == 1 ]] || { echo "bench: $1 needs /dev/kvm" >&2; exit 1; }; }
report="$B/results.md"
: >"$report"
say() { echo "$*" | tee -a "$report"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

say "# jkvm benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
say ""
say "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); KVM: $( (( KVM == 0 )) && echo 'none (no /dev/kvm)' || { [[ -d /sys/module/kvm_pvm ]] && echo 'nested kvm-pvm' || echo 'kvm'; }); $("$JAVA" -version 2>&1 | head -1)"
say ""

exits_bench() {
  say "## Port-I/O exit round trip"
  say ""
  say "Guest: guests/bench_out.S, $EXITS one-byte OUTs to port 0x10, then the debug-exit port. Median of $ROUNDS rounds, C and jkvm alternating."
  say "jkvm: \`./jkvm run --mode long --reg rflags=0x3002 --reg rcx=$EXITS --reg rbx=R --serial none --stats bench_out.bin\` (its run time: first KVM_RUN to the end)."
  say "C: \`bench/build/kvm_loop [--cpl0] out bench_out.bin $EXITS\` (a minimal KVM_RUN loop, same vCPU set-up)."
  say ""
  say "| loop runs at | C exits/s | jkvm exits/s | jkvm / C |"
  say "|---|---|---|---|"
  for ring in 3 0; do
    local rbx=0 cflag=()
    [[ $ring == 0 ]] && { rbx=1; cflag=(--cpl0); }
    local cs=() js=()
    for ((r = 0; r < ROUNDS; r++)); do
      c="$($B/kvm_loop "${cflag[@]}" out $G/bench_out.bin "$EXITS" | sed -n 's/.* seconds=\([0-9.]*\).*/\1/p')"
      cs+=("$(python3 -c "print($EXITS / $c)")")
      j="$(./jkvm run --mode long --reg rflags=0x3002 --reg rcx="$EXITS" --reg rbx=$rbx --serial none --stats \
            $G/bench_out.bin 2>&1 | sed -n 's/^run time (s) *\([0-9.]*\)/\1/p' || true)"   # status 1: debug exit of 0
      js+=("$(python3 -c "print($EXITS / $j)")")
    done
    cm="$(printf '%s\n' "${cs[@]}" | median)"
    jm="$(printf '%s\n' "${js[@]}" | median)"
    say "| CPL$ring | $(printf %.0f "$cm") | $(printf %.0f "$jm") | $(python3 -c "print(f'{$jm / $cm:.3f}')") |"
  done
  say ""
}

# Runs hyperfine on "${cmds[@]}" (named "${names[@]}") and prints the table: median wall time,
# ratio to the row $2 (QEMU microvm), peak RSS. $1: the JSON file's name.
time_table() {
  local json="$B/$1.json" ref="$2"
  hyperfine -N -i --style none --warmup 3 --runs "$RUNS" --export-json "$json" "${cmds[@]}" >/dev/null 2>&1
  say "| command | wall time, median | / QEMU microvm | peak RSS |"
  say "|---|---|---|---|"
  for i in "${!cmds[@]}"; do
    local ms ratio rss
    ms="$(python3 -c "import json; r=json.load(open('$json'))['results'][$i]; print(f\"{r['median']*1000:.1f} ms (mean {r['mean']*1000:.1f} ± {r['stddev']*1000:.1f})\")")"
    ratio="$(python3 -c "import json; r=json.load(open('$json'))['results']; print(f\"{r[$i]['median']/r[$ref]['median']:.2f}\")")"
    rss="$(for k in 1 2 3 4 5; do { /usr/bin/time -f %M ${cmds[$i]} 2>&1 >/dev/null || true; } | tail -1; done | median)"
    say "| ${names[$i]} | $ms | $ratio | $(python3 -c "print(f'{$rss/1024:.1f} MiB')") |"
  done
  say ""
}

startup_bench() {
  say "## Start-up: process start to the hello guest's halt$CHECK_NOTE"
  say ""
  say "hyperfine, $RUNS runs after 3 warm-ups; peak RSS is the median of 5 runs of \`/usr/bin/time -f %M\`."
  say ""
  if [[ ! -f $JDK_AOT ]]; then   # the launcher's cache belongs to the jlink runtime; this one to the JDK
    JKVM_CHECK_ONLY=$((1 - KVM)) "$JAVA" --enable-native-access=ALL-UNNAMED "${FAST[@]}" "${LATE_C1[@]}" \
        -XX:AOTCacheOutput=$JDK_AOT -cp $JAR io.jkvm.cli.Training >/dev/null 2>&1 || rm -f $JDK_AOT
  fi
  local jkvm="${CHECK[*]} $JAVA --enable-native-access=ALL-UNNAMED"
  local quiet="-Xlog:aot=off -Xlog:cds=off"
  names=("QEMU -M microvm -accel $ACCEL, multiboot hello" "jkvm: java -cp jkvm.jar (JVM defaults)"
         "jkvm: + SerialGC, C1 only, no perf data" "jkvm: + C1 after 10x the invocations, no wait at exit"
         "jkvm: + AOT cache (JEP 514), JDK" "jkvm: + jlink runtime with its AOT cache" "jkvm: ./jkvm demo hello (the launcher)")
  cmds=("qemu-system-x86_64 -M microvm -accel $ACCEL -m 64M -kernel $G/mb_hello.bin -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none -nodefaults -no-reboot"
        "$jkvm -cp $JAR io.jkvm.cli.Main demo hello"
        "$jkvm ${FAST[*]} -cp $JAR io.jkvm.cli.Main demo hello"
        "$jkvm ${FAST[*]} ${LATE_C1[*]} -cp $JAR io.jkvm.cli.Main demo hello"
        "$jkvm ${FAST[*]} ${LATE_C1[*]} -XX:AOTCache=$JDK_AOT $quiet -cp $JAR io.jkvm.cli.Main demo hello"
        "${CHECK[*]} $RUNTIME_JAVA --enable-native-access=ALL-UNNAMED ${FAST[*]} ${LATE_C1[*]} -XX:AOTCache=$AOT $quiet -cp $JAR io.jkvm.cli.Main demo hello"
        "${CHECK[*]} ./jkvm demo hello")
  if [[ $KVM == 1 ]]; then   # the C program needs /dev/kvm
    names=("C: bench/build/kvm_hello" "${names[@]}")
    cmds=("$B/kvm_hello $G/hello.bin" "${cmds[@]}")
    time_table startup 1
  else
    time_table startup 0
  fi
}

linux_bench() {
  local kernel
  kernel="$(bash scripts/fetch-test-kernel.sh)"
  local ir=$B/initramfs
  rm -rf "$ir" && mkdir -p "$ir/dev" "$ir/sys"
  cp target/classes/guests/linux_init32.elf "$ir/init"
  mknod "$ir/dev/console" c 5 1
  (cd "$ir" && find . | cpio -o -H newc --quiet) > $B/initramfs.cpio
  local cmdline
  cmdline="console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 $(java_nested_flags)"
  say "## Linux boot: Debian's $(basename "$kernel"), 1 vCPU, 256 MiB, initramfs with guests/linux_init32.S"
  say ""
  say "Seconds from process start to the first console line (\`Linux version\`) and to the init's marker"
  say "(\`jkvm-init: hello\`), one run each; command line \`console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1\` plus the nested-host flags"
  say "(HostProfile.NESTED_FLAGS, harmless elsewhere) for every VMM alike."
  say ""
  say "| VMM | first console line | init marker |"
  say "|---|---|---|"
  local m="Linux version,jkvm-init: hello"
  row() { local name="$1"; shift; local r; r="$(python3 bench/linetime.py 240 "$m" -- "$@")";
          say "| $name | $(sed 's/.*version=\([^ ]*\).*/\1/' <<<"$r") s | $(sed 's/.*hello=\([^ ]*\).*/\1/' <<<"$r") s |"; }
  row "jkvm (host-side LZ4 decompression, vmlinux entered at startup_64)" \
      ./jkvm run --kernel "$kernel" --initrd $B/initramfs.cpio --memory 256M --host-profile none --append "$cmdline"
  row "jkvm --no-host-decompress (the bzImage decompresses itself at CPL0)" \
      ./jkvm run --kernel "$kernel" --initrd $B/initramfs.cpio --memory 256M --host-profile none --no-host-decompress --append "$cmdline"
  local q=(qemu-system-x86_64 -M microvm -m 256M -kernel "$kernel" -initrd $B/initramfs.cpio -append "$cmdline"
           -serial stdio -display none -nodefaults -no-reboot)
  row "QEMU -M microvm -accel tcg" "${q[@]}" -accel tcg
  row "QEMU -M microvm -accel kvm" "${q[@]}" -accel kvm
  say ""
}

multiboot_bench() {
  say "## Multiboot hello through the QEMU command line: launch to exit$CHECK_NOTE"
  say ""
  say "The same arguments for every VMM: \`-accel $ACCEL -m 64M -kernel mb_hello.bin -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none -nodefaults -no-reboot\`,"
  say "plus \`-M microvm\` or \`-M pc\` (jkvm-qemu always with \`-accel kvm\`). hyperfine, $RUNS runs after 3 warm-ups; peak RSS is the median of 5 runs of \`/usr/bin/time -f %M\`."
  say ""
  local args="-m 64M -kernel $G/mb_hello.bin -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none -nodefaults -no-reboot"
  names=("QEMU -M microvm -accel $ACCEL" "QEMU -M pc -accel $ACCEL (SeaBIOS)" "./jkvm-qemu -M microvm" "./jkvm-qemu -M pc")
  cmds=("qemu-system-x86_64 -M microvm -accel $ACCEL $args" "qemu-system-x86_64 -M pc -accel $ACCEL $args"
        "${CHECK[*]} ./jkvm-qemu -M microvm -accel kvm $args" "${CHECK[*]} ./jkvm-qemu -M pc -accel kvm $args")
  time_table multiboot 0
}

notify_bench() {
  say "## Queue notification: ioeventfd against an exit to jkvm"
  say ""
  say "Guest: guests/bench_notify.S, $EXITS writes of queue index 0 to a notify register (port 0x510, or MMIO 0xd0000050 = virtio-mmio's QueueNotify),"
  say "at CPL0, each variant on a fresh VM; run time from the first KVM_RUN to the debug exit. With an ioeventfd KVM signals an eventfd"
  say "that jkvm's event loop reads (as QueueNotifier's device threads do); without, each write exits to jkvm's bus."
  say "\`java -cp target/classes bench/NotifyCost.java bench/build/guests/bench_notify.bin $EXITS $ROUNDS\`."
  say ""
  "$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -cp target/classes bench/NotifyCost.java \
      $G/bench_notify.bin "$EXITS" "$ROUNDS" | tee -a "$report"
  say ""
}

blkreq_bench() {
  say "## virtio-blk's request path against the system call alone"
  say ""
  say "bench/BlockRequestCost.java: a BlockDevice over a 64 MiB raw image in the page cache, fed by the test suite's MockDriver"
  say "(guest RAM mapped as jkvm maps it), one request at a time; the reference is the same preadv/pwritev with the same iovecs,"
  say "in the same round. No KVM. Run with ./jkvm's JVM flags (\`JKVM_PRINT_JVM_FLAGS=1 ./jkvm\`: C1 only, late compilation"
  say "except on the device paths), then with the same flags and C2."
  mvn -q -B -ntp test-compile >$B/blkreq-build.log 2>&1 || { cat $B/blkreq-build.log >&2; exit 1; }
  local -a jkvm_flags
  mapfile -t jkvm_flags < <(JKVM_PRINT_JVM_FLAGS=1 ./jkvm)
  for variant in jkvm c2; do
    say ""
    if [[ $variant == jkvm ]]; then say "### ./jkvm's JVM flags (C1 only)"; flags=("${jkvm_flags[@]}")
    else say "### ./jkvm's JVM flags with C2 (without -XX:TieredStopAtLevel=1)"; flags=(); for f in "${jkvm_flags[@]}"; do [[ $f == -XX:TieredStopAtLevel=1 ]] || flags+=("$f"); done; fi
    say ""
    "$JAVA" "${flags[@]}" -cp target/classes:target/test-classes bench/BlockRequestCost.java "$BLKREQ_N" "$BLKREQ_ROUNDS" \
      | tee -a "$report"
  done
  say ""
}

java_nested_flags() {
  sed -n '/NESTED_FLAGS = String.join/,/);/p' src/main/java/io/jkvm/host/HostProfile.java \
    | grep -o '"[^"]*"' | tr -d '"' | awk 'BEGIN{ORS=""} /^initcall_blacklist=/ {printf " %s", $0; cont=1; next} cont==1 {printf "%s", $0; next} {printf " %s", $0}' | sed 's/^ //'
}

case "$what" in
  exits) needs_kvm exits; exits_bench ;;
  startup) startup_bench ;;
  linux) needs_kvm linux; linux_bench ;;
  multiboot) multiboot_bench ;;
  notify) needs_kvm notify; notify_bench ;;
  blkreq) blkreq_bench ;;
  all) if [[ $KVM == 1 ]]; then exits_bench; notify_bench; blkreq_bench; startup_bench; multiboot_bench; linux_bench
       else echo "bench: no /dev/kvm: blkreq, startup and multiboot only (the last two: check-only path vs QEMU TCG)" >&2; blkreq_bench; startup_bench; multiboot_bench; fi ;;
  *) echo "usage: bench/run.sh [all|exits|notify|blkreq|startup|multiboot|linux]" >&2; exit 2 ;;
esac
