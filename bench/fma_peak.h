// The one-core FMA floor: the GFLOP/s of a loop of independent fused
// multiply-adds held in registers, in the vectors of the kernel set the
// library chose (fs_kernels()), so that a network's GFLOP/s can be stated as
// a fraction of what this core can do at all.
#pragma once

#include <string>

namespace fraudscore_bench {

struct FmaPeak {
  std::string vectors;  // what the loop ran: "512-bit FMA", "256-bit FMA", "128-bit mul+add"
  double gflops = 0;    // multiply and add counted apart
  double flops_per_cycle = 0;  // of that vector width, at two FMA pipes (Zen 4/5, Intel since Haswell)
};

// Runs the loop for about `seconds` and returns the best of five slices.
FmaPeak measure_fma_peak(const std::string& kernels, double seconds);

}  // namespace fraudscore_bench
