#!/usr/bin/env bash
# Batch-1 latency, batch-256 throughput and MFLOP per score of every shipped
# model, in one run on one pinned core: builds fraudscore_bench (Release,
# build/bench), feeds each model (models/manifest.json) its golden rows and
# prints a table. Raw JSON is kept in build/bench/models/.
#
#   bash bench/run_models.sh            (BENCH_SECONDS per benchmark, default 2; BENCH_CPU, default 0)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build/bench
OUT=$BUILD/models
SECONDS_EACH=${BENCH_SECONDS:-2}
mkdir -p "$OUT"
PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "${BENCH_CPU:-0}"); fi

echo "== building fraudscore_bench (Release, $BUILD)" >&2
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFRAUDSCORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j 2 --target fraudscore_bench >/dev/null

# Every shipped model and its golden rows, as models/manifest.json lists them.
while IFS=$'\t' read -r name model rows; do
  model=$REPO/$model rows=$REPO/$rows
  [ -f "$rows" ] || { echo "no golden rows for $name" >&2; exit 1; }
  echo "== $name (${PIN[*]:-unpinned})" >&2
  FRAUDSCORE_BENCH_MODEL="$model" FRAUDSCORE_BENCH_ROWS="$rows" "${PIN[@]}" "$BUILD/bench/fraudscore_bench" \
    --benchmark_min_time="$SECONDS_EACH" --benchmark_min_warmup_time=0.5 \
    --benchmark_out="$OUT/$name.json" --benchmark_out_format=json >/dev/null </dev/null
done < <(/usr/bin/python3 -c 'import json, sys
for m in json.load(open(sys.argv[1]))["models"]: print(m["name"], m["file"], m["golden"], sep="\t")' "$REPO/models/manifest.json")

/usr/bin/python3 - "$OUT" "${PIN[*]:-unpinned}" <<'PY'
import json, sys
from pathlib import Path
out, pin = Path(sys.argv[1]), sys.argv[2]
print(f"fraudscore_bench, Release, {pin}; rows: each model's golden vectors\n")
print("| model | MFLOP/score | batch-1 p50 µs | batch-1 p99 µs | with 3 reasons p50 µs | batch-256 scores/s | network-only batch-1 µs |")
print("|---|---|---|---|---|---|---|")
for path in sorted(out.glob("*.json")):
    runs = {b["name"].split("/")[1]: b for b in json.loads(path.read_text())["benchmarks"]}
    b1, br, b256, n1 = (runs[k] for k in ("batch1_latency", "batch1_latency_reasons", "batch256_throughput",
                                          "network_batch1"))
    print(f"| {path.stem} | {b1['MFLOP/window']:.3f} | {b1['p50_us']:.1f} | {b1['p99_us']:.1f} | "
          f"{br['p50_us']:.1f} | {b256['items_per_second']:,.0f} | {n1['p50_us']:.1f} |")
PY
