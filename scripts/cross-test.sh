#!/usr/bin/env bash
# Cross-build fraudscore for 64-bit Arm (aarch64) or 32-bit Arm with NEON (armhf)
# and run the unit, parity and agent-smoke tests under qemu-user:
#   scripts/cross-test.sh aarch64|armhf
# The CLI, trainer and install tests (host Python, cmake --install) do not run.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  aarch64|arm64) arch=aarch64 debarch=arm64 triplet=aarch64-linux-gnu ;;
  armhf|arm)     arch=armhf debarch=armhf triplet=arm-linux-gnueabihf ;;
  *) echo "usage: $0 <aarch64|armhf>" >&2; exit 2 ;;
esac
scripts/install-cross-deps.sh "$debarch"

build="build/cross-$arch"
jobs="$(nproc)"
start=$SECONDS
cmake -S . -B "$build" --no-warn-unused-cli \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/toolchains/$triplet.cmake" -DCMAKE_BUILD_TYPE=Release \
  -DFRAUDSCORE_BUILD_BENCH=OFF -DFRAUDSCORE_WERROR=ON -DFRAUDSCORE_BUILD_AGENT=ON
cmake --build "$build" -j"$jobs"
built=$SECONDS
status=0
ctest --test-dir "$build" -L "unit|parity|agent-smoke" --output-on-failure -j"$jobs" || status=$?
tested=$SECONDS

echo "== $arch ($triplet)"
echo "configure+build: $((built - start)) s, tests under qemu: $((tested - built)) s"
# The 128-bit vector-extension kernels must be NEON code, not scalar VFP.
case "$arch" in
  aarch64) pattern='\s(fmla|fmul|fadd)\s+v[0-9]+\.4s' ;;
  armhf)   pattern='\s(vmla|vmul|vadd|vfma)\.f32\s+q[0-9]+' ;;
esac
for kernel in f32_gemm_nt_vec128 f32_gemm_packed_vec128 f32_activations_vec128; do
  obj="$(find "$build" -name "$kernel.cpp.o" | head -n1)"
  [ -n "$obj" ] || continue
  neon_ops="$("$triplet-objdump" -d "$obj" | grep -cE "$pattern" || true)"
  if [ "$neon_ops" -gt 0 ]; then
    echo "$kernel: $neon_ops 128-bit NEON float instructions"
  else
    echo "WARNING: $kernel has no 128-bit NEON float instructions (scalar code)" >&2
  fi
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for exe in cli/fraudscore agent/fraudscore-agent; do
  if [ -f "$build/$exe" ]; then
    "$triplet-strip" -o "$tmp/stripped" "$build/$exe"
    echo "stripped $exe: $(stat -c %s "$tmp/stripped") bytes"
  fi
done
# The agent's resident memory on this target, scoring every model kind (under
# qemu-user, so the figure includes the emulator).
if [ "$status" -eq 0 ] && [ -f "$build/agent/fraudscore-agent" ]; then
  sysroot="${FRAUDSCORE_CROSS_SYSROOT:-${FRAUDSCORE_CROSS_SYSROOT_BASE:-/opt/fraudscore-cross}/$triplet}"
  qemu="qemu-aarch64"
  if [ "$arch" = armhf ]; then qemu="qemu-arm"; fi
  /usr/bin/python3 bench/agent_memory.py --copies 2 \
    --emulator "$qemu -L /usr/$triplet -E LD_LIBRARY_PATH=$sysroot/usr/lib/$triplet" "$build/agent/fraudscore-agent" ||
    status=$?
fi
exit "$status"
