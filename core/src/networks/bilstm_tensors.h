// The tensors of a PyTorch bidirectional nn.LSTM stored under the name
// "lstm" (the crnn and lstm_attn files both use it): their names and shapes,
// and reading them for bilstm_f32.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "layers/lstm.h"
#include "networks/tensor_check.h"
#include "networks/tensor_view.h"

namespace fraudscore {


// Append the eight "lstm.*" tensors for `in` inputs and `hidden` units per direction.
void append_bilstm_tensor_shapes(uint32_t in, uint32_t hidden, TensorShapes* shapes);

// A BiLSTM's weights: the matrices packed and each direction's two bias
// vectors summed, into owned storage at load. Not copyable: the directions
// point into it.
class BilstmWeights {
 public:
  BilstmWeights() = default;
  BilstmWeights(const BilstmWeights&) = delete;
  BilstmWeights& operator=(const BilstmWeights&) = delete;
  // The tensors must be present with the shapes above (checked by the caller).
  void read(const std::vector<TensorView>& tensors, uint32_t hidden);
  const LstmDirectionWeights& forward() const { return fwd_; }
  const LstmDirectionWeights& backward() const { return bwd_; }

 private:
  std::vector<float> bias_sums_;  // [2, 4H]
  PackedMatrix fwd_ih_, fwd_hh_, bwd_ih_, bwd_hh_;
  LstmDirectionWeights fwd_{}, bwd_{};
};

}  // namespace fraudscore
