#!/usr/bin/env bash
# A WebAssembly build that holds one model family (gbdt): the npm package
# loaded over it scores that family's shipped model exactly (its golden rows)
# and refuses every other kind with 'unsupported', naming what it holds.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
wasm=$(bash "$REPO/scripts/build-wasm-family.sh" gbdt)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dist"
cp "$REPO/wasm/fraudscore.mjs" "$stage/"
cp "$wasm" "$stage/dist/fraudscore-simd.wasm"
FRAUDSCORE_PACKAGE="$stage/fraudscore.mjs" node "$REPO/tests/wasm-family/one_family.mjs"
