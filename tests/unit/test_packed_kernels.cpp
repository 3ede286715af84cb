// The packed-weight GEMM, the LSTM cell and tanh: the packing itself, and
// every kernel table against the scalar reference on seeded random inputs
// (shapes that leave partial panels, single rows, strides, bias, accumulate).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "test_util.h"

using namespace fraudscore;
using fraudscore_test::random_floats;

TEST_CASE("pack_weights_f32: panels of 8 or 16 outputs, k-major, the last one zero-padded") {
  std::mt19937 rng(11);
  const size_t n = 13, k = 5;
  const std::vector<float> w = random_floats(rng, n * k);
  for (size_t panel : {size_t{8}, size_t{16}}) {
    INFO("panel " << panel);
    const PackedMatrix packed(w.data(), n, k, panel);
    const PackedWeights& p = packed.view();
    CHECK(p.n == n);
    CHECK(p.k == k);
    CHECK(p.panel == panel);
    CHECK(packed_floats(n, k, panel) == 16 * k);
    for (size_t j = 0; j < n; ++j)
      for (size_t q = 0; q < k; ++q) CHECK(packed_at(p, j, q) == w[j * k + q]);
    for (size_t j = n; j < 16; ++j)
      for (size_t q = 0; q < k; ++q) CHECK(packed_at(p, j, q) == 0.0f);
    // Panel 0, step 1 holds W[0..panel-1, 1] side by side.
    for (size_t lane = 0; lane < panel && lane < n; ++lane) CHECK(p.data[panel + lane] == w[lane * k + 1]);
  }
  CHECK(packed_floats(17, 3, 16) == 32 * 3);
}

TEST_CASE("PackedMatrix packs for the dispatched kernel table's panel width") {
  const std::vector<float> w(40 * 3, 1.0f);
  const PackedMatrix packed(w.data(), 40, 3);
  CHECK(packed.view().panel == kernels().packed_panel);
  for (size_t table = 0; table < kernel_table_count(); ++table) {
    const size_t panel = kernel_table(table).packed_panel;
    CHECK((panel == 8 || panel == 16));
  }
}

TEST_CASE("f32_gemm_packed: every kernel table agrees with f32_gemm_nt_ref on random inputs") {
  struct Shape {
    size_t m, n, k, pad;
  };
  // Every row-block height of every table (1..8 rows and beyond), partial
  // panels of 8 and 16, GEMV widths that leave a partial block of panels.
  const Shape shapes[] = {{1, 1, 1, 0},    {1, 256, 64, 0},  {2, 256, 64, 3},  {3, 13, 7, 1},  {4, 8, 4, 0},
                          {5, 33, 65, 2},  {9, 64, 22, 0},   {10, 128, 128, 0}, {17, 7, 3, 1}, {1, 40, 9, 0},
                          {6, 200, 17, 0}, {7, 24, 5, 1},    {8, 48, 64, 0},   {16, 256, 64, 0}, {11, 130, 9, 2},
                          {1, 136, 64, 0}, {160, 256, 64, 0}, {13, 17, 31, 0}};
  std::mt19937 rng(20261130);
  for (size_t table = 0; table < kernel_table_count(); ++table) {
    const KernelTable& fast = kernel_table(table);
    REQUIRE((fast.f32_gemm_packed != nullptr));
    INFO("kernel table: " << std::string(fast.isa));
    for (const Shape& s : shapes) {
      for (int variant = 0; variant < 4; ++variant) {
        const bool with_bias = (variant & 1) != 0, accumulate = (variant & 2) != 0;
        const size_t lda = s.k + s.pad, ldc = s.n + s.pad;
        const std::vector<float> a = random_floats(rng, s.m * lda);
        const std::vector<float> w = random_floats(rng, s.n * s.k);
        const std::vector<float> bias = random_floats(rng, s.n);
        const std::vector<float> c0 = random_floats(rng, s.m * ldc);
        const PackedMatrix packed(w.data(), s.n, s.k, fast.packed_panel);
        std::vector<float> c_ref = c0, c_fast = c0;
        f32_gemm_nt_ref(s.m, s.n, s.k, a.data(), lda, w.data(), s.k, with_bias ? bias.data() : nullptr, accumulate,
                        c_ref.data(), ldc);
        fast.f32_gemm_packed(s.m, a.data(), lda, packed.view(), with_bias ? bias.data() : nullptr, accumulate,
                             c_fast.data(), ldc);
        INFO("m=" << s.m << " n=" << s.n << " k=" << s.k << " bias=" << with_bias << " accumulate=" << accumulate);
        double worst = 0.0;
        for (size_t i = 0; i < s.m; ++i)
          for (size_t j = 0; j < ldc; ++j) {
            const size_t at = i * ldc + j;
            if (j >= s.n) {
              CHECK(c_fast[at] == c0[at]);  // padding columns are never written
              continue;
            }
            double magnitude = std::fabs(with_bias ? bias[j] : 0.0f) + (accumulate ? std::fabs(c0[at]) : 0.0);
            for (size_t p = 0; p < s.k; ++p) magnitude += std::fabs(a[i * lda + p] * w[j * s.k + p]);
            worst = std::max(worst, std::fabs(static_cast<double>(c_fast[at]) - c_ref[at]) / std::max(1.0, magnitude));
          }
        CHECK(worst <= 1e-6);
      }
    }
  }
}

TEST_CASE("f32_lstm_cell and f32_tanh: every kernel table agrees with the reference") {
  std::mt19937 rng(5);
  for (size_t table = 0; table < kernel_table_count(); ++table) {
    const KernelTable& fast = kernel_table(table);
    INFO("kernel table: " << std::string(fast.isa));
    for (size_t hidden : {1, 3, 4, 7, 8, 15, 16, 17, 23, 33, 64}) {
      INFO("hidden " << hidden);
      // Gate pre-activations far into saturation on both sides.
      const std::vector<float> gates = random_floats(rng, 4 * hidden, -30.0f, 30.0f);
      const std::vector<float> c0 = random_floats(rng, hidden, -3.0f, 3.0f);
      std::vector<float> c_ref = c0, c_fast = c0, h_ref(hidden), h_fast(hidden);
      f32_lstm_cell_ref(hidden, gates.data(), c_ref.data(), h_ref.data());
      fast.f32_lstm_cell(hidden, gates.data(), c_fast.data(), h_fast.data());
      for (size_t j = 0; j < hidden; ++j) {
        CHECK(std::fabs(c_fast[j] - c_ref[j]) <= 1e-6);
        CHECK(std::fabs(h_fast[j] - h_ref[j]) <= 1e-6);
      }
    }
    std::vector<float> x = random_floats(rng, 1001, -12.0f, 12.0f);
    const float special[] = {0.0f, -0.0f, 1e-8f, -1e-8f, 44.0f, -44.0f, 50.0f, -50.0f, 1e30f, -1e30f, 0.5f};
    std::copy(std::begin(special), std::end(special), x.begin());
    std::vector<float> t_ref = x, t_fast = x;
    f32_tanh_ref(t_ref.data(), t_ref.size());
    fast.f32_tanh(t_fast.data(), t_fast.size());
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
      worst = std::max(worst, std::fabs(static_cast<double>(t_fast[i]) - t_ref[i]));
      CHECK(std::fabs(t_fast[i]) <= 1.0f);
    }
    CHECK(worst <= 1e-6);
    CHECK(t_fast[4] == 1.0f);  // saturates exactly
    CHECK(t_fast[5] == -1.0f);
  }
}

TEST_CASE("the kernel tables tested here: says which ISA variants this CPU cannot run") {
  std::string tables;
  for (size_t table = 0; table < kernel_table_count(); ++table) tables += std::string(" ") + kernel_table(table).isa;
  MESSAGE("kernel tables this CPU runs, each tested against the reference:" << tables);
#if defined(__x86_64__) && defined(__GNUC__)
  // Machines here differ: some lack AVX-512, so its kernels go untested on them.
  if (tables.find("avx512") == std::string::npos) MESSAGE("SKIPPED: the AVX-512 kernels (this CPU lacks AVX-512F)");
  if (tables.find("avx2-fma") == std::string::npos) MESSAGE("SKIPPED: the AVX2 kernels (this CPU lacks AVX2+FMA)");
  CHECK(tables.find("vec128") != std::string::npos);
#endif
  CHECK(kernel_table_count() >= 1);
}
