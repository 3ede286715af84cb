#include "networks/bilstm_tensors.h"

namespace fraudscore {

void append_bilstm_tensor_shapes(uint32_t in, uint32_t hidden, TensorShapes* shapes) {
  const uint32_t G = 4 * hidden;
  for (const char* suffix : {"", "_reverse"}) {
    const std::string s(suffix);
    shapes->push_back({"lstm.weight_ih_l0" + s, {G, in}});
    shapes->push_back({"lstm.weight_hh_l0" + s, {G, hidden}});
    shapes->push_back({"lstm.bias_ih_l0" + s, {G}});
    shapes->push_back({"lstm.bias_hh_l0" + s, {G}});
  }
}

void BilstmWeights::read(const std::vector<TensorView>& t, uint32_t hidden) {
  auto get = [&](const char* name) { return find_tensor(t, name)->data; };
  const size_t G = 4 * size_t{hidden};
  bias_sums_.resize(2 * G);
  for (size_t j = 0; j < G; ++j) {
    bias_sums_[j] = get("lstm.bias_ih_l0")[j] + get("lstm.bias_hh_l0")[j];
    bias_sums_[G + j] = get("lstm.bias_ih_l0_reverse")[j] + get("lstm.bias_hh_l0_reverse")[j];
  }
  const size_t in = find_tensor(t, "lstm.weight_ih_l0")->shape[1];
  fwd_ih_.pack(get("lstm.weight_ih_l0"), G, in);
  fwd_hh_.pack(get("lstm.weight_hh_l0"), G, hidden);
  bwd_ih_.pack(get("lstm.weight_ih_l0_reverse"), G, in);
  bwd_hh_.pack(get("lstm.weight_hh_l0_reverse"), G, hidden);
  fwd_ = {fwd_ih_.view(), fwd_hh_.view(), bias_sums_.data()};
  bwd_ = {bwd_ih_.view(), bwd_hh_.view(), bias_sums_.data() + G};
}

}  // namespace fraudscore
