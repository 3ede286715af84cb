// The one place a family's tensors are checked against its architecture:
// present, the exact shape, the storage type the family reads, (Float64)
// aligned, and every value finite. Every family uses it, so the checks cannot drift apart.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

using TensorShapes = std::vector<std::pair<std::string, std::vector<uint32_t>>>;

// Check tensor `name` of model kind `family`; on success *out (if not null)
// points at it.
Status expect_tensor(const std::vector<TensorView>& tensors, const char* family, const std::string& name,
                     const std::vector<uint32_t>& shape, TensorDtype dtype, const TensorView** out = nullptr);

// expect_tensor for every (name, shape) of `shapes`, all of `dtype`.
Status expect_tensors(const std::vector<TensorView>& tensors, const char* family, const TensorShapes& shapes,
                      TensorDtype dtype);

// "4x8x2": a shape for messages.
std::string shape_text(const std::vector<uint32_t>& shape);

}  // namespace fraudscore
