#!/usr/bin/env bash
# Every test suite: install what is needed, build with warnings as errors and
# run unit, parity, CLI, agent, install and trainer tests; then build with
# AddressSanitizer + UBSan and run the unit, parity, CLI and agent tests again;
# then cross-build for aarch64 and armhf (NEON) and run the unit, parity and
# agent smoke tests under qemu; then the WebAssembly package: the core's tests
# and parity compiled to WebAssembly, the package's JavaScript tests, the
# packed package from a fresh project and the web demo in headless Chromium
# (scripts/test-wasm.sh); the agent's suite once more in a loopback-only
# network namespace, tracing every connection (scripts/agent-offline-test.sh,
# where namespaces can be made); and a short run of every libFuzzer harness
# (scripts/fuzz.sh, FRAUDSCORE_FUZZ_SECONDS each, default 20).
# FRAUDSCORE_SKIP_CROSS=1 skips the cross builds, FRAUDSCORE_SKIP_WASM=1 the
# WebAssembly tests, FRAUDSCORE_SKIP_FUZZ=1 the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
# What each stage costs (CI's budget), printed as it ends and summed up at exit.
stage_start=$SECONDS stage_name="install"
stage_times=()
stage() {
  stage_times+=("$(printf '%-34s %5d s' "$stage_name" $((SECONDS - stage_start)))")
  echo "== test.sh: $stage_name took $((SECONDS - stage_start)) s" >&2
  stage_start=$SECONDS stage_name=$1
}
trap 'stage end; printf "== test.sh stage times:\n"; printf "   %s\n" "${stage_times[@]}"' EXIT
scripts/install-deps.sh
jobs="$(nproc)"
stage "native build and tests"
cmake --preset ci
cmake --build --preset ci -j"$jobs"
ctest --preset ci -j"$jobs"
stage "agent offline"
if unshare -n true 2>/dev/null; then
  scripts/agent-offline-test.sh build/ci
else
  echo "test.sh: no network namespaces here (not root): the loopback-only agent run is skipped" >&2
fi
stage "WebAssembly"
if [ "${FRAUDSCORE_SKIP_WASM:-0}" != 1 ]; then
  scripts/test-wasm.sh
fi
stage "ASan and UBSan build and tests"
cmake --preset debug-asan
cmake --build --preset debug-asan -j"$jobs"
ctest --preset debug-asan -j"$jobs"
stage "fuzzing"
if [ "${FRAUDSCORE_SKIP_FUZZ:-0}" != 1 ]; then
  FRAUDSCORE_FUZZ_SECONDS="${FRAUDSCORE_FUZZ_SECONDS:-20}" scripts/fuzz.sh
fi
if [ "${FRAUDSCORE_SKIP_CROSS:-0}" != 1 ]; then
  stage "aarch64 under qemu"
  scripts/cross-test.sh aarch64
  stage "armhf under qemu"
  scripts/cross-test.sh armhf
fi
