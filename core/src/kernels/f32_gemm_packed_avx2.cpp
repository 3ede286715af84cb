// f32_gemm_packed for x86-64 CPUs with AVX2 and FMA: a panel of 8 outputs is
// one 256-bit vector. Register blocks of MR rows x NP panels (6 x 2 for the
// bulk of a GEMM, 1 x 8 for a batch-1 GEMV): at most 12 accumulators, the
// panels' vectors and one broadcast in the 16 ymm registers, and at least 8
// independent FMA chains so that two FMA pipes of latency 4 stay busy.
// Each output sums its products in k order, like the reference (with fused
// rounding). Compiled for AVX2 per function; dispatch.cpp picks it when the
// CPU has both.
#if defined(__x86_64__) && defined(__GNUC__)

#include "kernels/kernels.h"
#include "kernels/x86_simd.h"

namespace fraudscore {
namespace {

constexpr size_t kPanel = kPackedPanel;  // 8 floats, one ymm

// Accumulators per row block: NP panels per row, chosen so MR x NP <= 12 and
// MR x NP >= 8 where the shape allows.
constexpr size_t panels_for_rows(size_t mr) { return mr == 1 ? 8 : mr == 2 ? 4 : mr <= 4 ? 3 : 2; }

FS_TARGET_AVX2 inline void store_panel(float* c_row, size_t j, size_t n, __m256 v, const float* bias,
                                       bool accumulate) {
  if (j + kPanel <= n) {
    if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
    if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(c_row + j));
    _mm256_storeu_ps(c_row + j, v);
    return;
  }
  alignas(32) float lanes[kPanel];
  _mm256_store_ps(lanes, v);
  for (size_t q = 0; j + q < n; ++q) {
    float x = lanes[q];
    if (bias) x += bias[j + q];
    c_row[j + q] = accumulate ? c_row[j + q] + x : x;
  }
}

// C[rows, panels first..first+NP) for MR rows of A.
template <size_t MR, size_t NP>
FS_TARGET_AVX2 inline void block(size_t k, const float* a, size_t lda, const PackedWeights& w, size_t first_panel,
                                 const float* bias, bool accumulate, float* c, size_t ldc) {
  const size_t panel_floats = k * kPanel;
  const float* wp = w.data + first_panel * panel_floats;
  __m256 acc[MR][NP];
#pragma GCC unroll 8
  for (size_t r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (size_t q = 0; q < NP; ++q) acc[r][q] = _mm256_setzero_ps();
  for (size_t p = 0; p < k; ++p) {
    __m256 wv[NP];
#pragma GCC unroll 8
    for (size_t q = 0; q < NP; ++q) wv[q] = _mm256_loadu_ps(wp + q * panel_floats + p * kPanel);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * lda + p);
#pragma GCC unroll 8
      for (size_t q = 0; q < NP; ++q) acc[r][q] = _mm256_fmadd_ps(x, wv[q], acc[r][q]);
    }
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (size_t q = 0; q < NP; ++q)
      store_panel(c + r * ldc, (first_panel + q) * kPanel, w.n, acc[r][q], bias, accumulate);
}

template <size_t MR>
FS_TARGET_AVX2 void rows(const float* a, size_t lda, const PackedWeights& w, const float* bias, bool accumulate,
                         float* c, size_t ldc) {
  constexpr size_t NP = panels_for_rows(MR);
  const size_t panels = (w.n + kPanel - 1) / kPanel;
  size_t panel = 0;
  for (; panel + NP <= panels; panel += NP) block<MR, NP>(w.k, a, lda, w, panel, bias, accumulate, c, ldc);
  for (; panel < panels; ++panel) block<MR, 1>(w.k, a, lda, w, panel, bias, accumulate, c, ldc);
}

}  // namespace

FS_TARGET_AVX2 void f32_gemm_packed_avx2(size_t m, const float* a, size_t lda, const PackedWeights& w,
                                         const float* bias, bool accumulate, float* c, size_t ldc) {
  size_t i = 0;
  for (; i + 6 <= m; i += 6) rows<6>(a + i * lda, lda, w, bias, accumulate, c + i * ldc, ldc);
  const float* a_tail = a + i * lda;
  float* c_tail = c + i * ldc;
  switch (m - i) {
    case 5: rows<5>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
    case 4: rows<4>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
    case 3: rows<3>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
    case 2: rows<2>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
    case 1: rows<1>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
    default: break;
  }
}

}  // namespace fraudscore

#endif  // __x86_64__ && __GNUC__
