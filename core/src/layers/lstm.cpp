#include "layers/lstm.h"

#include <cstring>


namespace fraudscore {

size_t lstm_scratch_floats(const LstmShape& s) {
  // input projections (then gates) for all steps + h + c
  return s.batch * s.steps * 4 * s.hidden + 2 * s.batch * s.hidden;
}

namespace {

void run_direction(const KernelTable& k, const LstmShape& s, const float* x, const LstmDirectionWeights& wt,
                   bool reverse, float* scratch, float* out, size_t out_offset) {
  const size_t H = s.hidden, G = 4 * H;
  float* gates = scratch;                          // [batch, steps, 4H]
  float* h = gates + s.batch * s.steps * G;        // [batch, H]
  float* c = h + s.batch * H;                      // [batch, H]
  k.f32_gemm_packed(s.batch * s.steps, x, s.in, wt.w_ih, wt.bias, false, gates, G);
  std::memset(c, 0, s.batch * H * sizeof(float));
  for (size_t n = 0; n < s.steps; ++n) {
    const size_t t = reverse ? s.steps - 1 - n : n;
    // The first step's h is zero: its product adds nothing.
    if (n > 0) k.f32_gemm_packed(s.batch, h, H, wt.w_hh, nullptr, true, gates + t * G, s.steps * G);
    for (size_t b = 0; b < s.batch; ++b) {
      float* hb = h + b * H;
      k.f32_lstm_cell(H, gates + (b * s.steps + t) * G, c + b * H, hb);
      std::memcpy(out + (b * s.steps + t) * 2 * H + out_offset, hb, H * sizeof(float));
    }
  }
}

}  // namespace

void bilstm_f32(const KernelTable& k, const LstmShape& s, const float* x, const LstmDirectionWeights& fwd,
                const LstmDirectionWeights& bwd, float* scratch, float* out) {
  run_direction(k, s, x, fwd, false, scratch, out, 0);
  run_direction(k, s, x, bwd, true, scratch, out, s.hidden);
}

}  // namespace fraudscore
