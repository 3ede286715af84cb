#include "kernels/packed_weights.h"

#include "kernels/kernels.h"

namespace fraudscore {

size_t packed_floats(size_t n, size_t k, size_t panel) { return (n + panel - 1) / panel * panel * k; }

void pack_weights_f32(const float* w, size_t n, size_t k, size_t ldw, size_t panel, float* out) {
  const size_t panels = (n + panel - 1) / panel;
  for (size_t first = 0; first < panels * panel; first += panel)
    for (size_t p = 0; p < k; ++p)
      for (size_t lane = 0; lane < panel; ++lane) {
        const size_t j = first + lane;
        *out++ = j < n ? w[j * ldw + p] : 0.0f;
      }
}

size_t dispatched_packed_panel() { return kernels().packed_panel; }

void PackedMatrix::pack(const float* w, size_t n, size_t k, size_t panel) {
  storage_.assign(packed_floats(n, k, panel), 0.0f);
  pack_weights_f32(w, n, k, k, panel, storage_.data());
  view_ = {storage_.data(), n, k, panel};
}

}  // namespace fraudscore
