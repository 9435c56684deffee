#!/usr/bin/env bash
# Runs the tests tagged "kvm" (every test that needs /dev/kvm) on the classes Maven compiled,
# with JUnit's console launcher: one JVM, no Maven (both slow under the emulated KVM host's TCG).
# scripts/test.sh runs this inside scripts/emulated-kvm-host.sh where /dev/kvm is missing; it
# works as well on a machine with /dev/kvm. Needs `mvn test-compile` and the test classpath
# (target/test-classpath.txt, written by scripts/test.sh) first. Extra arguments go to the
# launcher, e.g. --include-classname '.*GuestRunTest'. Reports: target/kvm-test-reports.
# JKVM_TEST_FINISHED=FILE records each failure and finished class in FILE as it happens
# (scripts/test.sh uses it to resume after an emulated host failed, and adds --fail-if-no-tests
# to its first run).
# A test that runs past 6 minutes fails with its stack trace instead of holding the run (each
# test runs on a thread of its own for that, so a stuck one cannot block the next).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/java-home.sh"
[[ -s "$root/target/test-classpath.txt" && -d "$root/target/test-classes" ]] \
  || { echo "kvm-tests: compile first (scripts/test.sh does: mvn test-compile dependency:build-classpath)" >&2; exit 1; }
cp="$root/target/test-classes:$root/target/classes:$(cat "$root/target/test-classpath.txt")"
# C1 only: under TCG the JIT's own work dominates a short test run.
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss2m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -Djkvm.guests="$root/target/classes/guests" -Djkvm.basedir="$root" -Djkvm.test.progress=true \
  -Djkvm.test.finished="${JKVM_TEST_FINISHED:-}" \
  -cp "$cp" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --scan-classpath "$root/target/test-classes" --include-tag kvm \
  --reports-dir "$root/target/kvm-test-reports" \
  --config=junit.jupiter.execution.timeout.default=6m \
  --config=junit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD "$@"
