// Elementwise activations in float32, as PyTorch computes them.
#pragma once

#include <cmath>

namespace fraudscore {

inline float sigmoid_f32(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline double sigmoid_f64(double x) { return 1.0 / (1.0 + std::exp(-x)); }

inline void relu_f32_inplace(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

inline void tanh_f32_inplace(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
}

}  // namespace fraudscore
