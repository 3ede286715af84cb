#!/usr/bin/env bash
# fraudscore's packed GEMM beside XNNPACK's fully-connected operator (Debian's
# libxnnpack, single-threaded) on the shapes crnn-on-device multiplies, pinned
# to one core, once for each of fraudscore's kernel sets this CPU runs
# (FRAUDSCORE_KERNELS), and prints a table with the ratios. Installs what it
# needs (scripts/install-deps.sh plus libxnnpack-dev and its two libraries) and
# builds fraudscore_xnnpack_bench in Release under build/bench.
#
#   bash bench/run_xnnpack_side_by_side.sh
#
# Environment: BENCH_SECONDS (measuring time per benchmark, default 0.5),
# BENCH_CPU (the core to pin to, default 0).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build/bench
OUT=$BUILD/xnnpack
mkdir -p "$OUT"
"$REPO/scripts/install-deps.sh" libxnnpack-dev libpthreadpool-dev libcpuinfo-dev >&2
PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "${BENCH_CPU:-0}"); fi
echo "== building fraudscore_xnnpack_bench (Release, $BUILD)" >&2
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFRAUDSCORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j 2 --target fraudscore_xnnpack_bench >/dev/null

kernel_sets=(vec128)
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && kernel_sets+=(avx2-fma)
grep -qw avx512f /proc/cpuinfo && kernel_sets+=(avx512)
for set in "${kernel_sets[@]}"; do
  echo "== kernels $set (${PIN[*]:-unpinned})" >&2
  FRAUDSCORE_KERNELS=$set "${PIN[@]}" "$BUILD/bench/fraudscore_xnnpack_bench" \
    --benchmark_min_time="${BENCH_SECONDS:-0.5}" --benchmark_out="$OUT/$set.json" --benchmark_out_format=json >&2
done

/usr/bin/python3 - "$OUT" "${kernel_sets[@]}" <<'PY'
import json, subprocess, sys
from datetime import datetime, timezone
out, sets = sys.argv[1], sys.argv[2:]
cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout
            .splitlines() if l.startswith("Model name")), "?")
print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | cpu: {cpu} | XNNPACK: Debian libxnnpack "
      f"(single-threaded, its own best ISA)")
print()
print("| shape (m × n × k) | fraudscore kernels | fraudscore GFLOP/s | XNNPACK GFLOP/s | fraudscore / XNNPACK |")
print("|---|---|---:|---:|---:|")
for s in sets:
    runs = {b["name"]: b for b in json.load(open(f"{out}/{s}.json"))["benchmarks"]}
    for name, b in runs.items():
        if not name.endswith("/fraudscore"):
            continue
        shape = name.rsplit("/", 1)[0]
        ours, theirs = b["GFLOP/s"], runs[shape + "/xnnpack"]["GFLOP/s"]
        what, dims = shape.split("/")
        dims = dims.replace("_", " ").replace("m", "").replace("n", "× ").replace("k", "× ")
        print(f"| {what} ({dims}) | {s} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f}× |")
PY
