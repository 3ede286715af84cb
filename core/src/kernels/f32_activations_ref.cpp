#include "kernels/kernels.h"
#include "layers/activations.h"

namespace fraudscore {

void f32_lstm_cell_ref(size_t hidden, const float* gates, float* c, float* h) {
  for (size_t j = 0; j < hidden; ++j) lstm_unit_f32(gates, hidden, j, c, h);
}

void f32_tanh_ref(float* x, size_t n) { tanh_f32_inplace(x, n); }

}  // namespace fraudscore
