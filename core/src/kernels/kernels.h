// Kernel signatures shared by the scalar reference and every optimised
// variant. Optimised kernels are chosen in one place (dispatch.cpp) and are
// tested against the reference on seeded random inputs.
#pragma once

#include <cstddef>

namespace fraudscore {

// C[i, j] = (accumulate ? C[i, j] : 0) + (bias ? bias[j] : 0) + sum_k A[i, k] * W[j, k]
// for i < m, j < n. W is stored [n, k] row-major (PyTorch's [out, in] layout).
using F32GemmNtFn = void (*)(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                             const float* bias, bool accumulate, float* c, size_t ldc);

void f32_gemm_nt_ref(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                     const float* bias, bool accumulate, float* c, size_t ldc);

#if defined(__GNUC__)
// 128-bit SIMD through GCC/Clang vector extensions (SSE, NEON, WebAssembly SIMD128).
void f32_gemm_nt_vec128(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                        const float* bias, bool accumulate, float* c, size_t ldc);
#endif
#if defined(__x86_64__) && defined(__GNUC__)
// x86-64 with AVX2 and FMA (chosen at run time).
void f32_gemm_nt_avx2(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* w, size_t ldw,
                      const float* bias, bool accumulate, float* c, size_t ldc);
#endif

struct KernelTable {
  const char* isa;  // name of the instruction set the table was chosen for
  F32GemmNtFn f32_gemm_nt;
};

// The kernels for this build and CPU, chosen once.
const KernelTable& kernels();
// Every table this build has and this CPU can run (the reference first), so
// tests can hold each against the reference.
size_t kernel_table_count();
const KernelTable& kernel_table(size_t index);
// The scalar reference table, for tests and for comparison.
const KernelTable& reference_kernels();

}  // namespace fraudscore
