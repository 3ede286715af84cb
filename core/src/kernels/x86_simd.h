// The x86-64 intrinsics and the per-function target attributes of the AVX2
// and AVX-512 kernels: the rest of the build stays at the baseline ISA, and
// dispatch.cpp calls these only on CPUs that have the instructions.
#pragma once
#if defined(__x86_64__) && defined(__GNUC__)

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_ps(), which it
// then reports as maybe used uninitialized (GCC bug 105593).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#define FS_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define FS_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))

#endif  // __x86_64__ && __GNUC__
