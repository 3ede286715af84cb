#!/usr/bin/env bash
# Install what fraudscore needs on Debian 12, from Debian's packages only.
#   scripts/install-deps.sh [EXTRA_PACKAGE ...]   (extra Debian packages a caller needs, e.g. the benchmarks)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
# sudo's env_reset drops DEBIAN_FRONTEND from the environment: pass it on sudo's command line.
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo DEBIAN_FRONTEND=noninteractive"; fi
PACKAGES=(
  # the core, the CLI and their tests
  build-essential cmake flatbuffers-compiler libflatbuffers-dev doctest-dev libcli11-dev
  libgtest-dev libbenchmark-dev
  # the edge agent (HTTP, JSON, SQLite state, keyed hashing) and its load benchmark
  libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libsodium-dev wrk jq
  # the trainer (Python 3.11, Debian's CPU build of PyTorch)
  python3 python3-flatbuffers python3-torch python3-sklearn python3-numpy python3-pandas
  python3-matplotlib python3-imblearn python3-xgboost python3-tqdm python3-nacl
  # the trainer as a package in a virtual environment (trainer/pyproject.toml)
  python3-venv python3-pip
  "$@"
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  # A foreign architecture's index that fails to download (a mirror mid-sync) must not stop
  # the install of native packages: apt-get install reports what is really missing.
  $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600 || echo "install-deps: apt-get update reported errors; installing anyway" >&2
  # Another apt run (an unattended upgrade, a second script) holds dpkg's lock for a while: wait for it.
  $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi
