// f32_gemm_packed in 128-bit vectors (SSE, NEON, WebAssembly SIMD128): each
// panel of 8 outputs is two vectors; a scalar of A is broadcast against them.
// Blocks of 4 rows x 1 panel, or for the last rows (and batch-1 GEMV) 1 row
// x 4 panels: 8 accumulators either way, as many as V8 keeps in registers.
// Each output sums its products in k order, like the reference.
#include "kernels/kernels.h"

#if defined(FRAUDSCORE_HAVE_VEC128)
#include "kernels/f32x4.h"

namespace fraudscore {

namespace {

using vec128::f32x4;
using vec128::load;
using vec128::splat;

// Store one panel's 8 results for one row: + bias, + the old C if accumulating.
inline void store_panel(float* c_row, size_t j, size_t n, f32x4 lo, f32x4 hi, const float* bias, bool accumulate) {
  if (j + kPackedPanel <= n) {
    if (bias) {
      lo += load(bias + j);
      hi += load(bias + j + 4);
    }
    if (accumulate) {
      lo += load(c_row + j);
      hi += load(c_row + j + 4);
    }
    vec128::store(c_row + j, lo);
    vec128::store(c_row + j + 4, hi);
    return;
  }
  float lanes[kPackedPanel];
  vec128::store(lanes, lo);
  vec128::store(lanes + 4, hi);
  for (size_t q = 0; j + q < n; ++q) {
    float v = lanes[q];
    if (bias) v += bias[j + q];
    c_row[j + q] = accumulate ? c_row[j + q] + v : v;
  }
}

}  // namespace

void f32_gemm_packed_vec128(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                            bool accumulate, float* c, size_t ldc) {
  const size_t k = w.k, panels = (w.n + kPackedPanel - 1) / kPackedPanel, panel_floats = k * kPackedPanel;
  size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    for (size_t panel = 0; panel < panels; ++panel) {
      const float* wp = w.data + panel * panel_floats;
      f32x4 c0 = {0}, d0 = {0}, c1 = {0}, d1 = {0}, c2 = {0}, d2 = {0}, c3 = {0}, d3 = {0};
      for (size_t p = 0; p < k; ++p) {
        const f32x4 lo = load(wp + p * kPackedPanel), hi = load(wp + p * kPackedPanel + 4);
        const f32x4 x0 = splat(a0[p]), x1 = splat(a1[p]), x2 = splat(a2[p]), x3 = splat(a3[p]);
        c0 += x0 * lo;
        d0 += x0 * hi;
        c1 += x1 * lo;
        d1 += x1 * hi;
        c2 += x2 * lo;
        d2 += x2 * hi;
        c3 += x3 * lo;
        d3 += x3 * hi;
      }
      const size_t j = panel * kPackedPanel;
      store_panel(c + i * ldc, j, w.n, c0, d0, bias, accumulate);
      store_panel(c + (i + 1) * ldc, j, w.n, c1, d1, bias, accumulate);
      store_panel(c + (i + 2) * ldc, j, w.n, c2, d2, bias, accumulate);
      store_panel(c + (i + 3) * ldc, j, w.n, c3, d3, bias, accumulate);
    }
  }
  for (; i < m; ++i) {
    const float* a_row = a + i * lda;
    float* c_row = c + i * ldc;
    size_t panel = 0;
    for (; panel + 4 <= panels; panel += 4) {
      const float* w0 = w.data + panel * panel_floats;
      const float *w1 = w0 + panel_floats, *w2 = w1 + panel_floats, *w3 = w2 + panel_floats;
      f32x4 c0 = {0}, d0 = {0}, c1 = {0}, d1 = {0}, c2 = {0}, d2 = {0}, c3 = {0}, d3 = {0};
      for (size_t p = 0; p < k; ++p) {
        const f32x4 x = splat(a_row[p]);
        const size_t o = p * kPackedPanel;
        c0 += x * load(w0 + o);
        d0 += x * load(w0 + o + 4);
        c1 += x * load(w1 + o);
        d1 += x * load(w1 + o + 4);
        c2 += x * load(w2 + o);
        d2 += x * load(w2 + o + 4);
        c3 += x * load(w3 + o);
        d3 += x * load(w3 + o + 4);
      }
      const size_t j = panel * kPackedPanel;
      store_panel(c_row, j, w.n, c0, d0, bias, accumulate);
      store_panel(c_row, j + kPackedPanel, w.n, c1, d1, bias, accumulate);
      store_panel(c_row, j + 2 * kPackedPanel, w.n, c2, d2, bias, accumulate);
      store_panel(c_row, j + 3 * kPackedPanel, w.n, c3, d3, bias, accumulate);
    }
    for (; panel < panels; ++panel) {
      const float* wp = w.data + panel * panel_floats;
      f32x4 lo = {0}, hi = {0};
      for (size_t p = 0; p < k; ++p) {
        const f32x4 x = splat(a_row[p]);
        lo += x * load(wp + p * kPackedPanel);
        hi += x * load(wp + p * kPackedPanel + 4);
      }
      store_panel(c_row, panel * kPackedPanel, w.n, lo, hi, bias, accumulate);
    }
  }
}

}  // namespace fraudscore

#endif  // FRAUDSCORE_HAVE_VEC128
