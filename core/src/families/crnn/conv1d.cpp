#include "families/crnn/conv1d.h"

#include "layers/activations.h"

namespace fraudscore {

void conv1d_causal_relu_f32(const KernelTable& k, const Conv1dShape& s, const float* x, const PackedWeights& w,
                            const float* bias, float* columns, float* out) {
  const size_t row = s.in * s.kernel;
  for (size_t b = 0; b < s.batch; ++b) {
    for (size_t t = 0; t < s.steps; ++t) {
      float* col = columns + (b * s.steps + t) * row;
      for (size_t i = 0; i < s.in; ++i) {
        for (size_t j = 0; j < s.kernel; ++j) {
          const long src_t = static_cast<long>(t) - static_cast<long>(s.kernel - 1) + static_cast<long>(j);
          col[i * s.kernel + j] = src_t < 0 ? 0.0f : x[(b * s.steps + static_cast<size_t>(src_t)) * s.in + i];
        }
      }
    }
  }
  const size_t rows = s.batch * s.steps;
  k.f32_gemm_packed(rows, columns, row, w, bias, false, out, s.out);
  relu_f32_inplace(out, rows * s.out);
}

}  // namespace fraudscore
