// fraudscore's packed GEMM against XNNPACK's fully-connected operator (Debian's
// libxnnpack, single-threaded) on the shapes the shipped networks multiply,
// so the bench can say per shape which is faster (issue: an optional XNNPACK
// backend for native batches is worth it only where it wins).
//
//   fraudscore_xnnpack_bench [Google Benchmark flags]
//
// Each shape is m rows of A [m, k] times W^T, W [n, k] (PyTorch's [out, in]),
// plus a bias: XNNPACK's fully_connected_nc_f32 with the same W, and
// fraudscore's dispatched f32_gemm_packed over W packed at load. At start-up
// both must agree to 1e-5 (relative to the sum of |terms|) or the bench stops.
#include <benchmark/benchmark.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "kernels/kernels.h"

namespace {

struct Shape {
  const char* what;
  size_t m, n, k;
};

// crnn-on-device (T 10, F 11, conv 64 x 2, H 64, attention 64, dense 128), batch-1
// and the 16-window chunks a batch runs in.
const Shape kShapes[] = {
    {"lstm_recurrence_batch1", 1, 256, 64},   {"lstm_recurrence_chunk16", 16, 256, 64},
    {"lstm_input_batch1", 10, 256, 64},       {"lstm_input_chunk16", 160, 256, 64},
    {"conv_chunk16", 160, 64, 22},            {"attention_chunk16", 160, 64, 128},
    {"dense_chunk16", 16, 128, 128},          {"dense_batch1", 1, 128, 128},
};

struct Case {
  Shape shape;
  std::vector<float> a, w, bias, c;
  fraudscore::PackedMatrix packed;
  xnn_operator_t op = nullptr;
};

std::vector<float> random_floats(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

bool make_case(const Shape& s, std::mt19937& rng, Case* c) {
  c->shape = s;
  c->a = random_floats(rng, s.m * s.k);
  c->w = random_floats(rng, s.n * s.k);
  c->bias = random_floats(rng, s.n);
  c->c.assign(s.m * s.n, 0.0f);
  c->packed.pack(c->w.data(), s.n, s.k);
  const float inf = std::numeric_limits<float>::infinity();
  if (xnn_create_fully_connected_nc_f32(s.k, s.n, s.k, s.n, c->w.data(), c->bias.data(), -inf, inf, 0, &c->op) !=
          xnn_status_success ||
      xnn_setup_fully_connected_nc_f32(c->op, s.m, c->a.data(), c->c.data(), nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack: cannot create the fully-connected operator for %s\n", s.what);
    return false;
  }
  // Both must compute the same product.
  std::vector<float> ours(s.m * s.n);
  fraudscore::kernels().f32_gemm_packed(s.m, c->a.data(), s.k, c->packed.view(), c->bias.data(), false, ours.data(),
                                        s.n);
  xnn_run_operator(c->op, nullptr);
  double worst = 0;
  for (size_t i = 0; i < s.m; ++i)
    for (size_t j = 0; j < s.n; ++j) {
      double magnitude = std::fabs(c->bias[j]);
      for (size_t p = 0; p < s.k; ++p) magnitude += std::fabs(c->a[i * s.k + p] * c->w[j * s.k + p]);
      worst = std::max(worst, std::fabs(static_cast<double>(ours[i * s.n + j]) - c->c[i * s.n + j]) / std::max(1.0, magnitude));
    }
  if (worst > 1e-5) {
    std::fprintf(stderr, "%s: fraudscore and XNNPACK differ by %.3g\n", s.what, worst);
    return false;
  }
  return true;
}

void report(benchmark::State& state, const Shape& s) {
  const double flops = 2.0 * static_cast<double>(s.m * s.n * s.k);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void fraudscore_gemm(benchmark::State& state, Case* c) {
  const Shape& s = c->shape;
  const fraudscore::KernelTable& k = fraudscore::kernels();
  for (auto _ : state) {
    k.f32_gemm_packed(s.m, c->a.data(), s.k, c->packed.view(), c->bias.data(), false, c->c.data(), s.n);
    benchmark::DoNotOptimize(c->c.data());
  }
  report(state, s);
}

void xnnpack_gemm(benchmark::State& state, Case* c) {
  for (auto _ : state) {
    xnn_run_operator(c->op, nullptr);
    benchmark::DoNotOptimize(c->c.data());
  }
  report(state, c->shape);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack: xnn_initialize failed (this CPU is not supported)\n");
    return 1;
  }
  benchmark::AddCustomContext("fraudscore_kernels", fs_kernels());
  std::mt19937 rng(20261204);
  std::vector<Case> cases(sizeof kShapes / sizeof kShapes[0]);
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!make_case(kShapes[i], rng, &cases[i])) return 1;
    const Shape& s = kShapes[i];
    const std::string name = std::string(s.what) + "/m" + std::to_string(s.m) + "_n" + std::to_string(s.n) + "_k" +
                             std::to_string(s.k);
    benchmark::RegisterBenchmark((name + "/fraudscore").c_str(), fraudscore_gemm, &cases[i]);
    benchmark::RegisterBenchmark((name + "/xnnpack").c_str(), xnnpack_gemm, &cases[i]);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (Case& c : cases) xnn_delete_operator(c.op);
  xnn_deinitialize();
  return 0;
}
