// Weight matrices packed once, at load, into the layout the f32_gemm_packed
// kernels read: panels of kPackedPanel output columns, each panel k-major
// ([k][kPackedPanel]), the last one zero-padded. A row of A is then
// multiplied by a broadcast scalar against contiguous vectors of W, with no
// horizontal sums (what makes batch-1 GEMV fast in 128-bit SIMD).
#pragma once

#include <cstddef>
#include <vector>

namespace fraudscore {

constexpr size_t kPackedPanel = 8;

// A packed W [n, k] (PyTorch's [out, in]); points into a PackedMatrix.
struct PackedWeights {
  const float* data = nullptr;
  size_t n = 0, k = 0;
};

size_t packed_floats(size_t n, size_t k);
// Pack W [n, k] (row stride ldw) into out[packed_floats(n, k)].
void pack_weights_f32(const float* w, size_t n, size_t k, size_t ldw, float* out);
// The unpacked value W[j, p] of a packed matrix (tests and reference code).
inline float packed_at(const PackedWeights& w, size_t j, size_t p) {
  return w.data[((j / kPackedPanel) * w.k + p) * kPackedPanel + j % kPackedPanel];
}

// Owns a packed copy of a weight matrix (made at model load).
class PackedMatrix {
 public:
  PackedMatrix() = default;
  PackedMatrix(const float* w, size_t n, size_t k) { pack(w, n, k); }
  PackedMatrix(const PackedMatrix&) = delete;
  PackedMatrix& operator=(const PackedMatrix&) = delete;
  void pack(const float* w, size_t n, size_t k);
  const PackedWeights& view() const { return view_; }

 private:
  std::vector<float> storage_;
  PackedWeights view_;
};

}  // namespace fraudscore
