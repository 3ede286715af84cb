// Kernel signatures shared by the scalar reference and every optimised
// variant. Optimised kernels are chosen in one place (dispatch.cpp) and are
// tested against the reference on seeded random inputs.
#pragma once

#include <cstddef>

#include "kernels/packed_weights.h"

namespace fraudscore {

// C[i, j] = (accumulate ? C[i, j] : 0) + (bias ? bias[j] : 0) + sum_k A[i, k] * W[j, k]
// for i < m, j < n. W is stored [n, k] row-major (PyTorch's [out, in] layout).
using F32GemmNtFn = void (*)(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                             const float* bias, bool accumulate, float* c, size_t ldc);

void f32_gemm_nt_ref(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                     const float* bias, bool accumulate, float* c, size_t ldc);

// C[i, j] = (accumulate ? C[i, j] : 0) + (bias ? bias[j] : 0) + sum_k A[i, k] * W[j, k]
// for i < m, j < w.n, k < w.k, with W packed at load (packed_weights.h).
using F32GemmPackedFn = void (*)(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                                 bool accumulate, float* c, size_t ldc);
// One LSTM cell update for `hidden` units from the gate pre-activations
// [i, f, g, o] (4 x hidden): c = sigmoid(f) c + sigmoid(i) tanh(g),
// h = sigmoid(o) tanh(c).
using F32LstmCellFn = void (*)(size_t hidden, const float* gates, float* c, float* h);
// x = tanh(x), elementwise.
using F32TanhFn = void (*)(float* x, size_t n);

void f32_gemm_packed_ref(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                         bool accumulate, float* c, size_t ldc);
void f32_lstm_cell_ref(size_t hidden, const float* gates, float* c, float* h);
void f32_tanh_ref(float* x, size_t n);

// 128-bit vectors: every GCC/Clang target here has them (SSE, NEON, WebAssembly
// SIMD128) except WebAssembly built without -msimd128, the baseline build for
// engines without SIMD, which gets the reference kernels.
#if defined(__GNUC__) && !(defined(__wasm__) && !defined(__wasm_simd128__))
#define FRAUDSCORE_HAVE_VEC128 1
#endif

#if defined(FRAUDSCORE_HAVE_VEC128)
// 128-bit SIMD through GCC/Clang vector extensions (SSE, NEON, WebAssembly SIMD128).
void f32_gemm_nt_vec128(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                        const float* bias, bool accumulate, float* c, size_t ldc);
void f32_gemm_packed_vec128(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                            bool accumulate, float* c, size_t ldc);
void f32_lstm_cell_vec128(size_t hidden, const float* gates, float* c, float* h);
void f32_tanh_vec128(float* x, size_t n);
#endif
#if defined(__x86_64__) && defined(__GNUC__)
// x86-64 with AVX2 and FMA (chosen at run time); packed panels of 8.
void f32_gemm_nt_avx2(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                      const float* bias, bool accumulate, float* c, size_t ldc);
void f32_gemm_packed_avx2(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                          bool accumulate, float* c, size_t ldc);
void f32_lstm_cell_avx2(size_t hidden, const float* gates, float* c, float* h);
void f32_tanh_avx2(float* x, size_t n);
// x86-64 with AVX-512F (chosen at run time); packed panels of 16.
void f32_gemm_packed_avx512(size_t m, const float* a, size_t lda, const PackedWeights& w, const float* bias,
                            bool accumulate, float* c, size_t ldc);
void f32_lstm_cell_avx512(size_t hidden, const float* gates, float* c, float* h);
void f32_tanh_avx512(float* x, size_t n);
#endif

struct KernelTable {
  const char* isa;  // name of the instruction set the table was chosen for
  // The panel width its f32_gemm_packed reads (packed_weights.h): weights are
  // packed at load for the dispatched table.
  size_t packed_panel;
  F32GemmNtFn f32_gemm_nt;
  F32GemmPackedFn f32_gemm_packed;
  F32LstmCellFn f32_lstm_cell;
  F32TanhFn f32_tanh;
};

// The kernels for this build and CPU, chosen once: the most capable table
// the CPU runs, or the table named by the environment variable
// FRAUDSCORE_KERNELS (e.g. "avx2-fma", to compare ISAs on one machine) where
// this CPU runs it.
const KernelTable& kernels();
// Every table this build has and this CPU can run (the reference first), so
// tests can hold each against the reference.
size_t kernel_table_count();
const KernelTable& kernel_table(size_t index);
// The scalar reference table, for tests and for comparison.
const KernelTable& reference_kernels();

}  // namespace fraudscore
