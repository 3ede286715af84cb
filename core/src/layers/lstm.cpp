#include "layers/lstm.h"

#include <cstring>

#include "layers/activations.h"

namespace fraudscore {

size_t lstm_scratch_floats(const LstmShape& s) {
  const size_t gates = 4 * s.hidden;
  // input projections for all steps + gates of one step + h + c
  return s.batch * s.steps * gates + s.batch * gates + 2 * s.batch * s.hidden;
}

namespace {

void run_direction(const KernelTable& k, const LstmShape& s, const float* x, const LstmDirectionWeights& wt,
                   bool reverse, float* scratch, float* out, size_t out_offset) {
  const size_t H = s.hidden, G = 4 * H;
  float* projections = scratch;                         // [batch * steps, 4H]
  float* gates = projections + s.batch * s.steps * G;   // [batch, 4H]
  float* h = gates + s.batch * G;                       // [batch, H]
  float* c = h + s.batch * H;                           // [batch, H]
  k.f32_gemm_nt(s.batch * s.steps, G, s.in, x, s.in, wt.w_ih, s.in, wt.bias, false, projections, G);
  std::memset(h, 0, s.batch * H * sizeof(float));
  std::memset(c, 0, s.batch * H * sizeof(float));
  for (size_t n = 0; n < s.steps; ++n) {
    const size_t t = reverse ? s.steps - 1 - n : n;
    for (size_t b = 0; b < s.batch; ++b)
      std::memcpy(gates + b * G, projections + (b * s.steps + t) * G, G * sizeof(float));
    k.f32_gemm_nt(s.batch, G, H, h, H, wt.w_hh, H, nullptr, true, gates, G);
    for (size_t b = 0; b < s.batch; ++b) {
      const float* g = gates + b * G;
      float* hb = h + b * H;
      float* cb = c + b * H;
      float* ob = out + (b * s.steps + t) * 2 * H + out_offset;
      for (size_t j = 0; j < H; ++j) {
        const float ig = sigmoid_f32(g[j]);
        const float fg = sigmoid_f32(g[H + j]);
        const float gg = tanh_f32(g[2 * H + j]);
        const float og = sigmoid_f32(g[3 * H + j]);
        cb[j] = fg * cb[j] + ig * gg;
        hb[j] = og * tanh_f32(cb[j]);
        ob[j] = hb[j];
      }
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
