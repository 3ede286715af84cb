#!/usr/bin/env bash
# Build the WebAssembly core (SIMD128) with only some model families, for a
# page that serves one kind of model: CMake's FRAUDSCORE_FAMILIES decides what
# the .wasm holds. Prints the path of the .wasm it built.
#
#   bash scripts/build-wasm-family.sh FAMILY[;FAMILY...]     e.g. gbdt, or "crnn;gbdt"
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
families=${1:?usage: build-wasm-family.sh FAMILY[;FAMILY...]}
export NODE_PATH=/usr/share/nodejs  # Emscripten's link step needs Debian's node modules (acorn)
build=$REPO/build/wasm-family-${families//;/-}
emcmake cmake -S "$REPO" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFRAUDSCORE_WERROR=ON -DFRAUDSCORE_WASM_SIMD=ON \
  -DFRAUDSCORE_BUILD_TESTS=OFF -DFRAUDSCORE_FAMILIES="$families" >/dev/null
cmake --build "$build" --target fraudscore_wasm -j "$(nproc)" >/dev/null
echo "$build/wasm/dist/fraudscore-simd.wasm"
