#include "fma_peak.h"

#include <chrono>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace fraudscore_bench {
namespace {

using Clock = std::chrono::steady_clock;

// 12 independent accumulators cover FMA latency (4-5 cycles) x 2 pipes; the
// result is summed and returned so the loop is not optimised away.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f"))) float loop_512(uint64_t iterations) {
  __m512 acc[12];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (uint64_t n = 0; n < iterations; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  return lanes[0] + lanes[15];
}

__attribute__((target("avx2,fma"))) float loop_256(uint64_t iterations) {
  __m256 acc[12];
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  for (uint64_t n = 0; n < iterations; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  return lanes[0] + lanes[7];
}
#endif

typedef float f32x4 __attribute__((vector_size(16)));

float loop_128(uint64_t iterations) {
  f32x4 acc[12];
  const f32x4 a = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, b = {1e-7f, 1e-7f, 1e-7f, 1e-7f};
  for (int i = 0; i < 12; ++i) acc[i] = f32x4{1, 1, 1, 1} * static_cast<float>(i);
  for (uint64_t n = 0; n < iterations; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = acc[i] * a + b;
  f32x4 s = acc[0];
  for (int i = 1; i < 12; ++i) s += acc[i];
  return s[0] + s[3];
}

volatile float g_sink;

}  // namespace

FmaPeak measure_fma_peak(const std::string& kernels, double seconds) {
  FmaPeak peak;
  float (*loop)(uint64_t) = loop_128;
  double lanes = 4;
  peak.vectors = "128-bit mul+add";
#if defined(__x86_64__) && defined(__GNUC__)
  if (kernels == "avx512") {
    loop = loop_512;
    lanes = 16;
    peak.vectors = "512-bit FMA";
  } else if (kernels == "avx2-fma") {
    loop = loop_256;
    lanes = 8;
    peak.vectors = "256-bit FMA";
  }
#endif
  peak.flops_per_cycle = 2 * 2 * lanes;
  // Calibrate one slice to about seconds / 5, then keep the best of five.
  uint64_t iterations = 1 << 16;
  const double slice = seconds / 5;
  for (;;) {
    const auto t0 = Clock::now();
    g_sink = loop(iterations);
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    if (took >= slice / 2) break;
    iterations *= 2;
  }
  for (int s = 0; s < 5; ++s) {
    const auto t0 = Clock::now();
    g_sink = loop(iterations);
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    const double gflops = static_cast<double>(iterations) * 12 * lanes * 2 / took / 1e9;
    if (gflops > peak.gflops) peak.gflops = gflops;
  }
  return peak;
}

}  // namespace fraudscore_bench
