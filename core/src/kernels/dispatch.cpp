// The one place where kernels are chosen for the ISA this build targets and
// the CPU it runs on. GCC and Clang get the 128-bit vector-extension kernels
// (compiled to SSE, NEON or WebAssembly SIMD128 by the target flags) where the
// target has 128-bit vectors (FRAUDSCORE_HAVE_VEC128); x86-64 CPUs with AVX2
// and FMA get those, and with AVX-512F the 512-bit ones; other compilers the
// reference.
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.h"

namespace fraudscore {
namespace {

const KernelTable kReference{"reference",       kPackedPanel,      f32_gemm_nt_ref,
                             f32_gemm_packed_ref, f32_lstm_cell_ref, f32_tanh_ref};
#if defined(FRAUDSCORE_HAVE_VEC128)
const KernelTable kVec128{"vec128",       kPackedPanel,           f32_gemm_nt_vec128, f32_gemm_packed_vec128,
                          f32_lstm_cell_vec128, f32_tanh_vec128};
#endif
#if defined(__x86_64__) && defined(__GNUC__)
const KernelTable kAvx2{"avx2-fma",        kPackedPanel,       f32_gemm_nt_avx2, f32_gemm_packed_avx2,
                        f32_lstm_cell_avx2, f32_tanh_avx2};
// f32_gemm_nt serves only n = 1 products (attention scores, the last dense
// layer): the AVX2 one is as fast there.
const KernelTable kAvx512{"avx512",           16,                   f32_gemm_nt_avx2, f32_gemm_packed_avx512,
                          f32_lstm_cell_avx512, f32_tanh_avx512};

bool cpu_has_avx2_fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
// libgcc's check includes the operating system's support for the zmm state.
bool cpu_has_avx512() { return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f"); }
#endif

struct Tables {
  const KernelTable* all[4];
  size_t count = 0;
  size_t chosen = 0;
  Tables() {
    all[count++] = &kReference;
#if defined(FRAUDSCORE_HAVE_VEC128)
    all[count++] = &kVec128;
#endif
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2_fma()) all[count++] = &kAvx2;
    if (cpu_has_avx512()) all[count++] = &kAvx512;
#endif
    chosen = count - 1;
#if !defined(__EMSCRIPTEN__)
    // Not in WebAssembly: getenv there imports WASI's environment functions, which the npm package's
    // loader does not provide (instantiation fails), and a wasm build has one kernel set anyway.
    const char* wanted = std::getenv("FRAUDSCORE_KERNELS");
    for (size_t i = 0; wanted && i < count; ++i)
      if (std::strcmp(all[i]->isa, wanted) == 0) chosen = i;
#endif
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const KernelTable& reference_kernels() { return kReference; }

const KernelTable& kernels() { return *tables().all[tables().chosen]; }

size_t kernel_table_count() { return tables().count; }

const KernelTable& kernel_table(size_t index) { return *tables().all[index < tables().count ? index : 0]; }

}  // namespace fraudscore
