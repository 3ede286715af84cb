#!/usr/bin/env bash
# The web demo with one command: install what is needed, build the
# WebAssembly package if it is not built, install the demo's static-file
# server (sirv) and serve the page (default http://127.0.0.1:8080/).
#   scripts/web-demo.sh [--port 8080] [--host 127.0.0.1]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-wasm-deps.sh >&2
if [ ! -f wasm/dist/fraudscore-simd.wasm ] || [ ! -f wasm/dist/fraudscore-baseline.wasm ]; then
  scripts/build-wasm.sh --no-tests >&2
fi
(cd web-demo && npm ci --no-audit --no-fund --loglevel=error >&2)
exec node web-demo/serve.mjs "$@"
