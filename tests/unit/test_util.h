// Small helpers shared by the unit test files.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"

namespace fraudscore_test {

// Uniform in [lo, hi) from one raw mt19937 output: the same values with every
// standard library (std::uniform_real_distribution is not portable).
inline float uniform(std::mt19937& rng, float lo, float hi) {
  const double unit = static_cast<double>(rng()) / 4294967296.0;
  return static_cast<float>(lo + (hi - lo) * unit);
}

inline std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  for (float& x : v) x = uniform(rng, lo, hi);
  return v;
}

inline bool contains(const char* haystack, const char* needle) {
  return haystack && std::strstr(haystack, needle) != nullptr;
}

// The calling thread's last error, as a std::string (for doctest messages).
inline std::string last_error() { return fs_last_error(); }

}  // namespace fraudscore_test
