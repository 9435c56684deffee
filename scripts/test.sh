#!/usr/bin/env bash
# The test suite: unit tests (no KVM), integration tests under /dev/kvm, differential tests
# against QEMU. Installs what is missing first (scripts/setup.sh --tests).
# Tests needing /dev/kvm or QEMU are skipped, with the reason printed, where those are absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --tests
# Debian's cloud kernel for the loader and Linux boot tests, cached outside the repo.
bash "$root/scripts/fetch-test-kernel.sh" >/dev/null || echo "jkvm: could not fetch the test kernel; the tests that need it will be skipped" >&2
source "$root/scripts/java-home.sh"
cd "$root"
mvn -B -ntp verify "$@"
