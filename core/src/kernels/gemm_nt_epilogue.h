// The scalar part every f32_gemm_nt SIMD kernel shares: the k % 8 tail of a
// dot product and the bias/accumulate store. Plain C++, so it is the same
// code in every ISA's translation unit.
#pragma once

#include <cstddef>

namespace fraudscore {

// Finish output c_row[j] from the SIMD part `sum` of the dot product of a_row
// and w_row over [0, k8): add the tail [k8, k), the bias, and store.
inline void gemm_nt_finish(float sum, const float* a_row, const float* w_row, size_t k8, size_t k, size_t j,
                           const float* bias, bool accumulate, float* c_row) {
  for (size_t p = k8; p < k; ++p) sum += a_row[p] * w_row[p];
  if (bias) sum += bias[j];
  c_row[j] = accumulate ? c_row[j] + sum : sum;
}

}  // namespace fraudscore
