// The one place where kernels are chosen for the ISA this build targets.
// Only the scalar reference exists so far; SIMD variants (SSE/AVX2, NEON,
// WebAssembly SIMD128) plug in here behind their #if.
#include "kernels/kernels.h"

namespace fraudscore {

const KernelTable& reference_kernels() {
  static const KernelTable table{"reference", f32_gemm_nt_ref};
  return table;
}

const KernelTable& kernels() { return reference_kernels(); }

}  // namespace fraudscore
