#include "kernels/kernels.h"

namespace fraudscore {

void f32_gemm_nt_ref(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                     const float* bias, bool accumulate, float* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    const float* a_row = a + i * lda;
    float* c_row = c + i * ldc;
    for (size_t j = 0; j < n; ++j) {
      const float* w_row = w + j * ldw;
      float sum = 0.0f;
      for (size_t p = 0; p < k; ++p) sum += a_row[p] * w_row[p];
      if (bias) sum += bias[j];
      c_row[j] = accumulate ? c_row[j] + sum : sum;
    }
  }
}

}  // namespace fraudscore
