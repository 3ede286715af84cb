// The LSTM cell update and tanh for x86-64 CPUs with AVX-512F: the
// polynomial exp of f32x4.h (Cephes, about 1e-7 relative) in 16 lanes with
// fused multiply-adds; the tails run the same code under a lane mask.
// Compiled for AVX-512 per function; dispatch.cpp picks it when the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__)

#include "kernels/kernels.h"
#include "kernels/x86_simd.h"

namespace fraudscore {
namespace {

// e^x over x clamped to [-87, 88]: n = round(x / ln 2) by the 1.5 * 2^23
// trick, r = x - n ln 2 in two parts, e^r by the degree-7 polynomial, times 2^n.
FS_TARGET_AVX512 inline __m512 exp16(__m512 x) {
  const __m512 magic = _mm512_set1_ps(12582912.0f);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
  const __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), magic);
  const __m512i n = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_castps_si512(magic));
  const __m512 nf = _mm512_cvtepi32_ps(n);
  __m512 r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  const __m512i scale = _mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(y, _mm512_castsi512_ps(scale));
}

FS_TARGET_AVX512 inline __m512 sigmoid16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// As the scalar tanh_f32: 1 - 2 / (1 + e^(2x)).
FS_TARGET_AVX512 inline __m512 tanh16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(one, exp16(_mm512_add_ps(x, x)))));
}

}  // namespace

FS_TARGET_AVX512 void f32_lstm_cell_avx512(size_t hidden, const float* gates, float* c, float* h) {
  const size_t H = hidden;
  for (size_t j = 0; j < H; j += 16) {
    const __mmask16 m = H - j >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (H - j)) - 1u);
    const __m512 ig = sigmoid16(_mm512_maskz_loadu_ps(m, gates + j));
    const __m512 fg = sigmoid16(_mm512_maskz_loadu_ps(m, gates + H + j));
    const __m512 gg = tanh16(_mm512_maskz_loadu_ps(m, gates + 2 * H + j));
    const __m512 og = sigmoid16(_mm512_maskz_loadu_ps(m, gates + 3 * H + j));
    const __m512 cn = _mm512_fmadd_ps(fg, _mm512_maskz_loadu_ps(m, c + j), _mm512_mul_ps(ig, gg));
    _mm512_mask_storeu_ps(c + j, m, cn);
    _mm512_mask_storeu_ps(h + j, m, _mm512_mul_ps(og, tanh16(cn)));
  }
}

FS_TARGET_AVX512 void f32_tanh_avx512(float* x, size_t n) {
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(x + i, m, tanh16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace fraudscore

#endif  // __x86_64__ && __GNUC__
