#!/usr/bin/env bash
# The main job: install what is needed, build the scorer, and score the
# example transactions with the shipped on-device model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
cmake --preset release -DFRAUDSCORE_BUILD_TESTS=OFF -DFRAUDSCORE_BUILD_BENCH=OFF >&2
cmake --build --preset release -j"$(nproc)" --target fraudscore_cli >&2
build/release/cli/fraudscore score models/crnn-on-device.fsmodel examples/transactions.csv
