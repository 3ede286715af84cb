#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz (issue 13): install what they need,
# configure and build the `fuzz` preset (clang-14, AddressSanitizer + UBSan),
# then run them. Fails if any harness crashes, leaks, runs out of memory or
# times out; crash reproducers go to build/fuzz/artifacts/<harness>/.
#
#   scripts/fuzz.sh [HARNESS...]          replay tests/fuzz/regressions/<harness>, then fuzz each
#                                         harness FRAUDSCORE_FUZZ_SECONDS (60) seconds from
#                                         tests/fuzz/corpus/<harness>
#   scripts/fuzz.sh --replay [HARNESS...] run every seed and saved reproducer once (CI: fast)
#   scripts/fuzz.sh --seeds               rewrite tests/fuzz/corpus/ (fuzz_seed_gen) and the
#                                         hand-made reproducers in tests/fuzz/regressions/ (fuzz_repro_gen)
#
# Environment:
#   FRAUDSCORE_FUZZ_SECONDS     seconds per harness (default 60)
#   FRAUDSCORE_FUZZ_KEEP_GOING  1: libFuzzer's fork mode, which carries on after a crash and
#                               collects every distinct one (the run still fails at the end)
#   FRAUDSCORE_FUZZ_SKIP_INSTALL 1: do not install packages (they are there)
# New inputs the fuzzers find go to build/fuzz/corpus/<harness>/ (not into the source tree);
# logs to build/fuzz/logs/<harness>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

ALL_HARNESSES=(fuzz_model_load fuzz_model_checksummed fuzz_model_structured fuzz_score fuzz_csv_reader
               fuzz_agent_request)
mode=fuzz
harnesses=()
for arg in "$@"; do
  case "$arg" in
    --replay) mode=replay ;;
    --seeds) mode=seeds ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    fuzz_*) harnesses+=("$arg") ;;
    *) echo "fuzz.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${ALL_HARNESSES[@]}")

# --- Packages (Debian 12) ------------------------------------------------------
if [ "${FRAUDSCORE_FUZZ_SKIP_INSTALL:-0}" != 1 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  PACKAGES=(
    # clang with libFuzzer and the sanitizer runtimes; llvm-symbolizer for readable stacks
    clang-14 libclang-rt-14-dev libfuzzer-14-dev llvm-14 make cmake
    # what the core, the CSV reader and the agent are built from
    libstdc++-12-dev flatbuffers-compiler libflatbuffers-dev libcli11-dev
    libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libsodium-dev
  )
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq || echo "fuzz.sh: apt-get update reported errors; installing anyway" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# --- Build -------------------------------------------------------------------------
jobs="$(nproc)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$jobs"
bin="$repo/build/fuzz/tests/fuzz"
src="$repo/tests/fuzz"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x /usr/bin/llvm-symbolizer-14 ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
fi

if [ "$mode" = seeds ]; then
  "$bin/fuzz_seed_gen" "$src/corpus" "$repo"
  "$bin/fuzz_repro_gen" "$src/regressions" >/dev/null
  du -sh --apparent-size "$src/corpus" "$src/regressions"
  exit 0
fi

# Flags each harness needs beyond the common ones.
harness_flags() {
  case "$1" in
    # Room for regenerated tensors of larger architectures (the mutator stays within max_len).
    fuzz_model_structured) echo "-max_len=262144" ;;
    fuzz_agent_request) echo "-max_len=8192 -dict=$src/dicts/agent_request.dict" ;;
    fuzz_score) echo "-max_len=4096" ;;
    fuzz_csv_reader) echo "-max_len=4096 -dict=$src/dicts/csv.dict" ;;
    fuzz_model_load|fuzz_model_checksummed) echo "-dict=$src/dicts/model.dict" ;;
  esac
}
# Memory: a model file may not make the library allocate 512 MB at once (malloc limit) or grow
# the process past 2 GB; one input may not take 25 s.
COMMON_FLAGS=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=25 -print_final_stats=1)

# Run every input of the given directories once; false if one fails (its report is printed).
replay() {
  local h="$1" log="$repo/build/fuzz/replay-$1.log"
  shift
  mkdir -p "$repo/build/fuzz/replay-artifacts/$h"
  # -runs=0 with corpus directories: every input runs once; only a failing one is written (as an artifact).
  # shellcheck disable=SC2046
  if ! "$bin/$h" "${COMMON_FLAGS[@]}" $(harness_flags "$h") -runs=0 \
       -artifact_prefix="$repo/build/fuzz/replay-artifacts/$h/" "$@" >"$log" 2>&1; then
    grep -aE "ERROR|VIOLATION|SUMMARY|^    #[0-9] " "$log" | head -30 || true
    return 1
  fi
}

failed=()
if [ "$mode" = replay ]; then
  start=$(date +%s)
  for h in "${harnesses[@]}"; do
    dirs=()
    for kind in corpus regressions; do
      [ -d "$src/$kind/$h" ] && dirs+=("$src/$kind/$h")
    done
    echo "== $h: replaying ${dirs[*]#$repo/}"
    replay "$h" "${dirs[@]}" || failed+=("$h")
  done
  echo "replay took $(( $(date +%s) - start )) s"
else
  seconds="${FRAUDSCORE_FUZZ_SECONDS:-60}"
  mkdir -p "$repo/build/fuzz/logs"
  printf '%-24s %8s %12s %10s %8s %s\n' harness seconds execs exec/s corpus result > "$repo/build/fuzz/summary.txt"
  for h in "${harnesses[@]}"; do
    work="$repo/build/fuzz/corpus/$h"
    artifacts="$repo/build/fuzz/artifacts/$h"
    log="$repo/build/fuzz/logs/$h.log"
    mkdir -p "$work" "$artifacts"
    # The saved reproducers first (a crashing one would stop the fuzzer before it starts), then
    # fuzz from the seeds and what earlier runs found.
    regressions=ok
    if [ -d "$src/regressions/$h" ]; then
      echo "== $h: replaying tests/fuzz/regressions/$h"
      replay "$h" "$src/regressions/$h" || { regressions=FAILED; failed+=("$h (regressions)"); }
    fi
    extra=()
    if [ "${FRAUDSCORE_FUZZ_KEEP_GOING:-0}" = 1 ]; then
      extra=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
    fi
    echo "== $h: fuzzing for $seconds s (log: build/fuzz/logs/$h.log)"
    before=$(find "$artifacts" -type f | wc -l)
    status=0
    # shellcheck disable=SC2046
    "$bin/$h" "${COMMON_FLAGS[@]}" $(harness_flags "$h") "${extra[@]}" -max_total_time="$seconds" \
      -artifact_prefix="$artifacts/" "$work" "$src/corpus/$h" >"$log" 2>&1 || status=$?
    after=$(find "$artifacts" -type f | wc -l)
    execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    rate=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    if [ -z "$execs" ]; then  # fork mode or a crash: the last status line
      execs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
      rate=$(grep -aoE 'exec/s: [0-9]+' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    fi
    result="ok, regressions $regressions"
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
      result="FAILED: $((after - before)) new artifact(s) in build/fuzz/artifacts/$h; regressions $regressions"
      failed+=("$h")
      grep -aE "ERROR|VIOLATION|SUMMARY|Test unit written|^    #[0-9] " "$log" | head -30 || true
    fi
    printf '%-24s %8s %12s %10s %8s %s\n' "$h" "$seconds" "${execs:-?}" "${rate:-?}" \
      "$(find "$work" -type f | wc -l)" "$result" | tee -a "$repo/build/fuzz/summary.txt"
  done
  echo
  cat "$repo/build/fuzz/summary.txt"
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  echo "Reproduce one with: build/fuzz/tests/fuzz/<harness> <file>; save it under tests/fuzz/regressions/<harness>/." >&2
  exit 1
fi
echo "fuzz.sh: all harnesses passed"
