// f32_gemm_nt with GCC/Clang vector extensions: 4 lanes (the native width of
// SSE, NEON and SIMD128, so no ABI change), two accumulators per output column, four columns
// at a time; the compiler emits SSE on x86-64, NEON on ARM and SIMD128
// under Emscripten from one source. Same signature and contract as the
// reference; only the summation order differs (tested to 1e-5).
#include "kernels/gemm_nt_epilogue.h"
#include "kernels/kernels.h"

#if defined(FRAUDSCORE_HAVE_VEC128)
#include "kernels/f32x4.h"

namespace fraudscore {

namespace {

using vec128::f32x4;
using vec128::load;

inline float sum4(f32x4 lo, f32x4 hi) {
  const f32x4 v = lo + hi;
  return (v[0] + v[2]) + (v[1] + v[3]);
}

}  // namespace

void f32_gemm_nt_vec128(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                        const float* bias, bool accumulate, float* c, size_t ldc) {
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
      f32x4 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, u0 = {0}, u1 = {0}, u2 = {0}, u3 = {0};
      for (size_t p = 0; p < k8; p += 8) {
        const f32x4 x = load(a_row + p), y = load(a_row + p + 4);
        s0 += x * load(w0 + p);
        u0 += y * load(w0 + p + 4);
        s1 += x * load(w1 + p);
        u1 += y * load(w1 + p + 4);
        s2 += x * load(w2 + p);
        u2 += y * load(w2 + p + 4);
        s3 += x * load(w3 + p);
        u3 += y * load(w3 + p + 4);
      }
      const float t0 = sum4(s0, u0), t1 = sum4(s1, u1), t2 = sum4(s2, u2), t3 = sum4(s3, u3);
      gemm_nt_finish(t0, a_row, w0, k8, k, j, bias, accumulate, c_row);
      gemm_nt_finish(t1, a_row, w1, k8, k, j + 1, bias, accumulate, c_row);
      gemm_nt_finish(t2, a_row, w2, k8, k, j + 2, bias, accumulate, c_row);
      gemm_nt_finish(t3, a_row, w3, k8, k, j + 3, bias, accumulate, c_row);
    }
    for (; j < n; ++j) {
      const float* w_row = w + j * ldw;
      f32x4 s = {0}, u = {0};
      for (size_t p = 0; p < k8; p += 8) {
        s += load(a_row + p) * load(w_row + p);
        u += load(a_row + p + 4) * load(w_row + p + 4);
      }
      gemm_nt_finish(sum4(s, u), a_row, w_row, k8, k, j, bias, accumulate, c_row);
    }
  }
}

}  // namespace fraudscore

#endif  // FRAUDSCORE_HAVE_VEC128
