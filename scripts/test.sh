#!/usr/bin/env bash
# Every test suite: install what is needed, build with warnings as errors and
# run unit, parity, CLI, install and trainer tests; then build with
# AddressSanitizer + UBSan and run the unit, parity and CLI tests again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs="$(nproc)"
cmake --preset ci
cmake --build --preset ci -j"$jobs"
ctest --preset ci -j"$jobs"
cmake --preset debug-asan
cmake --build --preset debug-asan -j"$jobs"
ctest --preset debug-asan -j"$jobs"
