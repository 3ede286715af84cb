# Sourced by the native side-by-side benchmarks (run_side_by_side.sh,
# run_gbdt_side_by_side.sh) with REPO and BUILD set: installs what they need
# (scripts/install-deps.sh: compilers, Google Benchmark, flatc, numpy, PyTorch,
# XGBoost; python3-onnx for ONNX graphs; node + npm for onnxruntime-node, a node
# from elsewhere such as NodeSource is kept), builds fraudscore_bench in Release
# under $BUILD, installs onnxruntime-node under bench/peers, and sets PIN (the
# taskset prefix that pins a run to core $BENCH_CPU, default 0).
EXTRA=(python3-onnx)
command -v node >/dev/null || EXTRA+=(nodejs)
command -v npm >/dev/null || EXTRA+=(npm)
"$REPO/scripts/install-deps.sh" "${EXTRA[@]}" >&2

PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "${BENCH_CPU:-0}"); fi

echo "== building fraudscore_bench (Release, $BUILD)" >&2
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFRAUDSCORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j 2 --target fraudscore_bench >/dev/null

if [ ! -d "$REPO/bench/peers/node_modules/onnxruntime-node" ]; then
  echo "== installing onnxruntime-node (bench/peers)" >&2
  (cd "$REPO/bench/peers" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund >&2)
fi
