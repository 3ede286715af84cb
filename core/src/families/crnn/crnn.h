// The `crnn` network ("UPI Sentinel"): causal Conv1D + ReLU -> BiLSTM ->
// additive attention -> Dense + ReLU -> Dense -> logit.
#pragma once

#include <memory>
#include <vector>

#include "networks/network.h"
#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

struct CrnnDims {
  uint32_t steps, features;
  uint32_t conv_filters, conv_kernel, lstm_hidden, attention_dim, dense_units;
};

// Check every tensor's presence and shape against `dims`, then build the
// network (weights read in place; LSTM biases summed into owned storage).
Status build_crnn(const CrnnDims& dims, const std::vector<TensorView>& tensors, std::unique_ptr<Network>* out);

// Names of the tensors a crnn model holds, with their shapes, for docs and tests.
std::vector<std::pair<std::string, std::vector<uint32_t>>> crnn_tensor_shapes(const CrnnDims& dims);

}  // namespace fraudscore
