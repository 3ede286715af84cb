#include "kernels/kernels.h"
#include "layers/activations.h"

namespace fraudscore {

void f32_lstm_cell_ref(size_t hidden, const float* gates, float* c, float* h) {
  const size_t H = hidden;
  for (size_t j = 0; j < H; ++j) {
    const float ig = sigmoid_f32(gates[j]);
    const float fg = sigmoid_f32(gates[H + j]);
    const float gg = tanh_f32(gates[2 * H + j]);
    const float og = sigmoid_f32(gates[3 * H + j]);
    c[j] = fg * c[j] + ig * gg;
    h[j] = og * tanh_f32(c[j]);
  }
}

void f32_tanh_ref(float* x, size_t n) { tanh_f32_inplace(x, n); }

}  // namespace fraudscore
