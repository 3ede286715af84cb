#!/usr/bin/env bash
# How much of the WebAssembly core each model family costs: the SIMD128 .wasm
# built with every family (FRAUDSCORE_FAMILIES default) and with one family at
# a time, raw and gzip -9 (what a page downloads with compression on).
#
#   bash bench/wasm_family_sizes.sh [FAMILY ...]     (default: every family in core/src/families/)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/install-wasm-deps.sh" >/dev/null
families=("$@")
if [ ${#families[@]} -eq 0 ]; then
  for dir in "$REPO"/core/src/families/*/; do [ -f "$dir/register.cpp" ] && families+=("$(basename "$dir")"); done
fi
all=$(IFS=';'; echo "${families[*]}")
printf '%-28s %10s %10s %8s\n' "families" "bytes" "gzip -9" "of all"
full=$(bash "$REPO/scripts/build-wasm-family.sh" "$all" 2>/dev/null)
full_bytes=$(stat -c %s "$full")
row() {
  local bytes gz
  bytes=$(stat -c %s "$2")
  gz=$(gzip -9 -c "$2" | wc -c)
  printf '%-28s %10d %10d %7.0f%%\n' "$1" "$bytes" "$gz" "$(echo "100 * $bytes / $full_bytes" | bc -l)"
}
row "$all" "$full"
for family in "${families[@]}"; do row "$family" "$(bash "$REPO/scripts/build-wasm-family.sh" "$family" 2>/dev/null)"; done
js=$(gzip -9 -c "$REPO/wasm/fraudscore.mjs" | wc -c)
echo "fraudscore.mjs (the package's JavaScript, shipped with any of these): $(stat -c %s "$REPO/wasm/fraudscore.mjs") bytes, $js gzip -9"
