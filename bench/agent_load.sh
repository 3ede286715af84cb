#!/usr/bin/env bash
# Load benchmark of fraudscore-agent: wrk on loopback against POST /v1/score,
# one distinct transaction per request (bench/agent_load.lua), bounded in time.
# Starts the agent on a free port with a fresh state database in a temporary
# directory (removed at exit) and the repository's models/, runs wrk, then
# prints throughput, latency, memory, store and per-stage figures from
# /proc and GET /metrics. Exits nonzero if any request failed.
#
#   bench/agent_load.sh [--duration S] [--connections N] [--threads T] [--model NAME]
#                       [--reasons N] [--durability full|normal] [--agent-threads N] [--shards N]
#                       [--accounts N] [--perf] [--keep-log FILE]
#
# Binary: $FRAUDSCORE_AGENT, else build/release/agent/fraudscore-agent, else
# build/ci/agent/fraudscore-agent (build one with:
#   cmake --preset ci && cmake --build --preset ci -j2 --target fraudscore_agent).
# Needs wrk and curl; jq for models other than the crnn ones. See bench/AGENT.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

duration=10
connections=32
wrk_threads=2
model=crnn-on-device
reasons=3
durability=full
agent_threads=""
shards=""
accounts=50000
use_perf=0
keep_log=""

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "agent_load.sh: $*" >&2; exit 2; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) need_value "$@"; duration=$2; shift 2 ;;
    --connections) need_value "$@"; connections=$2; shift 2 ;;
    --threads) need_value "$@"; wrk_threads=$2; shift 2 ;;
    --model) need_value "$@"; model=$2; shift 2 ;;
    --reasons) need_value "$@"; reasons=$2; shift 2 ;;
    --durability) need_value "$@"; durability=$2; shift 2 ;;
    --agent-threads) need_value "$@"; agent_threads=$2; shift 2 ;;
    --shards) need_value "$@"; shards=$2; shift 2 ;;
    --accounts) need_value "$@"; accounts=$2; shift 2 ;;
    --perf) use_perf=1; shift ;;
    --keep-log) need_value "$@"; keep_log=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for v in duration connections wrk_threads reasons accounts; do
  is_uint "${!v}" || die "--${v//_/-} must be a non-negative integer, got '${!v}'"
done
[[ $duration -ge 1 && $connections -ge 1 && $wrk_threads -ge 1 && $accounts -ge 1 ]] ||
  die "--duration, --connections, --threads and --accounts must be at least 1"
[[ $connections -ge $wrk_threads ]] || die "--connections must be at least --threads (wrk's rule)"
[[ "$durability" == full || "$durability" == normal ]] || die "--durability must be full or normal"
if [[ -z "$agent_threads" ]]; then
  # A keep-alive connection holds one of the agent's HTTP workers (default 64).
  agent_threads=$(( connections + 8 > 64 ? connections + 8 : 64 ))
fi
if ! is_uint "$agent_threads" || [[ $agent_threads -lt $connections ]]; then
  die "--agent-threads must be at least --connections (each keep-alive connection holds a worker)"
fi

command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"

if [[ -n "${FRAUDSCORE_AGENT:-}" ]]; then
  agent=$FRAUDSCORE_AGENT
  [[ -x "$agent" ]] || die "FRAUDSCORE_AGENT=$agent is not an executable file"
elif [[ -x "$repo/build/release/agent/fraudscore-agent" ]]; then
  agent=$repo/build/release/agent/fraudscore-agent
elif [[ -x "$repo/build/ci/agent/fraudscore-agent" ]]; then
  agent=$repo/build/ci/agent/fraudscore-agent
else
  die "no agent binary: set FRAUDSCORE_AGENT, or build one:
  cmake --preset ci && cmake --build --preset ci -j2 --target fraudscore_agent"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/agent_load.XXXXXX")
agent_pid=""
perf_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$perf_pid" ]] && kill -0 "$perf_pid" 2>/dev/null; then kill -INT "$perf_pid" 2>/dev/null || true; fi
  if [[ -n "$agent_pid" ]] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$agent_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -s "$tmp/agent.log" ]]; then
    echo "--- last lines of the agent's log ---" >&2
    tail -n 20 "$tmp/agent.log" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$agent" --model-dir "$repo/models" --state-db "$tmp/state.db" --port 0 --default-model "$model" \
  --reasons "$reasons" --durability "$durability" --threads "$agent_threads" ${shards:+--shards "$shards"} \
  --rate-limit-per-minute 0 2>"$tmp/agent.log" &   # wrk sends every request for one key: no per-key limit here
agent_pid=$!

port=""
for _ in $(seq 300); do
  port=$(sed -n 's/.*"event":"listening".*"port":\([0-9][0-9]*\).*/\1/p' "$tmp/agent.log" | head -n 1)
  [[ -n "$port" ]] && break
  kill -0 "$agent_pid" 2>/dev/null || die "the agent exited during start-up"
  sleep 0.1
done
[[ -n "$port" ]] || die "the agent did not log 'listening' within 30 s"
base="http://127.0.0.1:$port"

metric() {  # metric FILE 'name{labels}' -> value (0 when absent)
  awk -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? 0 : v) }' "$1"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }        # utime + stime of a live process
child_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }       # this shell's reaped children
tck=$(getconf CLK_TCK)

# The model's columns (and, for template-driven models, which CSV fills them).
lua_args=("model=$model" "threads=$wrk_threads" "accounts=$accounts")
case "$model" in
  crnn-*) ;;
  lstm_attn-sme|lle_svm-listed)
    command -v jq >/dev/null || die "jq is needed for --model $model"
    curl -fsS "$base/v1/models" >"$tmp/models.json"
    cols=$(jq -r --arg m "$model" '.models[] | select(.name == $m) | [.columns[].name] | join(",")' "$tmp/models.json")
    key=$(jq -r --arg m "$model" '.models[] | select(.name == $m) | .key_column // ""' "$tmp/models.json")
    time_col=$(jq -r --arg m "$model" '.models[] | select(.name == $m) | [.columns[] | select(.type == "time") | .name][0] // ""' "$tmp/models.json")
    [[ -n "$cols" ]] || die "the agent serves no model '$model'"
    if [[ $model == lstm_attn-sme ]]; then
      lua_args+=("csv=$repo/examples/sme_payments.csv" "prefix=E" "time_step=0.05")
    else
      lua_args+=("csv=$repo/examples/company_years.csv" "prefix=C" "time_step=1")
    fi
    lua_args+=("cols=$cols" "key=$key" "time=$time_col") ;;
  *) die "--model must be crnn-on-device, crnn-paper, lstm_attn-sme or lle_svm-listed" ;;
esac

curl -fsS "$base/metrics" >"$tmp/metrics.before"
rss_before=$(rss_kib)
agent_cpu_before=$(cpu_ticks "$agent_pid")
wrk_cpu_before=$(child_ticks)

if [[ $use_perf -eq 1 ]]; then
  command -v perf >/dev/null || die "--perf: perf not found"
  perf record -F 999 -p "$agent_pid" -o "$tmp/perf.data" >/dev/null 2>"$tmp/perf.log" &
  perf_pid=$!
  sleep 0.5
fi

echo "agent: $agent (pid $agent_pid, port $port, $agent_threads HTTP workers)"
echo "load:  wrk -t$wrk_threads -c$connections -d${duration}s --latency, model $model, reasons $reasons, durability $durability, $accounts accounts"
wrk_rc=0
wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 5s --latency \
  -s "$here/agent_load.lua" "$base/v1/score" -- "${lua_args[@]}" >"$tmp/wrk.out" 2>&1 || wrk_rc=$?

wrk_cpu_after=$(child_ticks)
agent_cpu_after=$(cpu_ticks "$agent_pid")
rss_after=$(rss_kib)
curl -fsS "$base/metrics" >"$tmp/metrics.after"

if [[ $use_perf -eq 1 ]]; then
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  perf_pid=""
  perf report -i "$tmp/perf.data" --sort dso,symbol --stdio 2>/dev/null |
    awk '/^ +[0-9.]+%/ { sub(/[ -]+$/, ""); print substr($0, 1, 110) }' | head -n 30 >"$tmp/perf.top" || true
  # Where the agent's CPU goes by binary: the kernel (syscalls, wake-ups), the agent (scoring,
  # JSON, HTTP parsing), SQLite, the C and C++ runtimes.
  perf report -i "$tmp/perf.data" --sort dso --stdio 2>/dev/null |
    awk '/^ +[0-9.]+%/ { print "    " $1 "  " $2 }' | head -n 8 >"$tmp/perf.dso" || true
fi
[[ -n "$keep_log" ]] && cp "$tmp/agent.log" "$keep_log"

sed -n '1,/^AGENT_LOAD/p' "$tmp/wrk.out" | grep -v '^AGENT_LOAD'
summary=$(grep '^AGENT_LOAD ' "$tmp/wrk.out" || true)
[[ -n "$summary" ]] || { cat "$tmp/wrk.out" >&2; die "wrk gave no summary (exit $wrk_rc)"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$summary"; }

m=$tmp/metrics.after
keys=$(metric "$m" "fraudscore_tracked_keys{model=\"$model\"}")
store_bytes=$(metric "$m" fraudscore_store_bytes)
commits=$(metric "$m" fraudscore_store_commits_total)
batches=$(metric "$m" fraudscore_store_batches_total)
commit_s=$(metric "$m" fraudscore_store_commit_seconds_total)
scored_ok=$(metric "$m" 'fraudscore_requests_total{route="score",code="200"}')
stage_mean_us() {
  awk -v s="$(metric "$m" "fraudscore_stage_duration_seconds_sum{stage=\"$1\"}")" \
      -v n="$(metric "$m" "fraudscore_stage_duration_seconds_count{stage=\"$1\"}")" \
      'BEGIN { printf "%.1f", (n > 0 ? 1e6 * s / n : 0) }'
}
parse_us=$(stage_mean_us parse)
queue_us=$(stage_mean_us queue)
score_us=$(stage_mean_us score)
store_us=$(stage_mean_us store)
handler_us=$(awk -v s="$(metric "$m" 'fraudscore_request_duration_seconds_sum{route="score"}')" \
                 -v n="$(metric "$m" 'fraudscore_request_duration_seconds_count{route="score"}')" \
                 'BEGIN { printf "%.1f", (n > 0 ? 1e6 * s / n : 0) }')

requests=$(field requests)
mean_us=$(field mean_us)
awkf() { awk "BEGIN { $1 }"; }
cat <<EOF

| figure | value |
|---|---|
| model, reasons, durability, shards | $model, $reasons, $durability, ${shards:-default (one per core)} |
| wrk threads / connections / duration | $wrk_threads / $connections / ${duration} s |
| requests (200 from the agent's /metrics) | $requests ($scored_ok) |
| requests/s | $(field rps) |
| latency mean / p50 / p90 / p99 / p99.9 / max (µs) | $mean_us / $(field p50_us) / $(field p90_us) / $(field p99_us) / $(field p999_us) / $(field max_us) |
| non-2xx / socket errors | $(field non2xx) / $(field socket_errors) |
| agent RSS before / after (KiB) | $rss_before / $rss_after |
| tracked keys | $keys |
| bytes of RSS per tracked key | $(awkf "printf \"%.0f\", ($keys > 0 ? 1024 * ($rss_after - $rss_before) / $keys : 0)") |
| store size (bytes) | $store_bytes |
| group commits / batches / requests per commit | $commits / $batches / $(awkf "printf \"%.1f\", ($commits > 0 ? $batches / $commits : 0)") |
| commit time per commit (µs, writer thread) | $(awkf "printf \"%.0f\", ($commits > 0 ? 1e6 * $commit_s / $commits : 0)") |
| stage means per request: parse / queue for the model / score / store wait (µs) | $parse_us / $queue_us / $score_us / $store_us |
| in-handler mean, route=score (µs) | $handler_us |
| HTTP + queueing (wrk mean − in-handler, µs) | $(awkf "printf \"%.0f\", $mean_us - $handler_us") |
| agent CPU per request (µs, user+sys) | $(awkf "printf \"%.0f\", ($requests > 0 ? 1e6 * ($agent_cpu_after - $agent_cpu_before) / $tck / $requests : 0)") |
| wrk CPU per request (µs, user+sys) | $(awkf "printf \"%.0f\", ($requests > 0 ? 1e6 * ($wrk_cpu_after - $wrk_cpu_before) / $tck / $requests : 0)") |
| agent / wrk CPU use (cores) | $(awkf "printf \"%.2f / %.2f\", ($agent_cpu_after - $agent_cpu_before) / $tck / $(field seconds), ($wrk_cpu_after - $wrk_cpu_before) / $tck / $(field seconds)") |
EOF

if [[ $use_perf -eq 1 && -s "$tmp/perf.top" ]]; then
  echo
  echo "perf (agent, on-CPU samples, by binary):"
  cat "$tmp/perf.dso"
  echo "perf (agent, on-CPU samples, top symbols):"
  cat "$tmp/perf.top"
fi

# The agent must also stop cleanly (flush and close the store).
kill -TERM "$agent_pid"
stop_rc=0
wait "$agent_pid" || stop_rc=$?
agent_pid=""
[[ $stop_rc -eq 0 ]] || { echo "agent_load.sh: the agent exited with status $stop_rc on SIGTERM" >&2; exit 1; }

if [[ $wrk_rc -ne 0 || "$(field non2xx)" != 0 || "$(field socket_errors)" != 0 ]]; then
  echo "agent_load.sh: FAILED: $(field non2xx) non-2xx responses, $(field socket_errors) socket errors (wrk exit $wrk_rc)" >&2
  exit 1
fi
