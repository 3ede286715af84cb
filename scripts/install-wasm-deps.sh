#!/usr/bin/env bash
# Install what the WebAssembly package, its tests, the web demo's browser test
# and the WebAssembly benchmark need on Debian 12, from Debian's packages:
# Emscripten, node and npm (npm packages themselves come from the npm
# registry), and Chromium for the headless browser test.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
# sudo's env_reset drops DEBIAN_FRONTEND from the environment: pass it on sudo's command line.
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo DEBIAN_FRONTEND=noninteractive"; fi
missing=()
for p in emscripten chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A node from elsewhere (e.g. NodeSource, which bundles npm) is fine if it is 18 or newer.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600 || echo "install-wasm-deps: apt-get update reported errors; installing anyway" >&2
  $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "install-wasm-deps: node $(node --version) is too old; the package and its tests need node 18 or newer" >&2
  exit 1
fi
