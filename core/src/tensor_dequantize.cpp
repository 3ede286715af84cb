#include "tensor_dequantize.h"

#include <cmath>
#include <cstring>
#include <new>

#include "model_generated.h"

namespace fraudscore {

float half_to_float(uint16_t bits) {
  const uint32_t sign = uint32_t{bits & 0x8000u} << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  const uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  const uint32_t out = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)  // inf / NaN
                                        : sign | ((exponent + 112) << 23) | (mantissa << 13);
  float f;
  std::memcpy(&f, &out, sizeof f);
  return f;
}

namespace {

Status dequantize_f16(const uint8_t* raw, const char* name, uint64_t count, std::vector<float>* out) {
  for (uint64_t i = 0; i < count; ++i) {
    const uint16_t bits = static_cast<uint16_t>(raw[2 * i] | (raw[2 * i + 1] << 8));
    const float v = half_to_float(bits);
    if (!std::isfinite(v))
      return Status::error(FS_ERR_VALUE, "tensor '%s' holds a non-finite value at index %llu", name,
                           static_cast<unsigned long long>(i));
    (*out)[static_cast<size_t>(i)] = v;
  }
  return Status::ok();
}

Status dequantize_i8(const schema::Tensor& t, const uint8_t* raw, const char* name, uint64_t count, uint64_t rows,
                     std::vector<float>* out) {
  const auto* scale = t.scale();
  const auto* zero_point = t.zero_point();
  const uint64_t groups = scale ? scale->size() : 0;
  if (groups != 1 && (groups != rows || rows == 0))
    return Status::error(FS_ERR_SHAPE, "Int8 tensor '%s' has %llu scales; it needs 1 or one per row (%llu)", name,
                         static_cast<unsigned long long>(groups), static_cast<unsigned long long>(rows));
  if (zero_point && zero_point->size() != 0 && zero_point->size() != groups)
    return Status::error(FS_ERR_SHAPE, "Int8 tensor '%s' has %u zero points for %llu scales", name,
                         zero_point->size(), static_cast<unsigned long long>(groups));
  for (uint64_t g = 0; g < groups; ++g) {
    const float s = scale->Get(static_cast<flatbuffers::uoffset_t>(g));
    if (!(std::isfinite(s) && s > 0.0f))
      return Status::error(FS_ERR_VALUE, "Int8 tensor '%s' has scale %g; scales must be finite and positive", name,
                           static_cast<double>(s));
    if (zero_point && zero_point->size() != 0) {
      const int32_t z = zero_point->Get(static_cast<flatbuffers::uoffset_t>(g));
      if (z < -128 || z > 127)
        return Status::error(FS_ERR_VALUE, "Int8 tensor '%s' has zero point %d outside -128..127", name, z);
    }
  }
  const uint64_t per_group = count / groups;
  for (uint64_t i = 0; i < count; ++i) {
    const auto g = static_cast<flatbuffers::uoffset_t>(per_group ? i / per_group : 0);
    const int32_t z = zero_point && zero_point->size() != 0 ? zero_point->Get(g) : 0;
    const int32_t q = static_cast<int8_t>(raw[i]);
    // |q - z| <= 255 and scale finite: float32 keeps it finite unless scale is near FLT_MAX.
    const float v = static_cast<float>(q - z) * scale->Get(g);
    if (!std::isfinite(v))
      return Status::error(FS_ERR_VALUE, "tensor '%s' holds a non-finite value at index %llu", name,
                           static_cast<unsigned long long>(i));
    (*out)[static_cast<size_t>(i)] = v;
  }
  return Status::ok();
}

}  // namespace

Status dequantize_tensor(const schema::Tensor& t, const char* name, uint64_t count, uint64_t rows,
                         std::vector<float>* out) {
  const bool half = t.dtype() == schema::DataType::Float16;
  const uint64_t bytes = count * (half ? 2 : 1);
  const uint64_t stored = t.raw() ? t.raw()->size() : 0;
  if (stored != bytes)
    return Status::error(FS_ERR_SHAPE, "tensor '%s' has %llu bytes of %s data; its shape needs %llu", name,
                         static_cast<unsigned long long>(stored), half ? "Float16" : "Int8",
                         static_cast<unsigned long long>(bytes));
  try {
    out->assign(static_cast<size_t>(count), 0.0f);
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "no memory for tensor '%s'", name);
  }
  // An empty tensor may have no raw vector at all (found by fuzz_model_structured).
  const uint8_t* raw = t.raw() ? t.raw()->data() : nullptr;
  return half ? dequantize_f16(raw, name, count, out) : dequantize_i8(t, raw, name, count, rows, out);
}

}  // namespace fraudscore
