// The one place where kernels are chosen for the ISA this build targets.
// GCC and Clang get the vector-extension kernels (compiled to SSE/AVX, NEON or
// WebAssembly SIMD128 by the target flags); other compilers the reference.
// ISA-specific variants (AVX-512, hand-written SIMD128) plug in here.
#include "kernels/kernels.h"

namespace fraudscore {

const KernelTable& reference_kernels() {
  static const KernelTable table{"reference", f32_gemm_nt_ref};
  return table;
}

const KernelTable& kernels() {
#if defined(__GNUC__)
  static const KernelTable table{"vector", f32_gemm_nt_vector};
  return table;
#else
  return reference_kernels();
#endif
}

}  // namespace fraudscore
