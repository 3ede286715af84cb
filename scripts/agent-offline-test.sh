#!/usr/bin/env bash
# Proof that the agent talks to nothing but loopback (issue 13): the agent's
# whole test suite (ctest label "agent") runs once inside a network namespace
# that has only a loopback interface (`unshare -n`), under strace, and every
# connect()/sendto()/sendmsg() any test process makes is checked: AF_UNIX and
# 127.0.0.0/8 / ::1 are allowed, anything else fails the run. The SIGTERM tests
# run in the namespace untraced (ptrace changes how a starting process takes
# signals). Needs root (or unprivileged user namespaces).
# Usage: scripts/agent-offline-test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/ci}"
if ! command -v strace >/dev/null || ! command -v ip >/dev/null; then
  scripts/install-deps.sh strace iproute2
fi
if ! unshare -n true 2>/dev/null; then
  echo "agent-offline-test: cannot create a network namespace here (needs root); not run" >&2
  exit 1
fi
trace="$(mktemp -d)"
trap 'rm -rf "$trace"' EXIT
unshare -n bash -c "ip link set lo up && strace -f -qq -e trace=connect,sendto,sendmsg -o '$trace/calls' \
  ctest --test-dir '$build' -L agent -E graceful_shutdown --output-on-failure && \
  ctest --test-dir '$build' -R graceful_shutdown --output-on-failure"
# Each traced call names its address family; only Unix sockets and loopback may appear.
grep -E 'sa_family=AF_INET6?' "$trace/calls" | grep -vE 'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|inet_pton\(AF_INET6, "::ffff:127\.' \
  > "$trace/outside" || true
calls=$(grep -cE 'connect\(|sendto\(|sendmsg\(' "$trace/calls" || true)
if [ -s "$trace/outside" ]; then
  echo "agent-offline-test: connections off loopback:" >&2
  head -20 "$trace/outside" >&2
  exit 1
fi
echo "agent-offline-test: the agent suite passed in a loopback-only namespace; $calls connect/send calls traced, 0 off loopback"
