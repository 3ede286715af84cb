#include "families/crnn/attention.h"

#include <cmath>
#include <cstring>

#include "layers/activations.h"

namespace fraudscore {

size_t additive_attention_scratch_floats(const AttentionShape& s) {
  return s.batch * s.steps * s.attention_dim + s.batch * s.steps;
}

void additive_attention_f32(const KernelTable& k, const AttentionShape& s, const float* h,
                            const uint32_t* valid_steps, const AdditiveAttentionWeights& wt, float* scratch,
                            float* weights, float* context) {
  const size_t rows = s.batch * s.steps;
  float* projected = scratch;               // [rows, A]
  float* scores = projected + rows * s.attention_dim;  // [rows]
  k.f32_gemm_packed(rows, h, s.dim, wt.w, wt.b, false, projected, s.attention_dim);
  k.f32_tanh(projected, rows * s.attention_dim);
  k.f32_gemm_nt(rows, 1, s.attention_dim, projected, s.attention_dim, wt.v, s.attention_dim, nullptr, false, scores,
                1);
  for (size_t b = 0; b < s.batch; ++b) {
    const size_t first = s.steps - valid_steps[b];
    const float* sc = scores + b * s.steps;
    float* wb = weights + b * s.steps;
    float max_score = sc[first];
    for (size_t t = first + 1; t < s.steps; ++t) max_score = sc[t] > max_score ? sc[t] : max_score;
    float total = 0.0f;
    for (size_t t = 0; t < s.steps; ++t) {
      wb[t] = t < first ? 0.0f : std::exp(sc[t] - max_score);
      total += wb[t];
    }
    float* cb = context + b * s.dim;
    std::memset(cb, 0, s.dim * sizeof(float));
    for (size_t t = first; t < s.steps; ++t) {
      wb[t] /= total;
      const float* ht = h + (b * s.steps + t) * s.dim;
      for (size_t d = 0; d < s.dim; ++d) cb[d] += wb[t] * ht[d];
    }
  }
}

}  // namespace fraudscore
