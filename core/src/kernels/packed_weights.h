// Weight matrices packed once, at load, into the layout the f32_gemm_packed
// kernels read: panels of `panel` output columns, each panel k-major
// ([k][panel]), the last one zero-padded. A row of A is then multiplied by a
// broadcast scalar against contiguous vectors of W, with no horizontal sums
// (what makes batch-1 GEMV fast in SIMD). The panel width is the kernel
// table's (KernelTable::packed_panel): 8 floats for 128-bit and AVX2 kernels
// (two vectors, or one), 16 for AVX-512 (one vector), as XNNPACK packs per
// micro-kernel.
#pragma once

#include <cstddef>
#include <vector>

namespace fraudscore {

// The panel width of the 128-bit and AVX2 kernels.
constexpr size_t kPackedPanel = 8;

// A packed W [n, k] (PyTorch's [out, in]); points into a PackedMatrix.
struct PackedWeights {
  const float* data = nullptr;
  size_t n = 0, k = 0;
  size_t panel = kPackedPanel;
};

size_t packed_floats(size_t n, size_t k, size_t panel);
// Pack W [n, k] (row stride ldw) into out[packed_floats(n, k, panel)].
void pack_weights_f32(const float* w, size_t n, size_t k, size_t ldw, size_t panel, float* out);
// The unpacked value W[j, p] of a packed matrix (tests and reference code).
inline float packed_at(const PackedWeights& w, size_t j, size_t p) {
  return w.data[((j / w.panel) * w.k + p) * w.panel + j % w.panel];
}

// The panel width of the kernels this CPU runs (kernels().packed_panel).
size_t dispatched_packed_panel();

// Owns a packed copy of a weight matrix (made at model load).
class PackedMatrix {
 public:
  PackedMatrix() = default;
  // Packed for the dispatched kernels, or for a given table's panel width (tests).
  PackedMatrix(const float* w, size_t n, size_t k) { pack(w, n, k); }
  PackedMatrix(const float* w, size_t n, size_t k, size_t panel) { pack(w, n, k, panel); }
  PackedMatrix(const PackedMatrix&) = delete;
  PackedMatrix& operator=(const PackedMatrix&) = delete;
  void pack(const float* w, size_t n, size_t k) { pack(w, n, k, dispatched_packed_panel()); }
  void pack(const float* w, size_t n, size_t k, size_t panel);
  const PackedWeights& view() const { return view_; }

 private:
  std::vector<float> storage_;
  PackedWeights view_;
};

}  // namespace fraudscore
