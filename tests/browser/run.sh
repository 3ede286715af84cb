#!/usr/bin/env bash
# Browser end-to-end test of web-demo/: installs the npm dependencies of web-demo/ (sirv) and
# tests/browser/ (playwright-core; the browser is Debian's /usr/bin/chromium, nothing is downloaded),
# then runs tests/browser/e2e.mjs. Needs wasm/dist/*.wasm (bash scripts/build-wasm.sh --no-tests) and
# the native CLI (build/ci/cli/fraudscore, or FRAUDSCORE_CLI). Screenshot: build/browser/demo.png.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for dir in web-demo tests/browser; do
  if [ -f "$REPO/$dir/package-lock.json" ]; then
    (cd "$REPO/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$REPO/$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
done
exec node "$REPO/tests/browser/e2e.mjs" "$@"
