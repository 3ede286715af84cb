// The LSTM cell update and tanh for x86-64 CPUs with AVX2 and FMA: the
// polynomial exp of f32x4.h (Cephes, about 1e-7 relative) in 8 lanes with
// fused multiply-adds; the tails use the scalar reference functions.
// Compiled for AVX2 per function; dispatch.cpp picks it when the CPU has both.
#if defined(__x86_64__) && defined(__GNUC__)

#include "kernels/kernels.h"
#include "kernels/x86_simd.h"
#include "layers/activations.h"

namespace fraudscore {
namespace {

// e^x over x clamped to [-87, 88]: n = round(x / ln 2) by the 1.5 * 2^23
// trick, r = x - n ln 2 in two parts, e^r by the degree-7 polynomial, times 2^n.
FS_TARGET_AVX2 inline __m256 exp8(__m256 x) {
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(magic));
  const __m256 nf = _mm256_cvtepi32_ps(n);
  __m256 r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(scale));
}

FS_TARGET_AVX2 inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// As the scalar tanh_f32: 1 - 2 / (1 + e^(2x)).
FS_TARGET_AVX2 inline __m256 tanh8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(one, exp8(_mm256_add_ps(x, x)))));
}

}  // namespace

FS_TARGET_AVX2 void f32_lstm_cell_avx2(size_t hidden, const float* gates, float* c, float* h) {
  const size_t H = hidden;
  size_t j = 0;
  for (; j + 8 <= H; j += 8) {
    const __m256 ig = sigmoid8(_mm256_loadu_ps(gates + j));
    const __m256 fg = sigmoid8(_mm256_loadu_ps(gates + H + j));
    const __m256 gg = tanh8(_mm256_loadu_ps(gates + 2 * H + j));
    const __m256 og = sigmoid8(_mm256_loadu_ps(gates + 3 * H + j));
    const __m256 cn = _mm256_fmadd_ps(fg, _mm256_loadu_ps(c + j), _mm256_mul_ps(ig, gg));
    _mm256_storeu_ps(c + j, cn);
    _mm256_storeu_ps(h + j, _mm256_mul_ps(og, tanh8(cn)));
  }
  for (; j < H; ++j) lstm_unit_f32(gates, H, j, c, h);
}

FS_TARGET_AVX2 void f32_tanh_avx2(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, tanh8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = tanh_f32(x[i]);
}

}  // namespace fraudscore

#endif  // __x86_64__ && __GNUC__
