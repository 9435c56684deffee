#!/usr/bin/env bash
# Builds the C reference VMM (bench/build/kvm_loop) and the guests it runs
# (bench/build/guests/*.bin, through guests/build.sh). bench/build/ is git-ignored.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/build"
gcc -O2 -Wall -Wextra -std=gnu11 -o "$here/build/kvm_loop" "$here/kvm_loop.c"
gcc -O2 -Wall -Wextra -std=gnu11 -o "$here/build/kvm_hello" "$here/kvm_hello.c"
bash "$here/../guests/build.sh" "$here/build/guests"
