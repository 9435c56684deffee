#!/usr/bin/env bash
# The test suite: unit tests (no KVM), integration tests under /dev/kvm, differential tests
# against QEMU. Installs what is missing first (scripts/setup.sh --tests).
#
# Tests that need /dev/kvm carry the JUnit tag "kvm". Where /dev/kvm exists, `mvn verify` runs
# everything. Where it does not, the other tests run here (`mvn verify` without the tag), then
# the kvm tests run inside the emulated KVM host (scripts/emulated-kvm-host.sh) on the classes
# just compiled (scripts/kvm-tests.sh). With CI=true a kvm test that is skipped fails the run;
# every skip prints its reason on the console (SKIPPED: ...).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --tests
# Debian's cloud kernel for the loader and Linux boot tests, cached outside the repo.
bash "$root/scripts/fetch-test-kernel.sh" >/dev/null || echo "jkvm: could not fetch the test kernel; the tests that need it will be skipped" >&2
source "$root/scripts/java-home.sh"
cd "$root"
if [[ -r /dev/kvm && -w /dev/kvm ]]; then
  exec mvn -B -ntp verify "$@"
fi
echo "jkvm: no usable /dev/kvm here: the tests tagged kvm run in the emulated KVM host after the others" >&2
bash scripts/emulated-kvm-host.sh --prepare >/dev/null
mvn -B -ntp verify -Djkvm.test.excludedGroups=kvm \
    dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test "$@"
# A hung test must not hold CI: the kvm phase has 60 minutes in all (each attempt at most 40);
# at the limit the emulated host gets SIGTERM (passed on to the tests).
start=$SECONDS
budget=3600
# An emulated host that failed (status 125: its kernel stopped running user space; until the
# emulated host held KVM's static keys (io.jkvm.testing.KvmStaticKeyHolder), QEMU 7.2's TCG
# livelocked in the kernel's text patching after minutes of tests in most runs) is
# infrastructure, not a test result: the tests run again in a fresh host, said loudly, up to 4
# more times while time is left. A retry runs only the test classes that had not passed: each
# finished class is recorded as it finishes (ProgressPrinter, -Djkvm.test.finished), and a
# class that passed in an earlier host is not run again. A class with a failure in a host that then failed runs
# again (its failure is printed first); a failing test in a host that did not fail is never
# retried.
# A JVM inside the emulated host that crashed in JIT-compiled JDK code (seen 4 times in a day:
# SIGSEGV in String.toString, SIGILL in Reference.reachabilityFence, SIGSEGV in
# RawBytecodeHelper.opcode; never outside TCG) is the emulated CPU's fault, not a test result:
# the attempt counts as the host's failure. Its hs_err file (the JVM's working directory is
# the project) is kept in target/jvm-crashes and its frame printed. A crash in jkvm's own code
# or in a memory access is a test failure like any other.
jit_crash_in_jdk_code() { # $1: a marker file older than the attempt
  local f frame found=1
  mkdir -p target/jvm-crashes
  for f in $(find "$root" -maxdepth 1 -name 'hs_err_pid*.log' -newer "$1" 2>/dev/null); do
    frame="$(grep -A1 '^# Problematic frame:' "$f" | tail -n 1)"
    mv "$f" target/jvm-crashes/
    echo "jkvm: a JVM crashed in the emulated host: ${frame#\# } (target/jvm-crashes/${f##*/})" >&2
    if [[ "$frame" =~ ^#\ [Jj]\  && ! "$frame" =~ io\.jkvm\.|ScopedMemoryAccess|Unsafe|MemorySegment ]]; then found=0; fi
  done
  return $found
}
passed="$root/target/kvm-tests-passed.txt"   # classes that passed in an earlier, failed host
: > "$passed"
for attempt in 1 2 3 4 5; do
  left=$((budget - (SECONDS - start)))
  (( left > 2400 )) && left=2400
  (( left > 120 )) || { echo "jkvm: no time left for another emulated KVM host" >&2; break; }
  marker="$(mktemp)"
  finished="$root/target/kvm-tests-finished-$attempt.txt"
  rm -f "$finished"
  only=(--fail-if-no-tests)
  if [[ -s "$passed" ]]; then
    only=(--exclude-classname "^($(sed 's/[.$]/\\&/g' "$passed" | paste -sd'|'))\$")
    echo "jkvm: $(wc -l < "$passed") test classes passed in earlier emulated hosts; running the others" >&2
  fi
  set +e
  JKVM_TEST_FINISHED="$finished" JKVM_HOST_HOLD_KVM_KEYS=1 timeout --kill-after=60 "${left}s" \
    bash scripts/emulated-kvm-host.sh scripts/kvm-tests.sh "${only[@]}"
  rc=$?
  set -e
  if [[ $rc -ne 0 && $rc -ne 125 ]] && jit_crash_in_jdk_code "$marker"; then
    echo "jkvm: THE EMULATED CPU CRASHED A JVM IN JDK CODE (above): this attempt's failures do not count" >&2
    rc=125
  fi
  rm -f "$marker"
  [[ $rc -eq 125 ]] || break
  # Keep the classes that passed in this host; say which failed before it did.
  if [[ -s "$finished" ]]; then
    failed="$(awk '$1 == "FAILED" { print $2 }' "$finished" | sort -u)"
    for class in $failed; do
      echo "jkvm: $class had a failure (above) in this emulated host, which then failed: it runs again" >&2
    done
    awk -v failed=" $(echo $failed) " '$1 == "FINISHED" && index(failed, " " $2 " ") == 0 { print $2 }' "$finished" >> "$passed"
  fi
  if (( attempt < 5 )); then
    echo "jkvm: THE EMULATED KVM HOST FAILED (status 125, above): the tests not yet passed run again in a fresh one (attempt $((attempt + 1)) of 5)" >&2
  fi
done
echo "jkvm: kvm tests in the emulated KVM host: $((SECONDS - start)) s, status $rc" >&2
exit $rc
