#include "kernels/kernels.h"

namespace fraudscore {

// The reference for every f32_gemm_packed kernel: per output, the products
// summed in k order, then the bias, then the accumulated value.
void f32_gemm_packed_ref(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                         bool accumulate, float* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    const float* a_row = a + i * lda;
    float* c_row = c + i * ldc;
    for (size_t j = 0; j < w.n; ++j) {
      const float* panel = w.data + (j / w.panel) * w.k * w.panel + j % w.panel;
      float sum = 0.0f;
      for (size_t p = 0; p < w.k; ++p) sum += a_row[p] * panel[p * w.panel];
      if (bias) sum += bias[j];
      c_row[j] = accumulate ? c_row[j] + sum : sum;
    }
  }
}

}  // namespace fraudscore
