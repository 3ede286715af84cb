#pragma once

#include <cstddef>

#include "kernels/kernels.h"

namespace fraudscore {

// One direction of a PyTorch-compatible LSTM layer (gate order i, f, g, o).
struct LstmDirectionWeights {
  PackedWeights w_ih;  // [4H, in], packed at load
  PackedWeights w_hh;  // [4H, H], packed at load
  const float* bias;   // [4H]: b_ih + b_hh, summed at load
};

struct LstmShape {
  size_t batch, steps, in, hidden;
};

// Bidirectional LSTM over full sequences, zero initial state.
// x: [batch, steps, in] -> out: [batch, steps, 2H] (forward half, then backward half).
// The input projections of all steps are one GEMM per direction, hoisted out
// of the recurrence; each step adds h W_hh^T into that step's projections in
// place and updates the cells. Scratch: lstm_scratch_floats(shape).
size_t lstm_scratch_floats(const LstmShape& s);
void bilstm_f32(const KernelTable& k, const LstmShape& s, const float* x, const LstmDirectionWeights& fwd,
                const LstmDirectionWeights& bwd, float* scratch, float* out);

}  // namespace fraudscore
