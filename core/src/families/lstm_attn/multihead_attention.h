// Multi-head self-attention with a key padding mask, as PyTorch's
// nn.MultiheadAttention(E, heads, batch_first=True) computes it for
// query = key = value = x and key_padding_mask = (step < steps - valid).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace fraudscore {

struct MultiheadAttentionWeights {
  const float* in_proj_weight;   // [3E, E]: rows [0,E) query, [E,2E) key, [2E,3E) value
  const float* in_proj_bias;     // [3E]
  const float* out_proj_weight;  // [E, E]
  const float* out_proj_bias;    // [E]
};

struct MultiheadAttentionShape {
  size_t batch, steps, dim, heads;  // dim % heads == 0
};

// Scratch floats of either function below.
size_t multihead_attention_scratch_floats(const MultiheadAttentionShape& s);

// The heads' outputs concatenated, before the output projection:
// concat[b, t, j*dh:(j+1)*dh] = softmax(q_j k_j^T / sqrt(dh)) v_j over the
// valid keys (the last valid_steps[b] steps; valid_steps[b] in 1..steps).
// Only valid queries are computed: rows of padded queries are written as 0.
// latest_weights (nullptr: not wanted) gets the latest query's weights,
// averaged over heads, [batch, steps]; padded keys get exactly 0.
void multihead_attention_heads_f32(const KernelTable& k, const MultiheadAttentionShape& s, const float* x,
                                   const uint32_t* valid_steps, const MultiheadAttentionWeights& w, float* scratch,
                                   float* concat, float* latest_weights);

// The whole layer: out = concat out_proj_weight^T + out_proj_bias, [batch, steps, E],
// for the valid queries; rows of padded queries are written as 0.
// `concat` is caller storage of batch * steps * dim floats.
void multihead_attention_f32(const KernelTable& k, const MultiheadAttentionShape& s, const float* x,
                             const uint32_t* valid_steps, const MultiheadAttentionWeights& w, float* scratch,
                             float* concat, float* out, float* latest_weights);

}  // namespace fraudscore
