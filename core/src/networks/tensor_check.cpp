#include "networks/tensor_check.h"

#include <cmath>

namespace fraudscore {

std::string shape_text(const std::vector<uint32_t>& shape) {
  std::string text;
  for (uint32_t v : shape) text += (text.empty() ? "" : "x") + std::to_string(v);
  return text;
}

namespace {

const char* dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::Float64: return "Float64";
    case TensorDtype::Int32: return "Int32";
    default: return "Float32";
  }
}

const void* values(const TensorView& t, TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::Float64: return t.f64;
    case TensorDtype::Int32: return t.i32;
    default: return t.data;
  }
}

}  // namespace

Status expect_tensor(const std::vector<TensorView>& tensors, const char* family, const std::string& name,
                     const std::vector<uint32_t>& shape, TensorDtype dtype, const TensorView** out) {
  const TensorView* t = find_tensor(tensors, name.c_str());
  if (!t) return Status::error(FS_ERR_SHAPE, "%s tensor '%s' is missing", family, name.c_str());
  if (t->shape != shape)
    return Status::error(FS_ERR_SHAPE, "tensor '%s' has shape [%s]; the architecture needs [%s]", name.c_str(),
                         shape_text(t->shape).c_str(), shape_text(shape).c_str());
  if (t->dtype != dtype)
    return Status::error(FS_ERR_UNSUPPORTED, "tensor '%s' is stored as %s; %s reads it as %s", name.c_str(),
                         dtype_name(t->dtype), family, dtype_name(dtype));
  // A stored type with no values behind it is refused here, so no family ever
  // dereferences a null weight pointer.
  const void* data = values(*t, dtype);
  if (t->count > 0 && !data)
    return Status::error(FS_ERR_CORRUPT, "tensor '%s' has no %s values", name.c_str(), dtype_name(dtype));
  if (dtype == TensorDtype::Float64 && reinterpret_cast<uintptr_t>(t->f64) % alignof(double) != 0)
    return Status::error(FS_ERR_CORRUPT, "tensor '%s' is not 8-byte aligned", name.c_str());
  if (dtype == TensorDtype::Int32) {
    if (out) *out = t;
    return Status::ok();  // integers are always finite; their ranges are the family's to check
  }
  for (size_t i = 0; i < t->count; ++i)
    if (!std::isfinite(dtype == TensorDtype::Float64 ? t->f64[i] : static_cast<double>(t->data[i])))
      return Status::error(FS_ERR_VALUE, "tensor '%s' holds a non-finite value at index %zu", name.c_str(), i);
  if (out) *out = t;
  return Status::ok();
}

Status expect_tensors(const std::vector<TensorView>& tensors, const char* family, const TensorShapes& shapes,
                      TensorDtype dtype) {
  for (const auto& expected : shapes)
    FS_RETURN_IF_ERROR(expect_tensor(tensors, family, expected.first, expected.second, dtype));
  return Status::ok();
}

}  // namespace fraudscore
