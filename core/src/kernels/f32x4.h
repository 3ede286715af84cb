// 4 x float32 through GCC/Clang vector extensions (SSE, NEON, WebAssembly
// SIMD128 from one source) and the elementwise functions the vec128 kernels
// share. Only for translation units compiled where FRAUDSCORE_HAVE_VEC128.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace fraudscore {
namespace vec128 {

typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));

inline f32x4 load(const float* p) {
  f32x4 v;
  std::memcpy(&v, p, sizeof(v));  // unaligned
  return v;
}
inline void store(float* p, f32x4 v) { std::memcpy(p, &v, sizeof(v)); }
inline f32x4 splat(float x) { return f32x4{x, x, x, x}; }

// The constants of exp, sigmoid and tanh, read once per kernel call through
// an opaque pointer: V8 rebuilds every v128.const inside a loop (several
// instructions each, about 90 per LSTM cell step), where values the compiler
// cannot see stay in locals, that is in registers.
struct MathConstants {
  f32x4 lo, hi, magic, log2e, ln2_hi, ln2_lo, p0, p1, p2, p3, p4, p5, one, two;
  i32x4 exponent_bias;
};

extern const MathConstants* volatile g_math_constants;

inline MathConstants math_constants() { return *g_math_constants; }

// Clamp to [lo, hi] (x is never NaN here). WebAssembly's pmin/pmax are one
// instruction each; the generic f32x4.min/max that a vector ?: becomes handle
// NaN and -0 and cost several in V8.
inline f32x4 clamp(f32x4 x, f32x4 lo, f32x4 hi) {
#if defined(__wasm_simd128__)
  return reinterpret_cast<f32x4>(wasm_f32x4_pmin(reinterpret_cast<v128_t>(hi),
                                                 wasm_f32x4_pmax(reinterpret_cast<v128_t>(lo),
                                                                 reinterpret_cast<v128_t>(x))));
#else
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
#endif
}

// e^x: n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts), e^r by
// Cephes' degree-7 polynomial, times 2^n built in the exponent bits.
// Relative error about 1e-7 (a few ulp) over the clamped range [-87, 88],
// where e^x is finite and normal. n is rounded by adding 1.5 * 2^23 and read
// back from the bits as an integer: no float-to-int conversion (several
// instructions in V8), and no fast-math rewrite can fold integer arithmetic.
inline f32x4 exp(f32x4 x, const MathConstants& k) {
  x = clamp(x, k.lo, k.hi);
  const f32x4 t = x * k.log2e + k.magic;
  const i32x4 n = reinterpret_cast<i32x4>(t) - reinterpret_cast<i32x4>(k.magic);
  const f32x4 nf = __builtin_convertvector(n, f32x4);
  f32x4 r = x - nf * k.ln2_hi;
  r = r - nf * k.ln2_lo;
  f32x4 p = k.p0;
  p = p * r + k.p1;
  p = p * r + k.p2;
  p = p * r + k.p3;
  p = p * r + k.p4;
  p = p * r + k.p5;
  const f32x4 y = p * r * r + r + k.one;
  return y * reinterpret_cast<f32x4>((n + k.exponent_bias) << 23);
}

inline f32x4 sigmoid(f32x4 x, const MathConstants& k) { return k.one / (k.one + exp(-x, k)); }
// As the scalar tanh_f32: 1 - 2 / (1 + e^(2x)).
inline f32x4 tanh(f32x4 x, const MathConstants& k) { return k.one - k.two / (k.one + exp(x + x, k)); }

}  // namespace vec128
}  // namespace fraudscore
