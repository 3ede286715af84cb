// f32_gemm_packed for x86-64 CPUs with AVX-512F: weights packed in panels of
// 16 outputs, one 512-bit vector. Register blocks of MR rows x NP panels
// (8 x 2 for the bulk of a GEMM, 1 x 8 for a batch-1 GEMV): at most 16
// accumulators of the 32 zmm registers, and at least 8 independent FMA
// chains. The partial last panel is stored with a lane mask. Each output sums
// its products in k order, like the reference (with fused rounding).
// Compiled for AVX-512 per function; dispatch.cpp picks it when the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__)

#include "kernels/kernels.h"
#include "kernels/x86_simd.h"

namespace fraudscore {
namespace {

constexpr size_t kPanel = 16;  // floats, one zmm

// Accumulators per row block: NP panels per row, chosen so MR x NP <= 16 and
// MR x NP >= 8 where the shape allows.
constexpr size_t panels_for_rows(size_t mr) { return mr == 1 ? 8 : mr <= 4 ? 4 : 2; }

FS_TARGET_AVX512 inline void store_panel(float* c_row, size_t j, size_t n, __m512 v, const float* bias,
                                         bool accumulate) {
  const __mmask16 lanes =
      j + kPanel <= n ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (n - j)) - 1u);
  if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, bias + j));
  if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, c_row + j));
  _mm512_mask_storeu_ps(c_row + j, lanes, v);
}

// C[rows, panels first..first+NP) for MR rows of A.
template <size_t MR, size_t NP>
FS_TARGET_AVX512 inline void block(size_t k, const float* a, size_t lda, const PackedWeights& w, size_t first_panel,
                                 const float* bias, bool accumulate, float* c, size_t ldc) {
  const size_t panel_floats = k * kPanel;
  const float* wp = w.data + first_panel * panel_floats;
  __m512 acc[MR][NP];
#pragma GCC unroll 8
  for (size_t r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (size_t q = 0; q < NP; ++q) acc[r][q] = _mm512_setzero_ps();
  for (size_t p = 0; p < k; ++p) {
    __m512 wv[NP];
#pragma GCC unroll 8
    for (size_t q = 0; q < NP; ++q) wv[q] = _mm512_loadu_ps(wp + q * panel_floats + p * kPanel);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * lda + p]);
#pragma GCC unroll 8
      for (size_t q = 0; q < NP; ++q) acc[r][q] = _mm512_fmadd_ps(x, wv[q], acc[r][q]);
    }
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (size_t q = 0; q < NP; ++q)
      store_panel(c + r * ldc, (first_panel + q) * kPanel, w.n, acc[r][q], bias, accumulate);
}

template <size_t MR>
FS_TARGET_AVX512 void rows(const float* a, size_t lda, const PackedWeights& w, const float* bias, bool accumulate,
                         float* c, size_t ldc) {
  constexpr size_t NP = panels_for_rows(MR);
  const size_t panels = (w.n + kPanel - 1) / kPanel;
  size_t panel = 0;
  for (; panel + NP <= panels; panel += NP) block<MR, NP>(w.k, a, lda, w, panel, bias, accumulate, c, ldc);
  for (; panel < panels; ++panel) block<MR, 1>(w.k, a, lda, w, panel, bias, accumulate, c, ldc);
}

}  // namespace

FS_TARGET_AVX512 void f32_gemm_packed_avx512(size_t m, const float* a, size_t lda, const PackedWeights& w,
                                         const float* bias, bool accumulate, float* c, size_t ldc) {
  size_t i = 0;
  for (; i + 8 <= m; i += 8) rows<8>(a + i * lda, lda, w, bias, accumulate, c + i * ldc, ldc);
  const float* a_tail = a + i * lda;
  float* c_tail = c + i * ldc;
  switch (m - i) {
    case 7: rows<7>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
    case 6: rows<6>(a_tail, lda, w, bias, accumulate, c_tail, ldc); break;
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
