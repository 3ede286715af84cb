#include "families/lstm_attn/multihead_attention.h"

#include <cmath>
#include <cstring>

namespace fraudscore {

size_t multihead_attention_scratch_floats(const MultiheadAttentionShape& s) {
  // q, k, v of every step + one head's scores + one head's values transposed
  return s.batch * s.steps * 3 * s.dim + s.steps * s.steps + s.steps * (s.dim / s.heads);
}

namespace {

// Row-wise softmax of an n x n block in place.
void softmax_rows(float* scores, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    float* row = scores + i * n;
    float max_score = row[0];
    for (size_t j = 1; j < n; ++j) max_score = row[j] > max_score ? row[j] : max_score;
    float total = 0.0f;
    for (size_t j = 0; j < n; ++j) {
      row[j] = std::exp(row[j] - max_score);
      total += row[j];
    }
    const float inverse = 1.0f / total;
    for (size_t j = 0; j < n; ++j) row[j] *= inverse;
  }
}

}  // namespace

void multihead_attention_heads_f32(const KernelTable& k, const MultiheadAttentionShape& s, const float* x,
                                   const uint32_t* valid_steps, const MultiheadAttentionWeights& w, float* scratch,
                                   float* concat, float* latest_weights) {
  const size_t E = s.dim, T = s.steps, dh = E / s.heads, E3 = 3 * E;
  float* qkv = scratch;                      // [batch * steps, 3E]
  float* scores = qkv + s.batch * T * E3;    // [n, n] for one window and head
  float* values_t = scores + T * T;          // [dh, n]: one head's values, transposed for the NT GEMM
  // One GEMM projects q, k and v of every step (padded ones too: cheaper than
  // splitting the batch into per-window GEMMs).
  k.f32_gemm_nt(s.batch * T, E3, E, x, E, w.in_proj_weight, E, w.in_proj_bias, false, qkv, E3);
  // PyTorch scales q before the product; doing the same keeps rounding close.
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (size_t r = 0; r < s.batch * T; ++r)
    for (size_t c = 0; c < E; ++c) qkv[r * E3 + c] *= scale;

  for (size_t b = 0; b < s.batch; ++b) {
    const size_t n = valid_steps[b], first = T - n;
    float* concat_b = concat + b * T * E;
    std::memset(concat_b, 0, first * E * sizeof(float));
    float* latest = latest_weights ? latest_weights + b * T : nullptr;
    if (latest) std::memset(latest, 0, T * sizeof(float));
    const float* rows = qkv + (b * T + first) * E3;  // the valid steps
    for (size_t j = 0; j < s.heads; ++j) {
      const float* q = rows + j * dh;
      const float* key = rows + E + j * dh;
      const float* v = rows + 2 * E + j * dh;
      k.f32_gemm_nt(n, n, dh, q, E3, key, E3, nullptr, false, scores, n);
      softmax_rows(scores, n);
      for (size_t t = 0; t < n; ++t)
        for (size_t d = 0; d < dh; ++d) values_t[d * n + t] = v[t * E3 + d];
      k.f32_gemm_nt(n, dh, n, scores, n, values_t, n, nullptr, false, concat_b + first * E + j * dh, E);
      if (latest) {
        const float* last_row = scores + (n - 1) * n;
        for (size_t t = 0; t < n; ++t) latest[first + t] += last_row[t];
      }
    }
    if (latest) {
      const float inverse_heads = 1.0f / static_cast<float>(s.heads);
      for (size_t t = first; t < T; ++t) latest[t] *= inverse_heads;
    }
  }
}

void multihead_attention_f32(const KernelTable& k, const MultiheadAttentionShape& s, const float* x,
                             const uint32_t* valid_steps, const MultiheadAttentionWeights& w, float* scratch,
                             float* concat, float* out, float* latest_weights) {
  const size_t E = s.dim, T = s.steps;
  multihead_attention_heads_f32(k, s, x, valid_steps, w, scratch, concat, latest_weights);
  for (size_t b = 0; b < s.batch; ++b) {
    const size_t n = valid_steps[b], first = T - n;
    std::memset(out + b * T * E, 0, first * E * sizeof(float));
    k.f32_gemm_nt(n, E, E, concat + (b * T + first) * E, E, w.out_proj_weight, E, w.out_proj_bias, false,
                  out + (b * T + first) * E, E);
  }
}

}  // namespace fraudscore
