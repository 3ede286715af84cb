#!/usr/bin/env bash
# fraudscore and ONNX Runtime (native CPU build, via onnxruntime-node) on the
# same crnn network and weights, on the same machine, pinned to the same core:
# builds fraudscore_bench (Release, build/bench), exports the model to ONNX,
# checks ONNX Runtime's outputs against the PyTorch reference, runs both and
# prints a table. Raw results are kept in build/bench/side-by-side/. Installs what
# it needs first (Debian packages through scripts/install-deps.sh, npm packages in bench/peers).
#
#   bash bench/run_side_by_side.sh [MODEL.fsmodel]    (default: models/crnn-on-device.fsmodel)
#
# Environment: BENCH_SECONDS (measuring time per benchmark, default 3),
# BENCH_CPU (the core to pin to, default 0).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL=$(realpath "${1:-$REPO/models/crnn-on-device.fsmodel}")
BUILD=$REPO/build/bench
OUT=$BUILD/side-by-side
SECONDS_EACH=${BENCH_SECONDS:-3}
PYTHON=/usr/bin/python3

[ -f "$MODEL" ] || { echo "run_side_by_side: no model file at $MODEL" >&2; exit 1; }
mkdir -p "$OUT"

# Dependencies, the Release build of fraudscore_bench, onnxruntime-node, PIN.
. "$REPO/bench/setup_native_peers.sh"

echo "== exporting $MODEL to ONNX" >&2
"$PYTHON" "$REPO/bench/export_onnx.py" "$MODEL" "$OUT/crnn.onnx" --check "$OUT/check.json" >&2

echo "== fraudscore_bench (${PIN[*]:-unpinned})" >&2
FRAUDSCORE_BENCH_MODEL="$MODEL" "${PIN[@]}" "$BUILD/bench/fraudscore_bench" \
  --benchmark_min_time="$SECONDS_EACH" --benchmark_min_warmup_time=1 \
  --benchmark_out="$OUT/fraudscore.json" --benchmark_out_format=json >&2

echo "== onnxruntime-node (${PIN[*]:-unpinned})" >&2
"${PIN[@]}" node "$REPO/bench/peers/ort_crnn.mjs" "$OUT/crnn.onnx" --check "$OUT/check.json" \
  --warmup-s 3 --measure-s "$SECONDS_EACH" >"$OUT/ort.json"

"$PYTHON" - "$OUT/fraudscore.json" "$OUT/ort.json" "$MODEL" "${PIN[*]:-unpinned}" <<'EOF'
import json, os, subprocess, sys
from datetime import datetime, timezone

ours_path, ort_path, model, pin = sys.argv[1:]
ours_json = json.load(open(ours_path))
ours = {b["name"].removesuffix("/real_time"): b for b in ours_json["benchmarks"]}
context = ours_json["context"]
ort = json.load(open(ort_path))
mflop = ours["crnn/batch256_throughput"]["MFLOP/window"]

def per_cpu_second(b, batch):  # windows per CPU second (cpu_time is per iteration, in µs)
    return batch / (b["cpu_time"] * 1e-6)

rows = [
    ("fraudscore C API (features+window+network)", ours["crnn/batch1_latency"]["p50_us"],
     ours["crnn/batch256_throughput"]["items_per_second"], per_cpu_second(ours["crnn/batch256_throughput"], 256)),
    ("fraudscore network only", ours["crnn/network_batch1"]["p50_us"],
     ours["crnn/network_batch256"]["items_per_second"], per_cpu_second(ours["crnn/network_batch256"], 256)),
    (f"{ort['runtime']} (network only)", ort["batch1"]["p50_us"], ort["batch256"]["windows_per_s"],
     ort["batch256"]["windows_per_cpu_s"]),
]
cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout
            .splitlines() if l.startswith("Model name")), "?")
print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | cpu: {cpu} | nproc: {os.cpu_count()} | "
      f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} | pinned: {pin}")
print(f"model: {model} (window {ort['steps']} x {ort['features']} features) | "
      f"ORT vs PyTorch max |d logit|: {ort['check']['max_abs_diff_logit']:.1e}")
print(f"fraudscore kernels: {context.get('fraudscore_kernels', '?')} | one-core FMA floor: "
      f"{context.get('fraudscore_fma_peak', '?')}")
print()
print("| runtime | batch-1 µs/window (p50) | batch-256 windows/s | batch-256 windows/CPU-s | MFLOP/window | GFLOP/s |")
print("|---|---:|---:|---:|---:|---:|")
for name, p50, rate, cpu_rate in rows:
    print(f"| {name} | {p50:.1f} | {rate:,.0f} | {cpu_rate:,.0f} | {mflop:.3f} | {rate * mflop / 1e3:.2f} |")
ort_p50, ort_rate, ort_cpu_rate = rows[2][1:]
for name, p50, rate, cpu_rate in rows[:2]:
    print(f"| ratio {name} / ORT | {p50 / ort_p50:.2f}× | {rate / ort_rate:.3f}× | {cpu_rate / ort_cpu_rate:.3f}× "
          f"| | |")
print(f"| fraudscore network batch-256, share of the FMA floor | | "
      f"{ours['crnn/network_batch256']['of_fma_peak']:.0%} | | | |")
print()
print("batch-1: per-call wall time, median. batch-256: windows per wall-clock second (and per CPU second of the "
      "process). GFLOP/s at batch 256 (wall). Latency ratio > 1 and throughput ratio < 1 mean fraudscore is slower.")
EOF
