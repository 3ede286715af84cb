// The one place where kernels are chosen for the ISA this build targets and
// the CPU it runs on. GCC and Clang get the 128-bit vector-extension kernels
// (compiled to SSE, NEON or WebAssembly SIMD128 by the target flags) where the
// target has 128-bit vectors (FRAUDSCORE_HAVE_VEC128); x86-64
// CPUs with AVX2 and FMA get those; other compilers the reference.
#include "kernels/kernels.h"

namespace fraudscore {
namespace {

const KernelTable kReference{"reference", f32_gemm_nt_ref, f32_gemm_packed_ref, f32_lstm_cell_ref, f32_tanh_ref};
#if defined(FRAUDSCORE_HAVE_VEC128)
const KernelTable kVec128{"vec128", f32_gemm_nt_vec128, f32_gemm_packed_vec128, f32_lstm_cell_vec128,
                           f32_tanh_vec128};
#endif
#if defined(__x86_64__) && defined(__GNUC__)
// The packed kernels and activations are the 128-bit ones (SSE on x86-64).
const KernelTable kAvx2{"avx2-fma", f32_gemm_nt_avx2, f32_gemm_packed_vec128, f32_lstm_cell_vec128, f32_tanh_vec128};

bool cpu_has_avx2_fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
#endif

struct Tables {
  const KernelTable* all[3];
  size_t count = 0;
  Tables() {
    all[count++] = &kReference;
#if defined(FRAUDSCORE_HAVE_VEC128)
    all[count++] = &kVec128;
#endif
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2_fma()) all[count++] = &kAvx2;
#endif
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const KernelTable& reference_kernels() { return kReference; }

// The last table is the most capable one this CPU runs.
const KernelTable& kernels() { return *tables().all[tables().count - 1]; }

size_t kernel_table_count() { return tables().count; }

const KernelTable& kernel_table(size_t index) { return *tables().all[index < tables().count ? index : 0]; }

}  // namespace fraudscore
