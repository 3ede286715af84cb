"""Summarise the runs of bench/run_wasm_side_by_side.sh: medians of each
runtime's JSON reports (build/bench-wasm/NAME.RUN.json), a markdown table and
the goals block. Exit status 1 if any report's numerical check failed or is
missing.

    python3 bench/wasm/summarize.py OUT_DIR RUNS MODEL PIN MEASURE_S WARMUP_S
"""
import json
import os
import statistics
import subprocess
import sys
from datetime import datetime, timezone

RUNTIMES = [  # (file name, table label, ours?)
    ("fraudscore-simd", "fraudscore (SIMD)", True),
    ("fraudscore-baseline", "fraudscore (baseline)", True),
    ("ort-web", "onnxruntime-web", False),
    ("tfjs-wasm", "tfjs-wasm", False),
]
KB = 1000  # table and goals: 1 KB = 1000 bytes
SIZE_GOAL_KB = 100
COLD_GOAL = 1 / 20  # of the best peer's cold start
P50_GOAL = 0.4  # of onnxruntime-web's batch-1 p50
THROUGHPUT_GOAL = 1.9  # times onnxruntime-web's batch-256 throughput
NOISE = 0.05  # wall-clock vs CPU-time disagreement that makes the throughput goal use CPU time

# figure -> (how to read it from a report, lower is better?)
FIGURES = {
    "raw": (lambda r: r["bytes"]["js_raw"] + r["bytes"]["wasm_raw"], True),
    "gzip": (lambda r: r["bytes"]["js_gzip"] + r["bytes"]["wasm_gzip"], True),
    "model": (lambda r: r["model_bytes"], True),
    "cold": (lambda r: r["cold_start_ms"], True),
    "p50": (lambda r: r["batch1"]["p50_us"], True),
    "p99": (lambda r: r["batch1"]["p99_us"], True),
    "wall": (lambda r: r["batch256"]["windows_per_s"], False),
    "cpu": (lambda r: r["batch256"]["windows_per_cpu_s"], False),
}
LABELS = {"raw": "JS+wasm raw", "gzip": "JS+wasm gzip", "model": "model bytes", "cold": "cold start",
          "p50": "batch-1 p50", "p99": "batch-1 p99", "wall": "batch-256 windows/s",
          "cpu": "batch-256 windows/CPU-s"}


def check_text(r):
    c = r.get("check")
    if not c:
        return "no check"
    if "max_abs_probability_diff" in c:
        worst = max(c["max_abs_probability_diff"], c["max_abs_probability_diff_push"])
        return f"probability vs native CLI ({c['rows']} rows): max |d| {worst:.1e} (≤ {c['tolerance']:g})"
    return (f"vs PyTorch ({c['windows']} windows): max |d logit| {c['max_abs_logit_diff']:.1e}, "
            f"|d attention| {c['max_abs_attention_diff']:.1e} (≤ {c['tolerance']:g})")


def main():
    out, runs, model, pin, measure, warmup = sys.argv[1:7]
    runs = int(runs)
    reports, failed = {}, []
    for name, label, _ in RUNTIMES:
        reports[name] = []
        for i in range(1, runs + 1):
            path = os.path.join(out, f"{name}.{i}.json")
            r = json.load(open(path))
            if not (r.get("check") or {}).get("ok"):
                failed.append(f"{label} run {i}: {check_text(r)}")
            reports[name].append(r)
    med = {name: {f: statistics.median(get(r) for r in reports[name]) for f, (get, _) in FIGURES.items()}
           for name, _, _ in RUNTIMES}
    spread = {name: {f: (min(get(r) for r in reports[name]), max(get(r) for r in reports[name]))
                     for f, (get, _) in FIGURES.items()} for name, _, _ in RUNTIMES}

    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout
                .splitlines() if l.startswith("Model name")), "?")
    first = reports["fraudscore-simd"][0]
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | cpu: {cpu} | nproc: {os.cpu_count()} | "
          f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} | pinned: {pin} | node {first['node']}")
    print(f"model: {model} (window {first['steps']} x {first['features']} features, {first['model_bytes']:,} bytes) | "
          f"runs: {runs} each, interleaved, medians shown | warm-up ≥ {warmup} s (and ≥ 2000 batch-1 calls), "
          f"measure {measure} s")
    for name, label, _ in RUNTIMES:
        r = reports[name][0]
        extra = f", kernels {r['kernels']}" if "kernels" in r else ""
        print(f"- {label}: {r['runtime']} {r['version']}{extra}, simd {str(r['simd']).lower()}, "
              f"{r['threads']} thread; check {check_text(r)}")
    print()
    print("| runtime | JS+wasm raw (KB) | JS+wasm gzip (KB) | model bytes | cold start (ms) | batch-1 p50 (µs) "
          "| batch-1 p99 (µs) | batch-256 windows/s | batch-256 windows/CPU-s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, label, _ in RUNTIMES:
        m = med[name]
        print(f"| {label} | {m['raw'] / KB:,.1f} | {m['gzip'] / KB:,.1f} | {m['model']:,.0f} | {m['cold']:,.1f} "
              f"| {m['p50']:,.1f} | {m['p99']:,.1f} | {m['wall']:,.0f} | {m['cpu']:,.0f} |")
    print()
    print("KB = 1000 bytes: the ES module plus the one .wasm a page downloads (gzip -9). fraudscore's figures include "
          "its feature pipeline, per-account windows and risk layer (raw rows in, decisions out); the peers run the "
          "network alone on ready-made windows. Model bytes: fraudscore's .fsmodel, the .onnx, the tfjs weights JSON.")
    if runs > 1:
        parts = []
        for name, label, _ in RUNTIMES:
            s = spread[name]
            parts.append(f"{label}: cold {s['cold'][0]:,.0f}–{s['cold'][1]:,.0f} ms, p50 {s['p50'][0]:,.1f}–"
                         f"{s['p50'][1]:,.1f} µs, {s['cpu'][0]:,.0f}–{s['cpu'][1]:,.0f} windows/CPU-s")
        print("Run-to-run range (min–max): " + "; ".join(parts) + ".")

    peers = [(n, l) for n, l, ours in RUNTIMES if not ours]
    label_of = {n: l for n, l, _ in RUNTIMES}

    def best_peer(f):
        lower = FIGURES[f][1]
        return (min if lower else max)(peers, key=lambda p: med[p[0]][f])

    print()
    print("### Goals")
    print()
    print("Ratios against the best peer on each figure, this run (< 1 is better for sizes, times and latencies; "
          "> 1 is better for throughput):")
    print()
    print("| figure | best peer | " + " | ".join(f"{label_of[n]} / best peer" for n, _, o in RUNTIMES if o) + " |")
    print("|---|---|" + "---:|" * sum(1 for *_, o in RUNTIMES if o))
    for f in FIGURES:
        if f == "model":
            continue
        bn, bl = best_peer(f)
        cells = " | ".join(f"{med[n][f] / med[bn][f]:.3g}×" for n, _, o in RUNTIMES if o)
        print(f"| {LABELS[f]} | {bl} | {cells} |")
    print()

    # Throughput goal: wall clock unless some runtime's wall-clock and CPU-time rates disagree by > 5%
    # (a sign that the core was shared), then per CPU-second.
    disagreement = max(abs(med[n]["wall"] / med[n]["cpu"] - 1) for n, _, _ in RUNTIMES)
    tput = "cpu" if disagreement > NOISE else "wall"
    tput_why = (f"windows per CPU-second: wall-clock and CPU-time rates disagree by up to {disagreement:.0%} "
                f"(> {NOISE:.0%}), so the core was shared" if tput == "cpu" else
                f"windows per wall-clock second (wall-clock and CPU-time rates agree within {disagreement:.0%})")
    ort = "ort-web"
    cold_peer, cold_label = best_peer("cold")
    for name, label, ours in RUNTIMES:
        if not ours:
            continue
        m = med[name]
        goals = [
            (f"shipped JS+wasm ≤ {SIZE_GOAL_KB} KB raw", f"{m['raw'] / KB:,.1f} KB", m["raw"] <= SIZE_GOAL_KB * KB),
            (f"cold start ≤ 1/20 of the best peer's ({cold_label}, {med[cold_peer]['cold']:,.1f} ms)",
             f"{m['cold']:,.1f} ms = {m['cold'] / med[cold_peer]['cold']:.3f}× (goal ≤ {COLD_GOAL:.2f}×)",
             m["cold"] <= COLD_GOAL * med[cold_peer]["cold"]),
            (f"batch-1 p50 ≤ {P50_GOAL}× onnxruntime-web's ({med[ort]['p50']:,.1f} µs)",
             f"{m['p50']:,.1f} µs = {m['p50'] / med[ort]['p50']:.3f}×", m["p50"] <= P50_GOAL * med[ort]["p50"]),
            (f"batch-256 ≥ {THROUGHPUT_GOAL}× onnxruntime-web's ({med[ort][tput]:,.0f} {LABELS[tput].split()[-1]})",
             f"{m[tput]:,.0f} = {m[tput] / med[ort][tput]:.3f}×", m[tput] >= THROUGHPUT_GOAL * med[ort][tput]),
        ]
        print(f"**{label}**")
        print()
        for goal, value, ok in goals:
            print(f"- {'PASS' if ok else 'FAIL'}: {goal}: {value}")
        print()
    print(f"Throughput goal judged on {tput_why}.")

    heaps = [(label, reports[n][0]["heap"]) for n, label, ours in RUNTIMES if ours and "heap" in reports[n][0]]
    if heaps:
        print()
        print("### Memory after a long run of push calls (first run of each build)")
        print()
        print("| build | calls | distinct keys | wasm heap in use before → after | wasm memory before → after "
              "| rss before → after | JS heap used before → after |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        mb = lambda x: f"{x / 2**20:,.2f} MiB"  # noqa: E731
        for label, h in heaps:
            b, a = h["before"], h["after"]
            print(f"| {label} | {h['calls']:,} | {h['distinct_keys']:,} | {mb(b['wasm_heap_bytes'])} → "
                  f"{mb(a['wasm_heap_bytes'])} | {mb(b['wasm_memory_bytes'])} → {mb(a['wasm_memory_bytes'])} | "
                  f"{mb(b['rss'])} → {mb(a['rss'])} | {mb(b['js_heap_used'])} → {mb(a['js_heap_used'])} |")
    print()
    print(f"Raw reports: {out}/NAME.RUN.json")
    if failed:
        print("\nrun_wasm_side_by_side: numerical check FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
