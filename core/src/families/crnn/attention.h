#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace fraudscore {

// Additive attention over time: score_t = v . tanh(W h_t + b), softmax over
// the valid (unpadded, i.e. last valid_steps[b]) steps, context = sum_t a_t h_t.
struct AdditiveAttentionWeights {
  PackedWeights w;  // [A, D], packed at load
  const float* b;  // [A]
  const float* v;  // [1, A]
};

struct AttentionShape {
  size_t batch, steps, dim, attention_dim;
};

size_t additive_attention_scratch_floats(const AttentionShape& s);
// h: [batch, steps, dim] -> weights: [batch, steps], context: [batch, dim]
void additive_attention_f32(const KernelTable& k, const AttentionShape& s, const float* h,
                            const uint32_t* valid_steps, const AdditiveAttentionWeights& wt, float* scratch,
                            float* weights, float* context);

}  // namespace fraudscore
