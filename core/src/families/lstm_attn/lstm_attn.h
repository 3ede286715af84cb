// The `lstm_attn` network (SME payments): BiLSTM -> multi-head self-attention
// -> [latest step, mean over valid steps] -> two Dense + ReLU -> Dense heads:
// the payment-anomaly logit and the enterprise-risk (entity) logit.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "networks/network.h"
#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

struct LstmAttnDims {
  uint32_t steps, features, lstm_hidden, heads, dense_units;
  // Platt calibration of the enterprise-risk logit (the file's entity_calibration).
  bool enterprise_platt = false;
  double enterprise_a = 1.0, enterprise_b = 0.0;
};

// Check the dimensions and every tensor's presence and shape against `dims`,
// then build the network (weights read in place; LSTM biases summed into owned storage).
Status build_lstm_attn(const LstmAttnDims& dims, const std::vector<TensorView>& tensors,
                       std::unique_ptr<Network>* out);

// Names of the tensors a lstm_attn model holds, with their shapes, for docs and tests.
std::vector<std::pair<std::string, std::vector<uint32_t>>> lstm_attn_tensor_shapes(const LstmAttnDims& dims);

}  // namespace fraudscore
