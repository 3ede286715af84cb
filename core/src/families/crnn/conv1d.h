#pragma once

#include <cstddef>

#include "kernels/kernels.h"

namespace fraudscore {

// Causal Conv1D + ReLU over time: out[b, t, o] = relu(bias[o] +
//   sum_{i, j} w[o, i, j] * x[b, t - (k - 1) + j, i]), with x = 0 before t = 0.
// x: [batch, steps, in], w: [out, in, k] (PyTorch Conv1d layout) packed at load as
// [out, in * k], out: [batch, steps, out].
// `columns` is scratch of batch * steps * in * k floats (the im2col matrix), so
// the whole layer is one GEMM.
struct Conv1dShape {
  size_t batch, steps, in, out, kernel;
};

void conv1d_causal_relu_f32(const KernelTable& k, const Conv1dShape& s, const float* x, const PackedWeights& w,
                            const float* bias, float* columns, float* out);

}  // namespace fraudscore
