#!/usr/bin/env bash
# fraudscore's gbdt family, XGBoost's own predictor and ONNX Runtime's
# TreeEnsembleRegressor (native CPU build, via onnxruntime-node) on the same
# trees and the same windows, in one run on the same machine, pinned to the
# same core: builds fraudscore_bench (Release, build/bench), has it write the
# windows a fresh fraudscore session builds from real rows, writes the trees as
# an XGBoost JSON model and an ONNX graph (bench/gbdt_peers.py), checks both
# peers against fraudscore's margins and XGBoost's pred_contribs against
# fraudscore's TreeSHAP (nothing is timed, and no speed figure printed, if one
# disagrees), runs all three and prints a table. Raw results are kept in
# build/bench/gbdt-side-by-side/. Installs what it needs first (Debian packages
# through scripts/install-deps.sh, npm packages in bench/peers).
#
#   bash bench/run_gbdt_side_by_side.sh [MODEL.fsmodel]    (default: models/gbdt-on-device.fsmodel)
#
# Environment: FRAUDSCORE_GBDT_MODEL (the model, when no argument is given),
# FRAUDSCORE_GBDT_ROWS (the rows the windows come from, a CSV with the model's
# columns; default ../shared/data/paysim_sample_3k.csv, the real PaySim sample),
# BENCH_SECONDS (measuring time per benchmark, default 3), BENCH_CPU (the core
# to pin to, default 0).
#
# Why the windows come from the core: the peers must see exactly what
# fraudscore's trees see. fraudscore_bench builds them with the calls a
# session makes (features, per-key window, left padding) and checks at start-up
# that a real C API session scoring the same rows gets the same scores from
# them; recomputing them with the trainer's feature code (families/gbdt/inputs.py)
# would hold the peers to the trainer, not to the core, and would need its own
# check against the core.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL=$(realpath "${1:-${FRAUDSCORE_GBDT_MODEL:-$REPO/models/gbdt-on-device.fsmodel}}")
ROWS=$(realpath -m "${FRAUDSCORE_GBDT_ROWS:-$REPO/../shared/data/paysim_sample_3k.csv}")
BUILD=$REPO/build/bench
OUT=$BUILD/gbdt-side-by-side
SECONDS_EACH=${BENCH_SECONDS:-3}
PYTHON=/usr/bin/python3

[ -f "$MODEL" ] || { echo "run_gbdt_side_by_side: no model file at $MODEL" >&2; exit 1; }
[ -f "$ROWS" ] || { echo "run_gbdt_side_by_side: no rows at $ROWS (set FRAUDSCORE_GBDT_ROWS)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/windows"

# Dependencies, the Release build of fraudscore_bench, onnxruntime-node, PIN.
. "$REPO/bench/setup_native_peers.sh"

BENCH=("$BUILD/bench/fraudscore_bench")
export FRAUDSCORE_BENCH_MODEL="$MODEL" FRAUDSCORE_BENCH_ROWS="$ROWS"
# XGBoost's OpenMP: one thread, like the others (the booster is also set to nthread 1).
export OMP_NUM_THREADS=1

echo "== the benchmark windows: a fresh fraudscore session over $ROWS" >&2
FRAUDSCORE_BENCH_DUMP="$OUT/windows" "${BENCH[@]}" >&2
grep -q '"kind": "gbdt"' "$OUT/windows/meta.json" ||
  { echo "run_gbdt_side_by_side: $MODEL is not a gbdt model ($OUT/windows/meta.json)" >&2; exit 1; }

echo "== XGBoost model and ONNX graph from the trees; parity checks" >&2
if ! "$PYTHON" "$REPO/bench/gbdt_peers.py" export "$MODEL" "$OUT/windows" "$OUT" >&2; then
  echo "run_gbdt_side_by_side: XGBoost disagrees with fraudscore (above; $OUT/check.json): no speed figures" >&2
  exit 1
fi
if ! node "$REPO/bench/peers/ort_gbdt.mjs" "$OUT/gbdt.onnx" --inputs "$OUT/inputs.f32" --expected "$OUT/margins.f32" \
    --tolerance "$OUT/tolerance.f64" --check-only >"$OUT/ort-check.json"; then
  echo "run_gbdt_side_by_side: ONNX Runtime disagrees with fraudscore ($OUT/ort-check.json): no speed figures" >&2
  exit 1
fi

echo "== fraudscore_bench (${PIN[*]:-unpinned})" >&2
"${PIN[@]}" "${BENCH[@]}" --benchmark_min_time="$SECONDS_EACH" --benchmark_min_warmup_time=0.5 \
  --benchmark_out="$OUT/fraudscore.json" --benchmark_out_format=json >&2

echo "== xgboost (${PIN[*]:-unpinned})" >&2
"${PIN[@]}" "$PYTHON" "$REPO/bench/gbdt_peers.py" time-xgboost "$OUT" --seconds "$SECONDS_EACH" --warmup-s 1 \
  >"$OUT/xgboost.json"

echo "== onnxruntime-node (${PIN[*]:-unpinned})" >&2
"${PIN[@]}" node "$REPO/bench/peers/ort_gbdt.mjs" "$OUT/gbdt.onnx" --inputs "$OUT/inputs.f32" \
  --expected "$OUT/margins.f32" --tolerance "$OUT/tolerance.f64" --warmup-s 1 --measure-s "$SECONDS_EACH" \
  >"$OUT/ort.json"

"$PYTHON" - "$OUT" "${PIN[*]:-unpinned}" <<'EOF'
import hashlib, json, os, subprocess, sys
from datetime import datetime, timezone
from pathlib import Path

out, pin = Path(sys.argv[1]), sys.argv[2]
ours = {b["name"].removesuffix("/real_time").split("/", 1)[1]: b
        for b in json.loads((out / "fraudscore.json").read_text())["benchmarks"]}
xgb = json.loads((out / "xgboost.json").read_text())
ort = json.loads((out / "ort.json").read_text())
check = json.loads((out / "check.json").read_text())

def per_cpu_second(b, batch):  # windows per CPU second (cpu_time is per iteration, in µs)
    return batch / (b["cpu_time"] * 1e-6)

def ours_row(name, b1, b256, shap):
    return (name, b1["p50_us"], b1["p99_us"], b256["items_per_second"] if b256 else None,
            per_cpu_second(b256, 256) if b256 else None, shap["p50_us"] if shap else None)

def peer_row(name, b1, b256, shap):
    return (name, b1["p50_us"], b1["p99_us"], b256["windows_per_s"], b256["windows_per_cpu_s"],
            shap["p50_us"] if shap else None)

rows = [
    ours_row("fraudscore trees (margin; TreeSHAP)", ours["network_batch1"], ours["network_batch256"],
             ours["attribution"]),
    ours_row("fraudscore C API on raw rows (features+window+trees+risk)", ours["batch1_latency"],
             ours["batch256_throughput"], None),
    ours_row("fraudscore C API on raw rows, 3 reasons (TreeSHAP)", ours["batch1_latency_reasons"], None, None),
    peer_row(f"{xgb['runtime']} inplace_predict (margin; pred_contribs)", xgb["inplace_batch1"],
             xgb["inplace_batch256"], xgb["contribs_batch1"]),
    peer_row(f"{xgb['runtime']} predict(DMatrix, output_margin)", xgb["predict_batch1"], xgb["predict_batch256"],
             None),
    peer_row(f"{ort['runtime']} TreeEnsembleRegressor (margin)", ort["batch1"], ort["batch256"], None),
]

def cell(v, fmt):
    return "–" if v is None else format(v, fmt)

lscpu = dict(l.split(":", 1) for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
             if ":" in l)
cpu = (f"{lscpu.get('Model name', '?').strip()} (family {lscpu.get('CPU family', '?').strip()}, "
       f"model {lscpu.get('Model', '?').strip()}, stepping {lscpu.get('Stepping', '?').strip()})")
model = Path(check["model"])
digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
steps = check["valid_steps_histogram"]
print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | cpu: {cpu} | nproc: {os.cpu_count()} | "
      f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} | pinned: {pin}")
print(f"model: {model} ({check['name']}, sha256 {digest}…): {check['trees']} trees, {check['nodes']} nodes, "
      f"{check['leaves']} leaves, max depth {check['max_depth']}, {check['steps']} x {check['features']} = "
      f"{check['steps'] * check['features']} inputs | fraudscore MFLOP/window: trees "
      f"{ours['network_batch1']['MFLOP/window']:.4f}, TreeSHAP {ours['attribution']['MFLOP/window']:.3f}")
print(f"windows: {check['windows']} from {check['rows']} (a fresh session's, in row order); real steps per window: "
      + ", ".join(f"{k}: {v}" for k, v in steps.items()) + f"; inputs missing (padded steps, NaN for the peers): "
      f"{check['missing_inputs_share']:.1%}")
c = check["checks"]
print(f"parity with fraudscore on these windows: XGBoost reached leaves: {c['xgboost_leaves']['windows_differing']} "
      f"windows differ | XGBoost margin max |d| {c['xgboost_inplace_margin']['max_abs_diff']:.2e} "
      f"({c['xgboost_inplace_margin']['windows_over_1e-5']} windows over 1e-5, within the float32 sum's bound) | "
      f"pred_contribs max |d| {c['xgboost_pred_contribs']['max_abs_diff']:.2e}, bias {c['xgboost_bias']['max_abs_diff']:.2e} "
      f"| ORT margin max |d| {ort['check']['max_abs_diff']:.2e} ({ort['check']['windows_over_1e5']} over 1e-5)")
print(f"versions: {xgb['runtime']} (Python {xgb['python']}), {ort['runtime']} ({ort['node']}), onnx {check['onnx']}; "
      "every runtime on one thread")
print()
print("| runtime | batch-1 µs/window (p50) | batch-1 p99 µs | batch-256 windows/s | batch-256 windows/CPU-s | "
      "TreeSHAP µs/window (p50) |")
print("|---|---:|---:|---:|---:|---:|")
for name, p50, p99, rate, cpu_rate, shap in rows:
    print(f"| {name} | {cell(p50, '.2f')} | {cell(p99, '.1f')} | {cell(rate, ',.0f')} | {cell(cpu_rate, ',.0f')} | "
          f"{cell(shap, '.1f')} |")
trees = rows[0]
for peer in (rows[3], rows[5]):
    print(f"| ratio fraudscore trees / {peer[0].split(' (')[0]} | {trees[1] / peer[1]:.3f}× | | "
          f"{trees[3] / peer[3]:.2f}× | {trees[4] / peer[4]:.2f}× | "
          + (f"{trees[5] / peer[5]:.3f}× |" if peer[5] else "|"))
print()
print(f"XGBoost pred_contribs, 256 windows a call: {xgb['contribs_batch256']['mean_us_per_window']:.1f} µs/window "
      f"(fraudscore attributes one window a call: mean {ours['attribution']['real_time']:.1f} µs).")
print("batch-1: per-call wall time, median (XGBoost and ORT include their Python / node call; fraudscore's is a C++ call). "
      "batch-256: windows per wall-clock second (and per CPU second of the process). Ratios are fraudscore / peer: "
      "latency below 1 and throughput above 1 mean fraudscore is faster.")
EOF
