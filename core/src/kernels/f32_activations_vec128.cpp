// The LSTM cell update and tanh in 128-bit vectors, with the polynomial exp
// of f32x4.h instead of one libm call per element (which dominated the
// recurrence); the tails use the scalar reference functions.
#include "kernels/kernels.h"

#if defined(FRAUDSCORE_HAVE_VEC128)
#include "kernels/f32x4.h"
#include "layers/activations.h"

namespace fraudscore {

namespace vec128 {

namespace {

const MathConstants kMathConstants = {
    {-87.0f, -87.0f, -87.0f, -87.0f}, {88.0f, 88.0f, 88.0f, 88.0f},
    {12582912.0f, 12582912.0f, 12582912.0f, 12582912.0f},  // 1.5 * 2^23
    {1.44269504088896341f, 1.44269504088896341f, 1.44269504088896341f, 1.44269504088896341f},
    {0.693359375f, 0.693359375f, 0.693359375f, 0.693359375f},
    {-2.12194440e-4f, -2.12194440e-4f, -2.12194440e-4f, -2.12194440e-4f},
    {1.9875691500e-4f, 1.9875691500e-4f, 1.9875691500e-4f, 1.9875691500e-4f},
    {1.3981999507e-3f, 1.3981999507e-3f, 1.3981999507e-3f, 1.3981999507e-3f},
    {8.3334519073e-3f, 8.3334519073e-3f, 8.3334519073e-3f, 8.3334519073e-3f},
    {4.1665795894e-2f, 4.1665795894e-2f, 4.1665795894e-2f, 4.1665795894e-2f},
    {1.6666665459e-1f, 1.6666665459e-1f, 1.6666665459e-1f, 1.6666665459e-1f},
    {5.0000001201e-1f, 5.0000001201e-1f, 5.0000001201e-1f, 5.0000001201e-1f},
    {1.0f, 1.0f, 1.0f, 1.0f}, {2.0f, 2.0f, 2.0f, 2.0f}, {127, 127, 127, 127}};

}  // namespace

const MathConstants* volatile g_math_constants = &kMathConstants;

}  // namespace vec128

void f32_lstm_cell_vec128(size_t hidden, const float* gates, float* c, float* h) {
  using namespace vec128;
  const MathConstants k = math_constants();
  const size_t H = hidden;
  size_t j = 0;
  for (; j + 4 <= H; j += 4) {
    const f32x4 ig = sigmoid(load(gates + j), k);
    const f32x4 fg = sigmoid(load(gates + H + j), k);
    const f32x4 gg = vec128::tanh(load(gates + 2 * H + j), k);
    const f32x4 og = sigmoid(load(gates + 3 * H + j), k);
    const f32x4 cn = fg * load(c + j) + ig * gg;
    store(c + j, cn);
    store(h + j, og * vec128::tanh(cn, k));
  }
  for (; j < H; ++j) lstm_unit_f32(gates, H, j, c, h);
}

void f32_tanh_vec128(float* x, size_t n) {
  const vec128::MathConstants k = vec128::math_constants();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vec128::store(x + i, vec128::tanh(vec128::load(x + i), k));
  for (; i < n; ++i) x[i] = tanh_f32(x[i]);
}

}  // namespace fraudscore

#endif  // FRAUDSCORE_HAVE_VEC128
