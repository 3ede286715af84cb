// f32_gemm_nt for x86-64 CPUs with AVX2 and FMA: 8 lanes, fused multiply-add,
// four output columns at a time with two accumulators each. Compiled for
// AVX2 in this file only; dispatch.cpp picks it when the CPU has both.
#if defined(__x86_64__) && defined(__GNUC__)

#include "kernels/gemm_nt_epilogue.h"
#include "kernels/kernels.h"
#include "kernels/x86_simd.h"

namespace fraudscore {
namespace {

FS_TARGET_AVX2 inline float sum8(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 h = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)));
}


}  // namespace

FS_TARGET_AVX2 void f32_gemm_nt_avx2(size_t m, size_t n, size_t k, const float* a, size_t lda,
                                                          const float* w, size_t ldw, const float* bias,
                                                          bool accumulate, float* c, size_t ldc) {
  const size_t k8 = k & ~size_t{7};
  for (size_t i = 0; i < m; ++i) {
    const float* a_row = a + i * lda;
    float* c_row = c + i * ldc;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const float* w0 = w + j * ldw;
      const float* w1 = w0 + ldw;
      const float* w2 = w1 + ldw;
      const float* w3 = w2 + ldw;
      __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(),
             s3 = _mm256_setzero_ps();
      for (size_t p = 0; p < k8; p += 8) {
        const __m256 x = _mm256_loadu_ps(a_row + p);
        s0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(w0 + p), s0);
        s1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(w1 + p), s1);
        s2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(w2 + p), s2);
        s3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(w3 + p), s3);
      }
      const float t0 = sum8(s0), t1 = sum8(s1), t2 = sum8(s2), t3 = sum8(s3);
      gemm_nt_finish(t0, a_row, w0, k8, k, j, bias, accumulate, c_row);
      gemm_nt_finish(t1, a_row, w1, k8, k, j + 1, bias, accumulate, c_row);
      gemm_nt_finish(t2, a_row, w2, k8, k, j + 2, bias, accumulate, c_row);
      gemm_nt_finish(t3, a_row, w3, k8, k, j + 3, bias, accumulate, c_row);
    }
    for (; j < n; ++j) {
      const float* w_row = w + j * ldw;
      __m256 s = _mm256_setzero_ps();
      for (size_t p = 0; p < k8; p += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a_row + p), _mm256_loadu_ps(w_row + p), s);
      gemm_nt_finish(sum8(s), a_row, w_row, k8, k, j, bias, accumulate, c_row);
    }
  }
}

}  // namespace fraudscore

#endif  // __x86_64__ && __GNUC__
