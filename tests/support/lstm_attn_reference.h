// Test support for the lstm_attn network and its multi-head attention layer:
// seeded random named tensors, and a plain double-precision reference of the
// whole function written straight from the PyTorch formulas (nn.LSTM,
// nn.MultiheadAttention with key_padding_mask, pooling, two dense heads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fraudscore_test {

struct NamedTensor {
  std::string name;
  std::vector<uint32_t> shape;
  std::vector<float> values;
};

// One tensor per (name, shape), values uniform in [-scale, scale) from raw mt19937 outputs.
std::vector<NamedTensor> random_named_tensors(const std::vector<std::pair<std::string, std::vector<uint32_t>>>& shapes,
                                              uint32_t seed, float scale);

// The values of the tensor called `name`; aborts the test program if absent.
const std::vector<float>& tensor_values(const std::vector<NamedTensor>& tensors, const std::string& name);

struct MhaWeightsRef {
  const float* in_proj_weight;   // [3E, E]
  const float* in_proj_bias;     // [3E]
  const float* out_proj_weight;  // [E, E]
  const float* out_proj_bias;    // [E]
};

struct MhaReference {
  std::vector<double> out;             // [batch, steps, E]: every query, padded ones too (as PyTorch)
  std::vector<double> weights;         // [batch, steps, steps]: head-averaged attention weights
};

// nn.MultiheadAttention(E, heads, batch_first=True)(x, x, x, key_padding_mask = step < steps - valid).
MhaReference multihead_attention_reference(size_t batch, size_t steps, size_t dim, size_t heads,
                                           const std::vector<double>& x, const std::vector<uint32_t>& valid,
                                           const MhaWeightsRef& w);

struct LstmAttnReferenceDims {
  size_t steps, features, lstm_hidden, heads, dense_units;
};

struct LstmAttnReference {
  std::vector<double> anomaly_logits;  // [batch]
  std::vector<double> risk_logits;     // [batch]
  std::vector<double> attention;       // [batch, steps]: the latest query's head-averaged weights
};

// The whole lstm_attn function on windows [batch, steps, features] with
// `tensors` named as in the model file (lstm.*, attention.*, anomaly_head.*, risk_head.*).
LstmAttnReference lstm_attn_reference(const LstmAttnReferenceDims& dims, const std::vector<NamedTensor>& tensors,
                                      const std::vector<float>& windows, const std::vector<uint32_t>& valid);

}  // namespace fraudscore_test
