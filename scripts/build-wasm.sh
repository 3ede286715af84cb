#!/usr/bin/env bash
# Build the WebAssembly package: the core compiled with Emscripten twice from
# this CMake project, with SIMD128 (build/wasm-simd) and without
# (build/wasm-baseline), each with its test programs; the two .wasm files are
# copied into wasm/dist/, next to wasm/fraudscore.mjs, which picks one at run
# time. Needs emscripten and nodejs (scripts/install-wasm-deps.sh).
#
#   bash scripts/build-wasm.sh [--no-tests]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTS=ON
[ "${1:-}" = "--no-tests" ] && TESTS=OFF
# Emscripten's link step needs Debian's node modules (acorn).
export NODE_PATH=/usr/share/nodejs
mkdir -p "$REPO/wasm/dist"
for flavour in simd baseline; do
  simd=ON; [ "$flavour" = baseline ] && simd=OFF
  build=$REPO/build/wasm-$flavour
  echo "== WebAssembly ($flavour) in ${build#$REPO/}" >&2
  emcmake cmake -S "$REPO" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFRAUDSCORE_WERROR=ON \
    -DFRAUDSCORE_WASM_SIMD=$simd -DFRAUDSCORE_BUILD_TESTS=$TESTS >/dev/null
  cmake --build "$build" -j "$(nproc)"
  cp "$build/wasm/dist/fraudscore-$flavour.wasm" "$REPO/wasm/dist/"
done
ls -l "$REPO/wasm/dist" >&2
