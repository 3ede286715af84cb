#!/usr/bin/env bash
# fraudscore's WebAssembly package (SIMD128 and baseline builds) next to
# onnxruntime-web and TensorFlow.js (wasm backend), all in node, one thread,
# on the same crnn network and weights, on the same machine, pinned to the
# same core, in one go:
#   - installs the peers (bench/peers/node_modules) if missing,
#   - builds the package (scripts/build-wasm.sh --no-tests) if wasm/dist lacks a .wasm,
#   - builds the native CLI (build/ci, target fraudscore_cli) if missing, the
#     reference for our numerical check,
#   - exports the model to ONNX + the PyTorch reference check + the weights for tfjs,
#   - runs fraudscore (SIMD), fraudscore (baseline), onnxruntime-web and tfjs-wasm,
#     each BENCH_RUNS times in interleaved order (a fresh node process per run,
#     so every run has its own cold start), keeps the raw JSON in build/bench-wasm/,
#   - prints a markdown table of the medians and a "goals" block.
# A missed goal is reported, not fatal; a failed numerical check (ours against the
# native CLI, the peers against PyTorch) or a failed run makes the script exit 1.
#
#   bash bench/run_wasm_side_by_side.sh [MODEL.fsmodel]    (default: models/crnn-on-device.fsmodel)
#
# Environment: BENCH_RUNS (runs of each runtime, default 3), BENCH_SECONDS (measuring
# time per benchmark, default 5), BENCH_WARMUP_SECONDS (warm-up per benchmark, default 3;
# at least 2000 batch-1 calls either way), BENCH_CPU (the core to pin to, default 0),
# BENCH_HEAP_CALLS (push calls in fraudscore's memory check, first run of each build
# only; default 0 = skipped), FRAUDSCORE_CLI (the native CLI, default build/ci/cli/fraudscore).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL=$(realpath "${1:-$REPO/models/crnn-on-device.fsmodel}")
OUT=$REPO/build/bench-wasm
RUNS=${BENCH_RUNS:-3}
MEASURE=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP_SECONDS:-3}
HEAP_CALLS=${BENCH_HEAP_CALLS:-0}
CLI=${FRAUDSCORE_CLI:-$REPO/build/ci/cli/fraudscore}
CHECK_ROWS=$REPO/examples/transactions.csv
PYTHON=/usr/bin/python3

[ -f "$MODEL" ] || { echo "run_wasm_side_by_side: no model file at $MODEL" >&2; exit 1; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run_wasm_side_by_side: BENCH_RUNS must be a positive integer" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.err

# Debian packages the export needs (scripts/install-deps.sh: flatc, numpy, PyTorch) and python3-onnx.
"$REPO/scripts/install-deps.sh" python3-onnx >&2

PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "${BENCH_CPU:-0}"); fi

if [ ! -d "$REPO/bench/peers/node_modules/onnxruntime-web" ] \
   || [ ! -d "$REPO/bench/peers/node_modules/@tensorflow/tfjs-backend-wasm" ] \
   || [ ! -d "$REPO/bench/peers/node_modules/@tensorflow/tfjs" ]; then
  echo "== installing the peers (bench/peers)" >&2
  (cd "$REPO/bench/peers" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund >&2)
fi

if [ ! -f "$REPO/wasm/dist/fraudscore-simd.wasm" ] || [ ! -f "$REPO/wasm/dist/fraudscore-baseline.wasm" ]; then
  echo "== building the WebAssembly package (scripts/build-wasm.sh --no-tests)" >&2
  bash "$REPO/scripts/build-wasm.sh" --no-tests >&2
fi

if [ ! -x "$CLI" ]; then
  echo "== building the native CLI (build/ci, fraudscore_cli)" >&2
  (cd "$REPO" && cmake --preset ci >/dev/null && cmake --build build/ci -j "$(nproc)" --target fraudscore_cli >&2)
fi
echo "== native CLI scores of ${CHECK_ROWS#$REPO/} (the reference for fraudscore's check)" >&2
"$CLI" score "$MODEL" "$CHECK_ROWS" --reasons 0 >"$OUT/cli-scores.csv"

echo "== exporting $MODEL to ONNX (+ PyTorch check, weights for tfjs)" >&2
"$PYTHON" "$REPO/bench/export_onnx.py" "$MODEL" "$OUT/crnn.onnx" --check "$OUT/check.json" \
  --weights-json "$OUT/crnn-weights.json" >&2

# run NAME RUN COMMAND...: stdout to $OUT/NAME.RUN.json, stderr to $OUT/NAME.RUN.err; a failure stops everything.
run() {
  local name=$1 i=$2; shift 2
  echo "== run $i/$RUNS: $name (${PIN[*]:-unpinned})" >&2
  if ! "${PIN[@]}" "$@" >"$OUT/$name.$i.json" 2>"$OUT/$name.$i.err"; then
    echo "run_wasm_side_by_side: $name (run $i) failed:" >&2
    tail -n 20 "$OUT/$name.$i.err" >&2
    exit 1
  fi
}

TIMES=(--warmup-s "$WARMUP" --measure-s "$MEASURE")
for i in $(seq 1 "$RUNS"); do
  HEAP=(); [ "$i" = 1 ] && [ "$HEAP_CALLS" != 0 ] && HEAP=(--heap-calls "$HEAP_CALLS")
  for flavour in simd baseline; do
    run "fraudscore-$flavour" "$i" node --expose-gc "$REPO/bench/wasm/fraudscore_crnn.mjs" "$MODEL" "--$flavour" \
      --check "$CHECK_ROWS" --cli-scores "$OUT/cli-scores.csv" "${TIMES[@]}" "${HEAP[@]}"
  done
  run ort-web "$i" node "$REPO/bench/peers/ort_web_crnn.mjs" "$OUT/crnn.onnx" --check "$OUT/check.json" "${TIMES[@]}"
  run tfjs-wasm "$i" node "$REPO/bench/peers/tfjs_crnn.mjs" "$OUT/crnn-weights.json" --check "$OUT/check.json" \
    "${TIMES[@]}"
done

exec "$PYTHON" "$REPO/bench/wasm/summarize.py" "$OUT" "$RUNS" "$MODEL" "${PIN[*]:-unpinned}" "$MEASURE" "$WARMUP"
