#include "kernels/packed_weights.h"

namespace fraudscore {

size_t packed_floats(size_t n, size_t k) { return (n + kPackedPanel - 1) / kPackedPanel * kPackedPanel * k; }

void pack_weights_f32(const float* w, size_t n, size_t k, size_t ldw, float* out) {
  const size_t panels = (n + kPackedPanel - 1) / kPackedPanel;
  for (size_t panel = 0; panel < panels; ++panel)
    for (size_t p = 0; p < k; ++p)
      for (size_t lane = 0; lane < kPackedPanel; ++lane) {
        const size_t j = panel * kPackedPanel + lane;
        *out++ = j < n ? w[j * ldw + p] : 0.0f;
      }
}

void PackedMatrix::pack(const float* w, size_t n, size_t k) {
  storage_.assign(packed_floats(n, k), 0.0f);
  pack_weights_f32(w, n, k, k, storage_.data());
  view_ = {storage_.data(), n, k};
}

}  // namespace fraudscore
