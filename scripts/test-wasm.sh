#!/usr/bin/env bash
# The WebAssembly tests: build the package twice (SIMD128 and baseline) with
# the core's doctest suite and the golden-vector parity test compiled to
# WebAssembly and run them under node; then the package's JavaScript tests
# (node --test, both builds), a build holding one model family, the packed
# package installed into a fresh project, and the web demo in headless Chromium against the native CLI.
# Needs the native CLI (build/ci/cli/fraudscore, or FRAUDSCORE_CLI): run after
# the native build, as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-wasm-deps.sh
export FRAUDSCORE_CLI=${FRAUDSCORE_CLI:-$PWD/build/ci/cli/fraudscore}
[ -x "$FRAUDSCORE_CLI" ] || { echo "test-wasm: no native CLI at $FRAUDSCORE_CLI (cmake --preset ci && cmake --build --preset ci)" >&2; exit 1; }
scripts/build-wasm.sh
for flavour in simd baseline; do
  echo "== doctest suite and parity in WebAssembly ($flavour)"
  ctest --test-dir "build/wasm-$flavour" --output-on-failure -j"$(nproc)"
done
echo "== package API tests (node --test)"
node --test tests/wasm/
echo "== a WebAssembly build with one model family (gbdt)"
bash tests/wasm-family/run.sh
echo "== packed package in a fresh project"
bash tests/wasm/pack_test.sh
echo "== web demo in headless Chromium"
bash tests/browser/run.sh
