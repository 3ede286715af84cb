// A verified tensor of the model file (float32, float64 or int32), read in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fraudscore {

enum class TensorDtype : uint8_t { Float32, Float64, Int32 };

struct TensorView {
  std::string name;
  TensorDtype dtype = TensorDtype::Float32;
  std::vector<uint32_t> shape;
  const float* data = nullptr;   // Float32 tensors
  const double* f64 = nullptr;   // Float64 tensors
  const int32_t* i32 = nullptr;  // Int32 tensors
  size_t count = 0;
};

// Find a tensor by name; nullptr if absent.
inline const TensorView* find_tensor(const std::vector<TensorView>& tensors, const char* name) {
  for (const TensorView& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace fraudscore
